"""A file's readers from its Windows security descriptor (owner + DACL), by one written rule (README, "SMB shares").

Perimeter's access model is an allow-list of groups per document; it cannot say "members of A except members of B".
So the rule keeps what an allow-list can express and leaves a file out where it cannot:

- Only entries that grant reading count (FILE_READ_DATA, GENERIC_READ or GENERIC_ALL). Inherit-only entries do not
  apply to the file itself and are ignored; inherited entries count like explicit ones (they are in the DACL).
- An allow entry for a SID in the source's `readers` map makes that group (or user) a reader; one for Everyone
  (S-1-1-0) or Authenticated Users (S-1-5-11) makes the source's `everyone` group a reader, and nobody when the source
  does not name one (sharing with every Perimeter user is opted into, never implied). Other SIDs are not readers.
- The owner may always rewrite the DACL, so a mapped owner is a reader, unless an OWNER RIGHTS (S-1-3-4) entry limits
  what the owner may do.
- Any entry that denies reading, to anyone, leaves the file out: the people it excludes may sit in any allowed group.
- No DACL at all (a NULL DACL) grants everyone everything: treated as Everyone. An empty DACL grants nobody.
- A file with no reader is not indexed (a file that was, is deleted from the index by the next sync).
"""
from __future__ import annotations

from dataclasses import dataclass

EVERYONE, AUTHENTICATED_USERS, OWNER_RIGHTS = "S-1-1-0", "S-1-5-11", "S-1-3-4"
FILE_READ_DATA, GENERIC_ALL, GENERIC_READ = 0x1, 0x10000000, 0x80000000
READS = FILE_READ_DATA | GENERIC_ALL | GENERIC_READ
INHERIT_ONLY = 0x08
ALLOW, DENY = 0x00, 0x01
# Object and callback (conditional) deny entries: their conditions are not evaluated, so they count as denies.
OTHER_DENIES = {0x06, 0x0A, 0x0C}


@dataclass(frozen=True)
class Ace:
    """One DACL entry: type (0 allow, 1 deny, others as in MS-DTYP), flags, access mask, trustee SID."""

    type: int
    flags: int
    mask: int
    sid: str


@dataclass(frozen=True)
class Readers:
    groups: tuple[str, ...]
    why_none: str = ""  # when groups is empty: why the file has no reader


def readers_of(owner: str | None, dacl: list[Ace] | None, mapping: dict[str, str],
               everyone: str | None) -> Readers:
    """The Perimeter groups that may read a file with this owner and DACL (None = a NULL DACL)."""
    if dacl is None:
        dacl = [Ace(ALLOW, 0, GENERIC_ALL, EVERYONE)]
    applying = [ace for ace in dacl if not ace.flags & INHERIT_ONLY]
    for ace in applying:
        if (ace.type == DENY and ace.mask & READS) or ace.type in OTHER_DENIES:
            return Readers((), f"an entry denies reading to {ace.sid}")
    groups: set[str] = set()
    unmapped: set[str] = set()
    for ace in applying:
        if ace.type != ALLOW or not ace.mask & READS:
            continue
        if ace.sid in (EVERYONE, AUTHENTICATED_USERS):
            if everyone:
                groups.add(everyone)
            else:
                unmapped.add(ace.sid)
        elif ace.sid in mapping:
            groups.add(mapping[ace.sid])
        else:
            unmapped.add(ace.sid)
    owner_limited = any(ace.sid == OWNER_RIGHTS for ace in applying)
    if owner and owner in mapping and not owner_limited:
        groups.add(mapping[owner])
    if groups:
        return Readers(tuple(sorted(groups)))
    if unmapped:
        return Readers((), "no SID that may read it is mapped to a group: " + ", ".join(sorted(unmapped)))
    return Readers((), "its DACL lets nobody read it")
