"""Turn a date as a source writes it into an ISO date of the right precision.

Sources give dates like ``Oct 31, 2023``, ``Sept 5, 2024``, ``Jan 3-8, 2017``
(an event spanning days), ``March 2019``, ``2023`` or ``Apr 1, 2019
(unconfirmed)``.  A citation must never claim more precision than the source
gives, so ``March 2019`` becomes ``2019-03`` and ``2023`` stays ``2023``: the
granularity dateparser reports (its *period*) decides the ISO form, and a
result whose year is not literally in the text is refused (dateparser would
otherwise read ``Dec 27`` as December 2027).

The calendar work is dateparser's; this module only trims what dateparser does
not understand (the ``(unconfirmed)`` note and day ranges) and checks its
answer.  dateparser runs fully offline: its language data ships in the wheel,
and we name the languages so it never has to guess one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dateparser.date import DateDataParser

# Notes a source appends to a date it is unsure of; kept in date_text only.
_NOTE_RE = re.compile(r"\s*[(（]\s*(?:unconfirmed|未确认|未经确认)\s*[)）]\s*$", re.IGNORECASE)
# "Jan 3-8, 2017" / "Jan 30 - Feb 2, 2017": keep the first day, drop the rest.
_RANGE_RE = re.compile(
    r"^(?P<start>[A-Za-z]+\.?\s+\d{1,2})(?:st|nd|rd|th)?\s*[-–—~]\s*"
    r"(?:[A-Za-z]+\.?\s+)?\d{1,2}(?:st|nd|rd|th)?(?P<year>\s*,?\s*\d{4})$"
)
_YEAR_ONLY_RE = re.compile(r"^\d{4}$")
_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
# dateparser knows "Sept." but not every spelling; "Sept" alone is normalised.
_SEPT_RE = re.compile(r"\bSept\b\.?", re.IGNORECASE)

_LANGUAGES = ("en", "zh")
_SETTINGS = {
    # Never invent a year; the period tells us whether a month/day was given.
    "REQUIRE_PARTS": ["year"],
    "PREFER_DAY_OF_MONTH": "first",
    "RETURN_TIME_AS_PERIOD": True,
    # Absolute dates only: no "yesterday", no timestamps, no guessing.
    "PARSERS": ["custom-formats", "absolute-time"],
}
_ISO_FORMAT_BY_PERIOD = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def parse_date(text: str | None) -> tuple[str | None, str | None]:
    """Return ``(iso_date, date_text)`` for a date as written.

    ``date_text`` is the input stripped of surrounding whitespace (notes such
    as ``(unconfirmed)`` included), so the source's wording is never lost; the
    ISO date is None when the text is not a date we can read with certainty.
    """
    if text is None or not text.strip():
        return None, None
    date_text = text.strip()
    core = _core_date(date_text)
    if _YEAR_ONLY_RE.match(core):
        return core, date_text
    return _parse_with_dateparser(core), date_text


def _core_date(date_text: str) -> str:
    """The part dateparser should see: no note, first day of a range."""
    core = _NOTE_RE.sub("", date_text).strip()
    match = _RANGE_RE.match(core)
    if match:
        core = match.group("start") + match.group("year")
    return _SEPT_RE.sub("Sep", core)


def _parse_with_dateparser(core: str) -> str | None:
    """ISO date at the precision dateparser found, or None when unsure."""
    data = _parser().get_date_data(core)
    if data.date_obj is None:
        return None
    # Refuse a year dateparser made up or read from a two-digit day.
    if str(data.date_obj.year) not in _YEAR_RE.findall(core):
        return None
    fmt = _ISO_FORMAT_BY_PERIOD.get(data.period or "")
    if fmt is None:
        return None
    return data.date_obj.strftime(fmt)


@lru_cache(maxsize=1)
def _parser() -> DateDataParser:
    """One configured parser per process: building it loads locale data."""
    return DateDataParser(languages=list(_LANGUAGES), settings=_SETTINGS)
