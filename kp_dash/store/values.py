"""Months and numbers as department spreadsheets write them.

Each reader takes one cell and says what it holds and how it was written, so that the column
parsers (`cells`) can report every conversion instead of making it silently. Day-first dates
are read as Pakistan writes them; a form that could be read more than one way is not a month.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

URDU_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0-06F9, as Urdu keyboards type them
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"  # U+0660-0669
_DIGITS = str.maketrans(URDU_DIGITS + ARABIC_DIGITS + "\u066b", "0123456789" * 2 + ".")
# direction marks, joiners and tatweel change how a cell looks, not what it says; Arabic yeh
# and kaf are what some keyboards type for the Urdu letters
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u200c\u200d\u2066\u2067\u2068\u2069"))
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u0640": None})

ENGLISH_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
URDU_MONTHS = {
    "جنوری": 1,
    "فروری": 2,
    "مارچ": 3,
    "اپریل": 4,
    "مئی": 5,
    "مئ": 5,
    "مئے": 5,
    "جون": 6,
    "جولائی": 7,
    "جولائ": 7,
    "جولای": 7,
    "اگست": 8,
    "ستمبر": 9,
    "اکتوبر": 10,
    "نومبر": 11,
    "دسمبر": 12,
}
MONTH_NAMES = {**ENGLISH_MONTHS, **URDU_MONTHS}


def month_advice(written: str) -> str:
    """What to write instead of a value that is not a month: a value in the YYYY-MM shape
    needs only that form, any other the forms there are to choose from."""
    if not written or re.match(r"\d{3,}-\d", written, re.ASCII):
        return "write it as YYYY-MM (e.g. 2025-03)"
    return (
        "write it as YYYY-MM (e.g. 2025-03), a date such as 2025-03-01 or 01/03/2025 "
        "(day first), Mar-2025, March 2025 or مارچ 2025"
    )


# Excel counts days from 1899-12-30 (its phantom 1900-02-29 lies before any month here); five
# digits span 1927 to 2173, and a shorter or longer number is a year or YYYYMM, not a date
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL = re.compile(r"(\d{5})(?:\.\d+)?", re.ASCII)
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", re.ASCII)
_YEAR_FIRST = re.compile(r"(\d{4})/(\d{1,2})(?:/(\d{1,2}))?" + _TIME, re.ASCII)
_DAY_FIRST = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})" + _TIME, re.ASCII)
_MONTH_YEAR = re.compile(r"(\d{1,2})[/.\-](\d{4})", re.ASCII)
_NAME_YEAR = re.compile(r"(?:(\d{1,2})[\s\-/.,]+)?(\D+?)[\s\-/.,،']*(\d{4})" + _TIME, re.ASCII)
_YEAR_NAME = re.compile(r"(\d{4})[\s\-/.,،]+(\D+)", re.ASCII)


@dataclass(frozen=True)
class MonthRead:
    """A cell's month (None when it is not one) and how it was written when that was not
    YYYY-MM (None when it was)."""

    month: date | None
    written: str | None = None


def read_month(value: object) -> MonthRead:
    if value is None or value is pd.NA or value is pd.NaT:
        return MonthRead(None)
    if isinstance(value, float) and math.isnan(value):
        return MonthRead(None)
    if isinstance(value, (pd.Timestamp, date)):
        # a Parquet timestamp can lie past the year 9999 that a date holds
        if not 1 <= value.year <= 9999:
            return MonthRead(None)
        return MonthRead(date(value.year, value.month, 1), f"holding the date {value:%Y-%m-%d}")
    written = str(value).strip()
    text = " ".join(written.translate(_INVISIBLE).translate(_DIGITS).split())
    month = _month_of(text)
    if month is None:
        return MonthRead(None)
    if _ISO_MONTH.fullmatch(written):
        return MonthRead(month)
    if _SERIAL.fullmatch(text):
        day = _EXCEL_EPOCH + timedelta(days=int(text[:5]))
        return MonthRead(month, f"written as '{written}' (an Excel date number, {day:%Y-%m-%d})")
    return MonthRead(month, f"written as '{written}'")


def _month_of(text: str) -> date | None:
    if match := _ISO_MONTH.fullmatch(text):
        return _month(match[1], match[2])
    if match := _ISO_DATE.fullmatch(text):
        return _month(match[1], match[2], match[3])
    if match := _YEAR_FIRST.fullmatch(text):
        return _month(match[1], match[2], match[3])
    if match := _DAY_FIRST.fullmatch(text):
        return _month(match[4], match[3], match[1])
    if match := _MONTH_YEAR.fullmatch(text):
        return _month(match[2], match[1])
    if match := _SERIAL.fullmatch(text):
        day = _EXCEL_EPOCH + timedelta(days=int(match[1]))
        return date(day.year, day.month, 1)
    if match := _NAME_YEAR.fullmatch(text):
        return _named_month(match[2], match[3], match[1])
    if match := _YEAR_NAME.fullmatch(text):
        return _named_month(match[2], match[1])
    return None


def _named_month(name: str, year: str, day: str | None = None) -> date | None:
    number = MONTH_NAMES.get(name.strip(" -/.,،'").casefold().translate(_LETTERS))
    return None if number is None else _month(year, str(number), day)


def _month(year: str, month: str, day: str | None = None) -> date | None:
    """The first of the month, None when the year, month or day cannot be one."""
    try:
        found = date(int(year), int(month), int(day) if day else 1)
    except ValueError:
        return None
    return found.replace(day=1)


# --- numbers ------------------------------------------------------------------------------------

NOT_REPORTED = ("-", "–", "—")  # a dash in a count column says the figure was not reported
# comma, Arabic thousands separator, space, no-break space, narrow no-break space, thin space
_SEPARATORS = ",\u066c \u00a0\u202f\u2009"
_PLAIN = re.compile(
    r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf(?:inity)?", re.I | re.A
)
_GROUPED = re.compile(rf"([+-]?)(\d[\d{_SEPARATORS}]*\d)(\.\d+)?", re.ASCII)


@dataclass(frozen=True)
class NumberRead:
    """A cell's number (NaN when it is none) and what was converted to read it."""

    number: float
    separators: bool = False
    urdu_digits: bool = False
    arabic_digits: bool = False
    not_reported: bool = False


def read_number(written: str) -> NumberRead:
    urdu = any(c in URDU_DIGITS for c in written)
    arabic = any(c in ARABIC_DIGITS for c in written)
    text = written.translate(_DIGITS)
    if text in NOT_REPORTED:
        return NumberRead(math.nan, not_reported=True)
    if _PLAIN.fullmatch(text):
        return NumberRead(float(text), urdu_digits=urdu, arabic_digits=arabic)
    plain = _ungrouped(text)
    if plain is None:
        return NumberRead(math.nan)
    return NumberRead(float(plain), True, urdu, arabic)


def _ungrouped(text: str) -> str | None:
    """A number written in groups of digits, without its separators; None when the groups are
    not thousands (1,234,567) or lakhs (12,34,567): `12,5` is a decimal comma, not 125."""
    match = _GROUPED.fullmatch(text)
    if not match:
        return None
    body = match[2]
    separators = {c for c in body if c not in "0123456789"}
    if len(separators) != 1:
        return None
    groups = body.split(separators.pop())
    head, tail = groups[0], groups[1:]
    thousands = len(head) <= 3 and all(len(g) == 3 for g in tail)
    lakhs = len(head) <= 2 and len(tail[-1]) == 3 and all(len(g) == 2 for g in tail[:-1])
    if not (thousands or lakhs):
        return None
    return match[1] + "".join(groups) + (match[3] or "")
