"""The access rule, in the two forms the indexes need. A chunk is visible when its groups meet the caller's."""
from __future__ import annotations


def chroma_where(groups: list[str]) -> dict:
    """Chroma filter on the `groups` list field. `$in`/`$eq` on a list field silently match nothing: use `$contains`."""
    if not groups:
        raise ValueError("a caller with no groups can see nothing")
    clauses = [{"groups": {"$contains": g}} for g in sorted(set(groups))]
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def may_see(chunk_groups: list[str], groups: list[str]) -> bool:
    return not set(chunk_groups).isdisjoint(groups)
