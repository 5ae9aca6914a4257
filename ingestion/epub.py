"""EPUB books: a zip of XHTML chapters; the package file (OPF) names them in reading order (its spine)."""
from __future__ import annotations

import posixpath
import zipfile
from xml.etree import ElementTree

from ingestion.errors import PartitionError

_CONTAINER = "META-INF/container.xml"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def epub_chapters(archive: zipfile.ZipFile) -> tuple[str | None, list[tuple[str, bytes]]]:
    """The book's title and its chapters (name, XHTML bytes) in reading order."""
    try:
        container = ElementTree.fromstring(archive.read(_CONTAINER))
        rootfile = next(el.get("full-path") for el in container.iter() if _local(el.tag) == "rootfile")
        if not rootfile:
            raise StopIteration
        package = ElementTree.fromstring(archive.read(rootfile))
    except (KeyError, StopIteration, ElementTree.ParseError) as exc:
        raise PartitionError(f"not a valid epub file (no readable package: {exc})") from exc
    base = posixpath.dirname(rootfile)
    title = next((el.text for el in package.iter() if _local(el.tag) == "title" and el.text), None)
    items = {el.get("id"): el.get("href") for el in package.iter() if _local(el.tag) == "item"}
    chapters = []
    for ref in (el.get("idref") for el in package.iter() if _local(el.tag) == "itemref"):
        href = items.get(ref)
        if not href:
            continue
        name = posixpath.normpath(posixpath.join(base, href))
        try:
            chapters.append((name, archive.read(name)))
        except KeyError:
            continue  # a spine entry with no file: the rest of the book is still read
    return title, chapters
