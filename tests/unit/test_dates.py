"""parse_date: ISO date at the precision the source gives, never more."""

from __future__ import annotations

import socket

import pytest

from ingest import dates
from ingest.dates import parse_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Oct 31, 2023", "2023-10-31"),
        ("Sept 5, 2024", "2024-09-05"),
        ("Sept. 5, 2024", "2024-09-05"),
        ("Sep 28, 2016", "2016-09-28"),
        ("Jan 08, 2019", "2019-01-08"),
        ("October 18, 2023", "2023-10-18"),
        ("Dec 27, 2018", "2018-12-27"),
        ("May 10, 2024", "2024-05-10"),
        ("Jun 7, 2018", "2018-06-07"),
        ("31 Oct 2023", "2023-10-31"),
        ("2018年12月27日", "2018-12-27"),
    ],
)
def test_full_dates_become_days(text: str, iso: str) -> None:
    assert parse_date(text) == (iso, text)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Jan 3-8, 2017", "2017-01-03"),
        ("Jan 3 - 8, 2017", "2017-01-03"),
        ("Jan 30 - Feb 2, 2017", "2017-01-30"),
        ("Nov 1–2, 2023", "2023-11-01"),
    ],
)
def test_ranges_give_their_first_day(text: str, iso: str) -> None:
    assert parse_date(text) == (iso, text)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Apr 1, 2019 (unconfirmed)", "2019-04-01"),
        ("March 2019 (unconfirmed)", "2019-03"),
        ("2020 (Unconfirmed)", "2020"),
    ],
)
def test_unconfirmed_note_is_kept_in_date_text(text: str, iso: str) -> None:
    assert parse_date(text) == (iso, text)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("March 2019", "2019-03"),
        ("Sep 2019", "2019-09"),
        ("Dec 2018", "2018-12"),
        ("June 2019", "2019-06"),
        ("2018年12月", "2018-12"),
        ("2023", "2023"),
        ("1999", "1999"),
    ],
)
def test_partial_dates_keep_their_precision(text: str, iso: str) -> None:
    """No day or month is invented: 'March 2019' must not become 2019-03-01."""
    assert parse_date(text) == (iso, text)


@pytest.mark.parametrize("text", [None, "", "   ", "\n"])
def test_empty_gives_nothing(text: str | None) -> None:
    assert parse_date(text) == (None, None)


@pytest.mark.parametrize(
    "text",
    [
        "soon",
        "unknown date",
        "March",  # no year: dateparser would take the current one
        "Dec 27",  # dateparser would read 27 as the year 2027
        "yesterday",  # relative dates are not dates of a document
        "Feb 30, 2020",  # no such day
    ],
)
def test_unreadable_keeps_the_text(text: str) -> None:
    assert parse_date(text) == (None, text)


def test_surrounding_whitespace_is_trimmed_from_date_text() -> None:
    assert parse_date("  Oct 31, 2023 \n") == ("2023-10-31", "Oct 31, 2023")


def test_runs_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building the parser and parsing must not touch the network."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    dates._parser.cache_clear()
    assert parse_date("Sept 5, 2024") == ("2024-09-05", "Sept 5, 2024")
    assert parse_date("2018年12月27日")[0] == "2018-12-27"
