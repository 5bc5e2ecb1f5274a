"""The app's own named formats in French (see ``cbti.formats.en.formats``); Django's own
French formats stand for the rest."""

# A comma is the decimal mark, so the numbers of a list are separated by semicolons, with
# the no-break space French puts before ";" (the forms' hints write "2,5 ; 5").
NUMBER_LIST_SEPARATOR = "\u00a0; "
# A no-break space before the percent sign ("92,3 %"), the one the catalogue puts before
# ": ; ? ! »" and "%".
PERCENT_SIGN = "\u00a0%"

# Dates: months abbreviated in lower case with their full stop ("déc.", Django's "N"), and
# weekdays too ("lun."); a time follows the date without a comma, as in Django's own
# French DATETIME_FORMAT ("7 déc. 2026 22:14").
DAY_MONTH_FORMAT = "j N"  # 7 déc.
DAY_MONTH_TIME_FORMAT = "j N H:i"
DAY_MONTH_COMMA_TIME_FORMAT = "j N H:i"
DAY_MONTH_YEAR_FORMAT = "j N Y"  # 7 déc. 2026
DAY_MONTH_YEAR_TIME_FORMAT = "j N Y H:i"
DAY_MONTH_YEAR_COMMA_TIME_FORMAT = "j N Y H:i"
WEEKDAY_DAY_MONTH_FORMAT = "D. j N"  # lun. 7 déc.
WEEKDAY_DAY_MONTH_COMMA_TIME_FORMAT = "D. j N H:i"
WEEKDAY_DAY_MONTH_YEAR_FORMAT = "D. j N Y"
LONG_DATE_FORMAT = "j F Y"  # 7 décembre 2026
LONG_DATE_COMMA_TIME_FORMAT = "j F Y H:i"
LONG_WEEKDAY_DAY_MONTH_FORMAT = "l j F"  # lundi 7 décembre
PADDED_DAY_MONTH_FORMAT = "d N"  # 07 déc.
PADDED_DAY_MONTH_YEAR_FORMAT = "d N Y"
