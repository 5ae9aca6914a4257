"""Every response a front door gave, checked for the markers of documents the caller may not see, and counted."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tests.leaks.attempts import Attempt, Person
from tests.leaks.corpus import Corpus


@dataclass
class Row:
    door: str
    person: str
    kind: str
    question: str
    inside: bool
    leaked: list[str]
    surfaced: bool | None = None
    answered: bool = True  # the door gave a real answer (not an error that would hide nothing)


@dataclass
class Ledger:
    corpus: Corpus
    rows: list[Row] = field(default_factory=list)

    def outside(self, door: str, person: Person, attempt: Attempt | str, text: str, answered: bool = True) -> Row:
        """An attempt by someone outside the attempt's target group: nothing restricted may show."""
        kind, question = (attempt.kind, attempt.question) if isinstance(attempt, Attempt) else ("request", attempt)
        row = Row(door, person.name, kind, question, False, self.corpus.leaked(text, list(person.groups)),
                  answered=answered)
        self.rows.append(row)
        return row

    def inside(self, door: str, person: Person, attempt: Attempt | str, text: str, target: str) -> Row:
        """The same attempt by an insider: the target canary must show (the suite can see a leak); documents of
        groups the insider is not in still may not."""
        kind, question = (attempt.kind, attempt.question) if isinstance(attempt, Attempt) else ("request", attempt)
        row = Row(door, person.name, kind, question, True, self.corpus.leaked(text, list(person.groups)),
                  self.corpus.surfaced(text, target))
        self.rows.append(row)
        return row

    def leaks(self, door: str | None = None) -> list[Row]:
        return [r for r in self.rows if r.leaked and (door is None or r.door == door)]

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(
            ("outsider_attempts", "outsider_leaks", "insider_checks", "insider_saw_canary", "cross_group_leaks"), 0))
        for r in self.rows:
            counts = out[r.door]
            if r.inside:
                counts["insider_checks"] += 1
                counts["insider_saw_canary"] += bool(r.surfaced)
                counts["cross_group_leaks"] += bool(r.leaked)
            else:
                counts["outsider_attempts"] += 1
                counts["outsider_leaks"] += bool(r.leaked)
        return dict(out)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"summary": self.summary(), "leaks": [r.__dict__ for r in self.leaks()]},
                                   ensure_ascii=False, indent=2), encoding="utf-8")

    def table(self) -> str:
        lines = [f"{'front door':<28}{'attempts':>9}{'leaks':>7}{'insider checks':>16}{'saw canary':>12}"]
        for door, c in self.summary().items():
            lines.append(f"{door:<28}{c['outsider_attempts']:>9}{c['outsider_leaks'] + c['cross_group_leaks']:>7}"
                         f"{c['insider_checks']:>16}{c['insider_saw_canary']:>12}")
        return "\n".join(lines)
