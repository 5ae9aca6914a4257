"""`perimeter sources test NAME`: reach a configured source with its credentials and show what a sync would index
(each document's identity, citation location and readers), writing nothing: the connector works in a throwaway
folder and the index is not opened."""
from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.sources import SourceConfig, SourceItem, SourcesError, connector_for, load_sources
from services.settings import Settings


@dataclass
class SourceCheck:
    source: SourceConfig
    items: list[SourceItem] = field(default_factory=list)

    def readers(self) -> Counter[str]:
        """How many documents each group may read."""
        return Counter(g for item in self.items for g in item.groups)


def find_source(settings: Settings, name: str) -> SourceConfig:
    sources = load_sources(settings.storage.sources_file)
    for source in sources:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in sources) or "none"
    raise SourcesError(f"no source named '{name}' in {settings.storage.sources_file} (sources: {known})")


def check_source(settings: Settings, name: str) -> SourceCheck:
    """Connect, list and fetch as a sync would, in a temporary folder removed afterwards. Raises SourcesError with
    the connector's own explanation (refused credentials, unknown branch, missing folder...)."""
    source = find_source(settings, name)
    scratch = Path(tempfile.mkdtemp(prefix=f"perimeter-check-{source.name}-"))
    try:
        return SourceCheck(source, list(connector_for(source, scratch).items()))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def print_check(check: SourceCheck, limit: int = 200) -> None:
    source = check.source
    print(f"source '{source.name}' (type {source.type}, collection {source.collection}): reached, "
          f"{len(check.items)} documents would be indexed")
    for item in check.items[:limit]:
        where = f"  ({item.location})" if item.location and item.location != item.uri else ""
        print(f"  [{', '.join(item.groups)}] {item.uri}{where}")
    if len(check.items) > limit:
        print(f"  … and {len(check.items) - limit} more")
    readers = ", ".join(f"{group}: {count}" for group, count in sorted(check.readers().items()))
    print(f"readers: {readers or 'none'}")
