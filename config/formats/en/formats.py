"""One way to write a date and a moment in English, on every page, list and message: the day,
the month in words, the year; the time on the 24-hour clock, as in the Polish panel."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
# Input formats, separators and the rest: Django's own for the language.
