"""The app's English date formats ("1 Dec 2026 22:14"), also in the Django admin,
instead of Django's American ones ("Dec. 1, 2026, 10:15 p.m."). Other formats (input
formats, separators) fall back to Django's own for English.

Below them, the app's own named formats, read with ``django.utils.formats.get_format``:
every language of ``settings.LANGUAGES`` has a module here that sets each of them
(tests/test_local_formats.py)."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday

# Between the numbers of a list, such as tablet strengths: "2, 5".
NUMBER_LIST_SEPARATOR = ", "
# After a number, to make it a percentage: "92.3%".
PERCENT_SIGN = "%"

# Dates as the pages, emails and PDF write them (templates: {{ day|date:"LONG_DATE_FORMAT" }}).
# Django's own DATE_FORMAT and MONTH_DAY_FORMAT stand for the admin and for "7 December"; these
# are the app's others. Every language writes its own: French abbreviates months in lower
# case with a full stop ("7 déc. 2026"), German puts a full stop after the day and a comma
# after the weekday ("Mo., 7. Dez.", "Montag, 7. Dezember").
DAY_MONTH_FORMAT = "j M"  # 7 Dec
DAY_FORMAT = "j"  # the first day of a range in one month: 13–19 Sep (date_range)
DAY_MONTH_TIME_FORMAT = "j M H:i"  # 7 Dec 22:14
DAY_MONTH_COMMA_TIME_FORMAT = "j M, H:i"  # 7 Dec, 22:14
DAY_MONTH_YEAR_FORMAT = "j M Y"  # 7 Dec 2026
DAY_MONTH_YEAR_TIME_FORMAT = "j M Y H:i"  # 7 Dec 2026 22:14
DAY_MONTH_YEAR_COMMA_TIME_FORMAT = "j M Y, H:i"  # 7 Dec 2026, 22:14
WEEKDAY_DAY_MONTH_FORMAT = "D j M"  # Mon 7 Dec
WEEKDAY_DAY_MONTH_COMMA_TIME_FORMAT = "D j M, H:i"  # Mon 7 Dec, 22:14
WEEKDAY_DAY_MONTH_YEAR_FORMAT = "D j M Y"  # Mon 7 Dec 2026
LONG_DATE_FORMAT = "j F Y"  # 7 December 2026
LONG_DATE_COMMA_TIME_FORMAT = "j F Y, H:i"  # 7 December 2026, 22:14
LONG_WEEKDAY_DAY_MONTH_FORMAT = "l j F"  # Monday 7 December
PADDED_DAY_MONTH_FORMAT = "d M"  # 07 Dec, in the PDF summary's tables
PADDED_DAY_MONTH_YEAR_FORMAT = "d M Y"  # 07 Dec 2026
