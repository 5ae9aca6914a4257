"""The access rule, in the two forms the indexes need. A chunk is visible when its groups meet the caller's."""
from __future__ import annotations

from chromadb.api.types import Where
from chromadb.base_types import ArrayContainsOperator, LiteralValue


def chroma_where(groups: list[str]) -> Where:
    """Chroma filter on the `groups` list field. `$in`/`$eq` on a list field silently match nothing: use `$contains`."""
    if not groups:
        raise ValueError("a caller with no groups can see nothing")
    clauses = [_in_groups(g) for g in sorted(set(groups))]
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def _in_groups(group: str) -> Where:
    contains: dict[ArrayContainsOperator, LiteralValue] = {"$contains": group}
    return {"groups": contains}


def may_see(chunk_groups: list[str], groups: list[str]) -> bool:
    return not set(chunk_groups).isdisjoint(groups)
