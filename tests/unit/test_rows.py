"""assistant.index.rows: the one conversion between stored metadata and the model."""

from __future__ import annotations

from assistant.index.rows import content_fingerprint, passage_metadata, to_passage
from core.model import PassageRecord, Statement


def test_fingerprint_sees_every_citation_field_but_not_where_a_statement_was_read():
    base = Statement(text="Systems must be safe.", author="Org", document="Doc", date="2020")
    same_place_changed = [
        Statement(text="Systems must be safe.", author="Org", document="Doc", date="2021"),
        Statement(text="Systems must be safe.", author="Org", document="Doc", date="2020", authors="A. Person"),
        Statement(text="Systems must be safe!", author="Org", document="Doc", date="2020"),
    ]
    moved = Statement(text="Systems must be safe.", author="Org", document="Doc", date="2020", source="b.txt", line=9)
    assert all(content_fingerprint(s) != content_fingerprint(base) for s in same_place_changed)
    assert content_fingerprint(moved) == content_fingerprint(base)


def test_metadata_round_trip_keeps_the_citation():
    st = Statement(text="Text of it.", author="Org", authors="A; B", document="Doc", date="2021-05", section="1",
                   url="https://example.org", lang="en", source="f.pdf", line=3, page=7).finalize()
    meta = passage_metadata(PassageRecord(st, st.text))
    passage = to_passage(f"{st.id}:0", st.text, meta)
    for name in ("author", "authors", "document", "date", "section", "url", "lang", "source", "line", "page"):
        assert getattr(passage, name) == getattr(st, name), name
    assert passage.year == 2021 and meta["year"] == 2021


def test_a_citation_leads_with_the_people_who_wrote_it_and_keeps_the_organisation():
    from core.model import Passage

    paper = Passage(id="a:0", statement_id="a", text="t", author="Lab", authors="Ann Lee; Bo Chen; Cy Diaz",
                    document="A Paper", date="2025-01-20", page=3)
    assert paper.citation().startswith("Ann Lee et al. (Lab), *A Paper*, 2025-01-20")
    two = Passage(id="b:0", statement_id="b", text="t", authors="Ann Lee; Bo Chen", document="Note")
    assert two.citation().startswith("Ann Lee and Bo Chen, *Note*")
    org = Passage(id="c:0", statement_id="c", text="t", author="OECD", document="Recommendation")
    assert org.citation().startswith("OECD, *Recommendation*")
