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
