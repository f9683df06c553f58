"""Dispatch suggestions: which department most likely handles a ticket.

Learned from past tickets: TF-IDF over jieba words (``tongban.catalog.search.words``) with a linear
classifier (scikit-learn's ``LogisticRegression``), trained by ``tongban hotline train`` and stored
in ``DispatchModel`` so every process uses the same model. Without a model (a new line), or when
the model is unsure (top probability below ``MIN_PROBABILITY``) and the rules match, the subject rules
of ``constants.SUBJECTS`` go first: the subject's department, else the department whose keywords the
text mentions most. ``tests/test_dispatch.py`` measures the model, the rules and the combination on
held-out tickets.
"""

from __future__ import annotations

import io
import pickle
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from tongban.catalog.search import words
from tongban.hotline.constants import SUBJECTS
from tongban.hotline.models import DispatchModel, Ticket

MIN_PROBABILITY = 0.6  # below this, keyword rules that match go first


def analyzer(text: str) -> list[str]:
    return [w for w in words(text) if len(w) > 1]


@dataclass(frozen=True)
class Suggestion:
    department_code: str
    probability: float
    source: str  # "model" or "rules"


def rule_suggest(text: str, subject: str = "") -> Suggestion | None:
    """The subject's department, else the department whose keywords appear most in the text."""
    if subject in SUBJECTS:
        return Suggestion(SUBJECTS[subject][1], 1.0, "rules")
    best: tuple[int, str] | None = None
    for _name, department, keywords in SUBJECTS.values():
        hits = sum(1 for k in keywords if k in text)
        if hits and (best is None or hits > best[0]):
            best = (hits, department)
    return Suggestion(best[1], 0.5, "rules") if best else None


def build_pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=1),
        LogisticRegression(max_iter=1000, C=10.0),
    )


@dataclass(frozen=True)
class TrainingResult:
    samples: int
    accuracy: float
    rule_accuracy: float
    model: DispatchModel | None


@dataclass(frozen=True)
class Scores:
    model: float
    rules: float
    combined: float


def score(model: Any, texts: Sequence[str], labels: Sequence[str]) -> Scores:
    """Accuracy on labelled tickets of the model alone, the rules alone and ``rank`` (what ``suggest`` uses)."""
    n = max(len(texts), 1)
    predicted = model.predict(list(texts)) if texts else []
    model_hits = sum(1 for p, y in zip(predicted, labels, strict=True) if p == y)
    rule_hits = combined_hits = 0
    for text, label in zip(texts, labels, strict=True):
        rule = rule_suggest(text)
        rule_hits += int(rule is not None and rule.department_code == label)
        ranked = rank(model, text)
        combined_hits += int(bool(ranked) and ranked[0].department_code == label)
    return Scores(model_hits / n, rule_hits / n, combined_hits / n)


def evaluate(texts: Sequence[str], labels: Sequence[str], *, seed: int = 7, holdout: float = 0.2) -> tuple[Any, Scores]:
    """Train on a shuffled split and measure on the held-out part."""
    pairs = list(zip(texts, labels, strict=True))
    random.Random(seed).shuffle(pairs)
    cut = int(len(pairs) * (1 - holdout))
    train, test = pairs[:cut], pairs[cut:]
    pipeline = build_pipeline()
    pipeline.fit([t for t, _ in train], [label for _, label in train])
    return pipeline, score(pipeline, [t for t, _ in test], [label for _, label in test])


def training_data(*, limit: int = 50000) -> tuple[list[str], list[str]]:
    """Past tickets that a department replied to (the department that answered is the label)."""
    rows = (
        Ticket.objects.filter(department__isnull=False, replied_at__isnull=False, answered_directly=False)
        .order_by("-created_at")
        .values_list("title", "content", "department__code")[:limit]
    )
    texts, labels = [], []
    for title, content, code in rows:
        texts.append(f"{title} {content}")
        labels.append(code)
    return texts, labels


@transaction.atomic
def train(*, limit: int = 50000) -> TrainingResult:
    """Train on past tickets, measure on a held-out fifth, then fit on everything and store the model."""
    texts, labels = training_data(limit=limit)
    if len(set(labels)) < 2 or len(texts) < 20:
        return TrainingResult(len(texts), 0.0, 0.0, None)
    _pipeline, scores = evaluate(texts, labels)
    accuracy, rule_accuracy = scores.combined, scores.rules
    pipeline = build_pipeline()
    pipeline.fit(texts, labels)
    buffer = io.BytesIO()
    pickle.dump(pipeline, buffer)
    model = DispatchModel.objects.create(
        region_id=settings.TONGBAN_REGION, samples=len(texts), accuracy=accuracy, blob=buffer.getvalue()
    )
    DispatchModel.objects.exclude(pk=model.pk).delete()
    _cache.clear()
    return TrainingResult(len(texts), accuracy, rule_accuracy, model)


_cache: dict[int, Any] = {}


def has_model() -> bool:
    return DispatchModel.objects.exists()


def _current_model() -> Any | None:
    row = DispatchModel.objects.only("id").order_by("-created_at", "-id").first()
    if row is None:
        return None
    if row.pk not in _cache:
        blob = DispatchModel.objects.values_list("blob", flat=True).get(pk=row.pk)
        _cache.clear()
        _cache[row.pk] = pickle.loads(bytes(blob))  # noqa: S301 - written by train() above
    return _cache[row.pk]


def rank(model: Any | None, text: str, subject: str = "", *, top: int = 3) -> list[Suggestion]:
    """The model's best departments; the rules first when the model is unsure and they match."""
    out: list[Suggestion] = []
    if model is not None and text.strip():
        probabilities = model.predict_proba([text])[0]
        ranked = sorted(zip(model.classes_, probabilities, strict=True), key=lambda p: -p[1])
        out = [Suggestion(str(c), float(p), "model") for c, p in ranked[:top] if p >= 0.05]
    if not out or out[0].probability < MIN_PROBABILITY or subject in SUBJECTS:
        rule = rule_suggest(text, subject)
        if rule is not None:
            out = [rule, *[s for s in out if s.department_code != rule.department_code]]
    return out[:top]


def suggest(text: str, subject: str = "", *, top: int = 3) -> list[Suggestion]:
    """Departments (codes) most likely responsible, best first."""
    return rank(_current_model(), text, subject, top=top)
