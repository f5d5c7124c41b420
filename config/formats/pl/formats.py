"""One way to write a date and a moment in Polish, on every page, list and message: the day,
the month in words (genitive), the year; the time on the 24-hour clock. Django's own Polish
formats mix "d-m-Y" and "j E Y" between pages; people compare dates across pages."""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j E"
YEAR_MONTH_FORMAT = "F Y"
# Input formats, separators and the rest: Django's own for the language.
