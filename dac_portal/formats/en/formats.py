"""The portal's English date formats: one way to write a date on every page ("4 December
2026", "4 December 2026, 14:05"), unambiguous in every English-speaking country, instead of
Django's American default ("Dec. 4, 2026"). Other languages keep Django's own formats for
their locale. Pages use only these names (`|date:"DATE_FORMAT"`), never a pattern."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
