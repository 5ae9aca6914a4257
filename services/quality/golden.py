"""The golden set: questions with the documents an answer should cite and the facts it must contain, in
samples/questions.jsonl's format (`id`, `question`, `expected_sources`, `answer_keywords`, and optionally `lang` and
`groups`: whom to ask as). It starts as PERIMETER_GOLDEN_SEED (the sample questions) and grows from feedback: an
analyst turns a rated answer into a case, kept in DATA_DIR/golden.jsonl (0600: it holds questions)."""
from __future__ import annotations

import json
import time
from pathlib import Path

from pydantic import BaseModel, Field

from services.data_dir import append_private


class GoldenCase(BaseModel):
    id: str = Field(pattern=r"^[A-Za-z0-9._:-]{1,80}$")
    question: str = Field(min_length=1, max_length=2000)
    expected_sources: list[str] = Field(default_factory=list, description="file names, paths or doc ids of the "
                                                                          "documents an answer should cite")
    answer_keywords: list[str] = Field(default_factory=list, description="facts the answer must contain")
    lang: str | None = None
    groups: list[str] | None = Field(None, description="whom to ask as (default: PERIMETER_DEFAULT_GROUPS)")
    from_answer: str | None = Field(None, description="the rated answer it was made from")
    rating: str | None = None
    created_by: str | None = None
    created_at: float | None = None


class GoldenSetError(ValueError):
    pass


def read_cases(path: Path) -> list[GoldenCase]:
    if not path.exists():
        return []
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                cases.append(GoldenCase.model_validate_json(line))
            except ValueError as exc:
                raise GoldenSetError(f"{path}:{n}: not a golden case: {exc}") from None
    return cases


class GoldenSet:
    def __init__(self, path: Path, seed: Path | None = None):
        self.path, self.seed = Path(path), seed

    def cases(self) -> list[GoldenCase]:
        """The seed's cases, then the ones made from feedback (a later case of the same id replaces an earlier)."""
        merged: dict[str, GoldenCase] = {}
        for case in (read_cases(self.seed) if self.seed else []) + read_cases(self.path):
            merged[case.id] = case
        return list(merged.values())

    def add(self, case: GoldenCase) -> GoldenCase:
        case = case.model_copy(update={"created_at": case.created_at or round(time.time(), 3)})
        append_private(self.path, (case.model_dump_json(exclude_none=True) + "\n").encode("utf-8"))
        return case

    def export(self) -> str:
        return "".join(c.model_dump_json(exclude_none=True) + "\n" for c in self.cases())


def rated_answer(feedback_file: Path, answer_id: str) -> dict | None:
    """The last rating of `answer_id` in the feedback file (its question and the doc ids the answer showed)."""
    if not feedback_file.exists():
        return None
    found = None
    for line in feedback_file.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("answer_id") == answer_id:
            found = record
    return found
