"""Suggested answer for a new inquiry (CS-5): the company's own past answers (sent answers paired with
the questions they answered) and its active templates, ranked against the new question with BM25
(`rank_bm25`) over Korean character n-grams (2- and 3-grams of each word; no model, no download).

A suggestion only fills the editor: nothing is sent without the user's click."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rank_bm25 import BM25Okapi

from ..models import AnswerTemplate, Inquiry, InquiryAnswer, InquiryStatus
from .answers import template_render


class _BM25(BM25Okapi):
    """Okapi BM25 with Lucene's always-positive idf, log(1 + (N − n + 0.5) / (n + 0.5)): a company with
    few past answers (a small corpus, where the classic idf goes negative) still gets sensible scores."""

    def _calc_idf(self, nd):
        for word, freq in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))
        self.average_idf = sum(self.idf.values()) / max(1, len(self.idf))


PAST_ANSWERS = 500  # the most recent sent answers considered
MIN_SCORE = 0.5  # below this nothing is suggested


@dataclass(frozen=True)
class Suggestion:
    text: str
    score: float
    source: str  # "answer" | "template"
    label: str  # the past question, or the template's name
    template_id: int | None = None


def ngrams(text: str) -> list[str]:
    """Character 2- and 3-grams of each word (Korean has no spaces inside compounds, so words alone
    miss 사이즈가/사이즈는; n-grams match them)."""
    tokens: list[str] = []
    for word in re.findall(r"\w+", (text or "").lower()):
        if len(word) == 1:
            tokens.append(word)
        for n in (2, 3):
            tokens.extend(word[i:i + n] for i in range(len(word) - n + 1))
    return tokens


def _candidates(inquiry: Inquiry) -> list[tuple[str, str, str, str, int | None]]:
    """(document to match, answer text, source, label, template id)."""
    rows = []
    answers = (InquiryAnswer.objects.filter(company=inquiry.company_id, status=InquiryAnswer.Status.SENT)
               .exclude(inquiry=inquiry).select_related("inquiry").order_by("-created_at")[:PAST_ANSWERS])
    seen: set[str] = set()
    for answer in answers:
        if answer.text in seen:
            continue
        seen.add(answer.text)
        question = f"{answer.inquiry.title} {answer.inquiry.body}"
        rows.append((question, answer.text, "answer", answer.inquiry.body[:80], None))
    for template in AnswerTemplate.objects.filter(company=inquiry.company_id, is_active=True):
        rows.append((f"{template.name} {template.category} {template.text}", template_render(template.text, inquiry),
                     "template", template.name, template.pk))
    return rows


def suggest_answer(inquiry: Inquiry, *, limit: int = 3) -> list[Suggestion]:
    """The best matching past answers / templates for `inquiry`, best first, with their BM25 score."""
    if inquiry.status == InquiryStatus.ANSWERED:
        return []
    candidates = _candidates(inquiry)
    query = ngrams(f"{inquiry.title} {inquiry.body}")
    docs = [ngrams(doc) for doc, *_rest in candidates]
    if not candidates or not query or not any(docs):
        return []
    scores = _BM25([d or ["∅"] for d in docs]).get_scores(query)
    ranked = sorted(zip(scores, candidates, strict=True), key=lambda pair: -pair[0])
    return [Suggestion(text=c[1], score=round(float(s), 2), source=c[2], label=c[3], template_id=c[4])
            for s, c in ranked[:limit] if s >= MIN_SCORE]
