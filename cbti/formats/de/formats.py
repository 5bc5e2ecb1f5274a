"""The app's own named formats in German (see ``cbti.formats.en.formats``); Django's own
German formats stand for the rest."""

# A comma is the decimal mark, so the numbers of a list are separated by semicolons (the
# forms' hints write "2,5; 5").
NUMBER_LIST_SEPARATOR = "; "
# "92,3%", as the German catalogue writes percentages in its sentences.
PERCENT_SIGN = "%"

# Dates: a full stop after the day ("7. Dez."), months abbreviated with theirs (Django's
# "N": "Dez.", "März"), a full stop and a comma after a short weekday ("Mo., 7. Dez.") and
# a comma after a long one ("Montag, 7. Dezember"); a time follows the date without a
# comma, as in Django's own German DATETIME_FORMAT ("7. Dez. 2026 22:14").
DAY_MONTH_FORMAT = "j. N"  # 7. Dez.
DAY_MONTH_TIME_FORMAT = "j. N H:i"
DAY_MONTH_COMMA_TIME_FORMAT = "j. N H:i"
DAY_MONTH_YEAR_FORMAT = "j. N Y"  # 7. Dez. 2026
DAY_MONTH_YEAR_TIME_FORMAT = "j. N Y H:i"
DAY_MONTH_YEAR_COMMA_TIME_FORMAT = "j. N Y H:i"
WEEKDAY_DAY_MONTH_FORMAT = "D., j. N"  # Mo., 7. Dez.
WEEKDAY_DAY_MONTH_COMMA_TIME_FORMAT = "D., j. N H:i"
WEEKDAY_DAY_MONTH_YEAR_FORMAT = "D., j. N Y"
LONG_DATE_FORMAT = "j. F Y"  # 7. Dezember 2026
LONG_DATE_COMMA_TIME_FORMAT = "j. F Y H:i"
LONG_WEEKDAY_DAY_MONTH_FORMAT = "l, j. F"  # Montag, 7. Dezember
PADDED_DAY_MONTH_FORMAT = "d. N"  # 07. Dez.
PADDED_DAY_MONTH_YEAR_FORMAT = "d. N Y"
