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
# comma, as in Django's own German DATETIME_FORMAT ("7. Dez. 2026 22:14"). No-break spaces
# hold a date's day, month and year together, so a phone's line never ends on "13." with
# "Nov. 2026" on the next; a line may still break after a weekday's comma and before a
# time.
MONTH_DAY_FORMAT = "j.\u00a0F"  # 7. Dezember (Django's own, with the no-break space)
DAY_MONTH_FORMAT = "j.\u00a0N"  # 7. Dez.
DAY_FORMAT = "j."  # the first day of a range in one month: 13.–19. Sept. (date_range)
DAY_MONTH_TIME_FORMAT = "j.\u00a0N H:i"
DAY_MONTH_COMMA_TIME_FORMAT = "j.\u00a0N H:i"
DAY_MONTH_YEAR_FORMAT = "j.\u00a0N\u00a0Y"  # 7. Dez. 2026
DAY_MONTH_YEAR_TIME_FORMAT = "j.\u00a0N\u00a0Y H:i"
DAY_MONTH_YEAR_COMMA_TIME_FORMAT = "j.\u00a0N\u00a0Y H:i"
WEEKDAY_DAY_MONTH_FORMAT = "D., j.\u00a0N"  # Mo., 7. Dez.
WEEKDAY_DAY_MONTH_COMMA_TIME_FORMAT = "D., j.\u00a0N H:i"
WEEKDAY_DAY_MONTH_YEAR_FORMAT = "D., j.\u00a0N\u00a0Y"
LONG_DATE_FORMAT = "j.\u00a0F\u00a0Y"  # 7. Dezember 2026
LONG_DATE_COMMA_TIME_FORMAT = "j.\u00a0F\u00a0Y H:i"
LONG_WEEKDAY_DAY_MONTH_FORMAT = "l, j.\u00a0F"  # Montag, 7. Dezember
PADDED_DAY_MONTH_FORMAT = "d.\u00a0N"  # 07. Dez.
PADDED_DAY_MONTH_YEAR_FORMAT = "d.\u00a0N\u00a0Y"
