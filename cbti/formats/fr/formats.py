"""The app's own named formats in French (see ``cbti.formats.en.formats``); Django's own
French formats stand for the rest."""

from django.utils.translation import pgettext_lazy

# Django's "N" writes January and February "jan." and "fév." in French, where French
# writes "janv." and "févr." (the Unicode CLDR's French abbreviations, which the other
# ten months already follow). Django's month names are messages of its own catalogue
# ("abbrev. month"); the app's catalogue, read after Django's, gives these two their
# French words. Named here so that makemessages keeps them in the app's catalogue.
_MONTHS_FRENCH_ABBREVIATES_OTHERWISE = (
    pgettext_lazy("abbrev. month", "Jan."),
    pgettext_lazy("abbrev. month", "Feb."),
)

# A comma is the decimal mark, so the numbers of a list are separated by semicolons, with
# the no-break space French puts before ";" (the forms' hints write "2,5 ; 5").
NUMBER_LIST_SEPARATOR = "\u00a0; "
# A no-break space before the percent sign ("92,3 %"), the one the catalogue puts before
# ": ; ? ! »" and "%".
PERCENT_SIGN = "\u00a0%"

# Dates: months abbreviated in lower case with their full stop ("déc.", Django's "N"), and
# weekdays too ("lun."); a time follows the date without a comma, as in Django's own
# French DATETIME_FORMAT ("7 déc. 2026 22:14"). No-break spaces hold a date's day, month
# and year together, so a phone's line never ends on "13" with "nov. 2026" on the next;
# a line may still break before a time.
MONTH_DAY_FORMAT = "j\u00a0F"  # 7 décembre (Django's own, with the no-break space)
DAY_MONTH_FORMAT = "j\u00a0N"  # 7 déc.
DAY_FORMAT = "j"  # the first day of a range in one month: 13–19 sept. (date_range)
DAY_MONTH_TIME_FORMAT = "j\u00a0N H:i"
DAY_MONTH_COMMA_TIME_FORMAT = "j\u00a0N H:i"
DAY_MONTH_YEAR_FORMAT = "j\u00a0N\u00a0Y"  # 7 déc. 2026
DAY_MONTH_YEAR_TIME_FORMAT = "j\u00a0N\u00a0Y H:i"
DAY_MONTH_YEAR_COMMA_TIME_FORMAT = "j\u00a0N\u00a0Y H:i"
WEEKDAY_DAY_MONTH_FORMAT = "D. j\u00a0N"  # lun. 7 déc.
WEEKDAY_DAY_MONTH_COMMA_TIME_FORMAT = "D. j\u00a0N H:i"
WEEKDAY_DAY_MONTH_YEAR_FORMAT = "D. j\u00a0N\u00a0Y"
LONG_DATE_FORMAT = "j\u00a0F\u00a0Y"  # 7 décembre 2026
LONG_DATE_COMMA_TIME_FORMAT = "j\u00a0F\u00a0Y H:i"
LONG_WEEKDAY_DAY_MONTH_FORMAT = "l j\u00a0F"  # lundi 7 décembre
PADDED_DAY_MONTH_FORMAT = "d\u00a0N"  # 07 déc.
PADDED_DAY_MONTH_YEAR_FORMAT = "d\u00a0N\u00a0Y"
