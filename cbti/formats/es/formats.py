"""The app's own named formats in Spanish, whose interface is not translated yet (see
``cbti.formats.en.formats``); Django's own Spanish formats stand for the rest."""

# Dates as in English until the interface is translated.
from cbti.formats.en.formats import (  # noqa: F401
    DAY_MONTH_COMMA_TIME_FORMAT,
    DAY_MONTH_FORMAT,
    DAY_MONTH_TIME_FORMAT,
    DAY_MONTH_YEAR_COMMA_TIME_FORMAT,
    DAY_MONTH_YEAR_FORMAT,
    DAY_MONTH_YEAR_TIME_FORMAT,
    LONG_DATE_COMMA_TIME_FORMAT,
    LONG_DATE_FORMAT,
    LONG_WEEKDAY_DAY_MONTH_FORMAT,
    PADDED_DAY_MONTH_FORMAT,
    PADDED_DAY_MONTH_YEAR_FORMAT,
    WEEKDAY_DAY_MONTH_COMMA_TIME_FORMAT,
    WEEKDAY_DAY_MONTH_FORMAT,
    WEEKDAY_DAY_MONTH_YEAR_FORMAT,
)

# A comma is the decimal mark, so the numbers of a list are separated by semicolons.
NUMBER_LIST_SEPARATOR = "; "
PERCENT_SIGN = "%"
