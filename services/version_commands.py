"""`perimeter versions`: document families listed, the stale-content report, or an operator's override (mark a
version current, split one off, merge documents into one family); services/versions.py does the work."""
from __future__ import annotations

import json
import sys

from services.settings import Settings


def add_commands(sub) -> None:
    p = sub.add_parser("versions", help="document families: list, stale report, or override (mark a version "
                                        "current, split one off, merge documents into one family)")
    p.add_argument("action", choices=["list", "stale", "refresh", "current", "split", "merge"],
                   help="refresh: decide the families again (after editing a .perimeter-versions.yaml)")
    p.add_argument("documents", nargs="*", help="doc ids, sources or file names (current, split: one or more; "
                                                "merge: two or more)")
    p.add_argument("--all", action="store_true", help="list: documents alone in their family too")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=versions_command)


def versions_command(args, settings: Settings) -> int:
    """Document families: list them, the stale-content report, or an override (current, split, merge)."""
    from services.versions import UnknownDocument, VersionOverride, families, override, refresh, stale

    if args.action == "stale":
        report = stale(settings)
        if args.json:
            print(report.model_dump_json(indent=2))
            return 0
        for item in report.documents:
            print(f"{item.reason:15} {item.since}  {item.title} ({item.source})")
        print(f"{len(report.documents)} stale; per folder: {json.dumps(report.by_folder, ensure_ascii=False)}")
        return 0
    if args.action in ("list", "refresh"):
        found = refresh(settings) if args.action == "refresh" else families(settings)
        found = [f for f in found if args.all or len(f.documents) > 1]
    else:
        try:
            found = override(settings, VersionOverride(action=args.action, documents=args.documents))
        except (UnknownDocument, ValueError) as exc:  # not indexed; or no document named (a validation error)
            print(f"perimeter: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps([f.model_dump() for f in found], ensure_ascii=False, indent=2))
        return 0
    for family in found:
        print(family.family)
        for d in family.documents:
            when = f" effective {d.effective}" if d.effective else ""
            print(f"  {d.status:10} {d.label or '-':12} {d.title}{when}  [{d.doc_id}] {d.source}")
    return 0
