"""The unanswered-questions queue: questions that got "not found" or 👎, grouped when near-identical, listed per owner
of the documents nearest to them, so that someone can write the missing page. A document's owner is its own
metadata (`owner`, e.g. front matter) or else its source's `owner:` in sources.yaml; questions with no owned
document near them are listed under no owner (null)."""
from __future__ import annotations

from collections import Counter

import chromadb
from pydantic import BaseModel, Field

from ingestion.manifest import FileManifest, manifest_name
from services.quality.analytics import Asked, question_groups
from services.quality.schemas import QuestionGroup

NO_OWNER = None


class OwnerQueue(BaseModel):
    owner: str | None = Field(description="who owns the documents nearest to these questions (null: nobody named)")
    documents: list[str] = Field(default_factory=list, description="those documents (uris)")
    groups: list[QuestionGroup] = Field(default_factory=list)


def indexed_documents(client: chromadb.ClientAPI, collection: str) -> dict[str, tuple[str, str]]:
    """doc id → (uri, source name) of every file indexed in `collection`; empty for a collection that does not exist
    (never created by asking)."""
    if manifest_name(collection) not in {c if isinstance(c, str) else c.name for c in client.list_collections()}:
        return {}
    return {r.doc_id: (uri, r.source_name) for uri, r in FileManifest(client, collection).all().items()}


def owners_of(client: chromadb.ClientAPI, collection: str, doc_ids: set[str],
              source_owners: dict[str, str | None]) -> dict[str, tuple[str | None, str]]:
    """doc id → (owner, uri): the document's `owner` metadata, else its source's owner."""
    documents = indexed_documents(client, collection)
    chunks = client.get_collection(collection, embedding_function=None) if documents else None
    out: dict[str, tuple[str | None, str]] = {}
    for doc in doc_ids & set(documents):
        uri, source_name = documents[doc]
        owner = None
        if chunks is not None:
            metas = chunks.get(where={"doc_id": doc}, limit=1, include=["metadatas"])["metadatas"] or []
            meta = dict(metas[0]) if metas else {}
            owner = meta.get("owner") or meta.get("declared_owner")
        out[doc] = (str(owner) if owner else source_owners.get(source_name), uri)
    return out


def nearest_documents(asked: list[Asked], search, k: int = 3) -> None:
    """Fill in the nearest documents of questions that showed none (not found), searching as their asker
    (`search(question, groups, k)` → hits): the queue never names a document the asker could not read."""
    for item in asked:
        if not item.doc_ids and item.groups:
            item.doc_ids = list(dict.fromkeys(str(h.metadata.get("doc_id")) for h in search(item.text, item.groups, k)
                                              if h.metadata.get("doc_id")))


def queue(asked: list[Asked], owners: dict[str, tuple[str | None, str]], embed, threshold: float, *,
          texts: bool, users: bool) -> list[OwnerQueue]:
    """Each question goes to the owner most of its nearest documents have (its shown or rated sources)."""
    by_owner: dict[str | None, list[Asked]] = {}
    documents: dict[str | None, set[str]] = {}
    for item in asked:
        named = [owners[d] for d in item.doc_ids if d in owners and owners[d][0]]
        owner = Counter(o for o, _ in named).most_common(1)[0][0] if named else NO_OWNER
        by_owner.setdefault(owner, []).append(item)
        documents.setdefault(owner, set()).update(uri for o, uri in named if o == owner)
    ordered = sorted(by_owner, key=lambda o: (o is None, o or ""))
    return [OwnerQueue(owner=o, documents=sorted(documents.get(o, set())),
                       groups=question_groups(by_owner[o], embed, threshold, texts=texts, users=users))
            for o in ordered]
