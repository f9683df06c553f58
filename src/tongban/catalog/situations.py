"""情形引导: which materials apply to the applicant's situation.

An item's ``situations`` are questions (``{"code", "question", "options": [{"code", "label"}]}``).
A material's ``applies_when`` lists the answers it is needed for, each written
``"<situation code>=<option code>"`` (``"<situation>:<option>"`` is read the same way):

- an empty ``applies_when`` means the material is always needed;
- answers to the same question are alternatives (any one of them is enough);
- answers to different questions must all hold.

While a question is unanswered, a material that depends on it is still shown, marked as
depending on the answer, so that nobody misses a material by skipping a question.
Everything here is pure: no database, no request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar


class HasAppliesWhen(Protocol):
    @property
    def applies_when(self) -> Any: ...


M = TypeVar("M", bound=HasAppliesWhen)


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    options: tuple[Option, ...]

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Condition:
    """One question a material depends on, with the answers it is needed for (labels for display)."""

    question: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class MaterialMatch(Generic[M]):
    material: M
    conditional: bool
    """The material is needed only in some situations."""
    pending: bool
    """It depends on a question not answered yet."""
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Guidance(Generic[M]):
    questions: tuple[Question, ...]
    answers: dict[str, str]
    shown: list[MaterialMatch[M]]
    hidden: list[M] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    """Question codes whose submitted answer was not one of its options."""

    @property
    def answered_all(self) -> bool:
        return bool(self.questions) and all(q.code in self.answers for q in self.questions)


def parse_questions(situations: Iterable[Mapping[str, Any]]) -> tuple[Question, ...]:
    """The item's situation questions; malformed entries (no code, no options) are left out."""
    out: list[Question] = []
    for s in situations:
        code = str(s.get("code") or "").strip()
        options = tuple(
            Option(code=str(o.get("code") or "").strip(), label=str(o.get("label") or o.get("code") or ""))
            for o in s.get("options") or []
            if isinstance(o, Mapping) and str(o.get("code") or "").strip()
        )
        if code and options:
            out.append(Question(code=code, text=str(s.get("question") or code), options=options))
    return tuple(out)


def parse_condition(entry: str) -> tuple[str, str] | None:
    """``"applicant=agent"`` → ``("applicant", "agent")``; anything else → None."""
    for sep in ("=", ":"):
        if sep in entry:
            situation, _, option = entry.partition(sep)
            situation, option = situation.strip(), option.strip()
            if situation and option:
                return situation, option
    return None


def clean_answers(questions: Sequence[Question], submitted: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Keep the answers that are options of their question; list the questions answered with an unknown option.

    An empty value means "not answered" and is not an error.
    """
    answers: dict[str, str] = {}
    invalid: list[str] = []
    for q in questions:
        value = (submitted.get(q.code) or "").strip()
        if not value:
            continue
        if q.option(value) is None:
            invalid.append(q.code)
        else:
            answers[q.code] = value
    return answers, invalid


def _requirements(applies_when: Any) -> dict[str, set[str]]:
    required: dict[str, set[str]] = {}
    if not isinstance(applies_when, list | tuple):
        return required
    for entry in applies_when:
        parsed = parse_condition(str(entry))
        if parsed is not None:
            required.setdefault(parsed[0], set()).add(parsed[1])
    return required


def _label(question: Question | None, option_code: str) -> str:
    option = question.option(option_code) if question else None
    return option.label if option else option_code


def match_materials(
    materials: Iterable[M], questions: Sequence[Question], answers: Mapping[str, str], invalid: Sequence[str] = ()
) -> Guidance[M]:
    """Split the materials into those shown (needed, or depending on an unanswered question) and those hidden."""
    by_code = {q.code: q for q in questions}
    shown: list[MaterialMatch[M]] = []
    hidden: list[M] = []
    for material in materials:
        required = _requirements(material.applies_when)
        if not required:
            shown.append(MaterialMatch(material=material, conditional=False, pending=False))
            continue
        excluded = False
        pending = False
        conditions: list[Condition] = []
        for situation, options in required.items():
            question = by_code.get(situation)
            order = [o.code for o in question.options] if question else []
            ordered = sorted(options, key=lambda o: (order.index(o) if o in order else len(order), o))
            labels = tuple(_label(question, o) for o in ordered)
            conditions.append(Condition(question=question.text if question else situation, options=labels))
            answer = answers.get(situation)
            if answer is None:
                pending = True
            elif answer not in options:
                excluded = True
        if excluded:
            hidden.append(material)
        else:
            shown.append(
                MaterialMatch(material=material, conditional=True, pending=pending, conditions=tuple(conditions))
            )
    return Guidance(
        questions=tuple(questions), answers=dict(answers), shown=shown, hidden=hidden, invalid=list(invalid)
    )


def guide(materials: Iterable[M], situations: Iterable[Mapping[str, Any]], submitted: Mapping[str, str]) -> Guidance[M]:
    """Parse the questions, clean the submitted answers and match the materials, in one call."""
    questions = parse_questions(situations)
    answers, invalid = clean_answers(questions, submitted)
    return match_materials(materials, questions, answers, invalid)
