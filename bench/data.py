"""The two shared data sets (BEIR layout: corpus.jsonl, queries*.jsonl, qrels*.tsv) and the metrics reported on them."""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from ingestion.documents import Document, Section

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class DataSet:
    name: str
    docs: list[dict]  # {id, title, text}
    queries: dict[str, str]  # query id -> text
    qrels: dict[str, set[str]]  # query id -> relevant doc ids


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _qrels(path: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        qid, did, score = line.split("\t")
        if int(score) > 0:
            out.setdefault(qid, set()).add(did)
    return out


def load(name: str, split: str = "test", root: Path = SHARED_DATA) -> DataSet:
    """`scifact` (split test or train) or `cmrc2018_zh` (dev)."""
    folder = root / name
    suffix = "_train" if split == "train" else ""
    qrels = _qrels(folder / f"qrels{suffix}.tsv")
    queries = {q["id"]: q["text"] for q in _jsonl(folder / f"queries{suffix}.jsonl") if q["id"] in qrels}
    docs = [{"id": d["id"], "title": d.get("title") or "", "text": d["text"]} for d in _jsonl(folder / "corpus.jsonl")]
    return DataSet(name, docs, queries, qrels)


def to_document(doc: dict) -> Document:
    """A corpus record as ingestion's Document (one section; the source is the corpus id)."""
    sha = hashlib.sha256(f"{doc['title']}\n{doc['text']}".encode()).hexdigest()
    return Document(source=doc["id"], title=doc["title"], sha256=sha, sections=[Section(text=doc["text"])])


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def unique_docs(chunk_docs: list[str]) -> list[str]:
    """Chunk-level ranking → document ranking (a document ranks where its best chunk does)."""
    return list(dict.fromkeys(chunk_docs))
