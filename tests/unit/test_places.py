"""Places a question names (``aliases.place_mentions``): the substring test that spares most regexes must not
change what is found."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.retrieval.aliases import PLACES, _word_bounds, place_mentions
from core.text import has_cjk

SPELLINGS = sorted({name for canonical, others in PLACES.items() for name in (canonical, *others)})


def reference(text: str) -> set[str]:
    """Every spelling's regex, run for every place (a Chinese one where one of jieba's words starts)."""
    found = set()
    starts = _word_bounds(text)
    for canonical, others in PLACES.items():
        for name in (canonical, *others):
            if any(m.start() in starts for m in re.finditer(re.escape(name), text)) if has_cjk(name) else re.search(
                    rf"(?<![\w.]){re.escape(name)}(?![\w])", text, flags=0 if name.isupper() else re.IGNORECASE):
                found.add(canonical)
                break
    return found


def cased(name: str, how: int) -> str:
    return (name, name.lower(), name.upper(), name.title())[how]


pieces = st.one_of(st.tuples(st.sampled_from(SPELLINGS), st.integers(0, 3)).map(lambda t: cased(*t)),
                   st.text(alphabet="ab .,-_()é的在", max_size=4))


@settings(max_examples=300, deadline=None)  # jieba loads its dictionary on the first call
@given(parts=st.lists(pieces, max_size=6))
def test_places_found_as_every_regex_finds_them(parts):
    text = "".join(parts)
    assert place_mentions(text) == reference(text)


def test_a_place_in_any_case_and_in_chinese():
    assert place_mentions("what did the uk and 北京 say?") >= {"Beijing"}
    assert "United Nations" in place_mentions("the U.N. said") and not place_mentions("a unanimous vote")


def test_a_chinese_place_inside_a_longer_word_is_no_mention():
    """发展中国家 ("developing countries") holds 中国 but does not name China."""
    assert place_mentions("小岛屿发展中国家有什么需要？") == set()
    assert place_mentions("中国和发展中国家的合作") == {"China"}
