"""The long-document benchmark's corpora (bench/longdocs.py): the Python 3.11 documentation as Debian installs it,
and the Chinese manual pages rendered to Markdown with the man tools; both read from where Debian puts them, never
copied into the repository."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.cache import CACHE_DIR

PYTHON_DOC = Path("/usr/share/doc/python3.11/html")
MAN_ZH = Path("/usr/share/man/zh_CN")
WORK = CACHE_DIR / "longdocs"


def python_pages() -> list[tuple[str, Path]]:
    """(doc id, file): a fixed rule, not a choice of pages, so the subset says nothing about the questions."""
    pages: list[Path] = []
    for folder, step in (("tutorial", 1), ("reference", 1), ("howto", 2), ("library", 4)):
        pages += sorted((PYTHON_DOC / folder).glob("*.html"))[::step]
    return [(str(p.relative_to(PYTHON_DOC).with_suffix("")), p) for p in pages]


_SS = re.compile(r"^ {3}(\S.{0,60})$")  # groff indents .SS headings by 3, body text by 7
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#])")


def man_markdown(rendered: str) -> tuple[str, str] | None:
    """groff's text rendering of a man page → (title, Markdown). Column-0 lines are its .SH headings, 3-space lines
    its .SS headings; the first and last lines (page header and footer) are dropped; Markdown's own characters are
    escaped so that options and <placeholders> come through as text."""
    lines = [line.rstrip() for line in rendered.splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    lines = lines[1:-1]
    out: list[str] = []
    title = ""
    want_title = False
    for line in lines:
        if not line.strip():
            out.append("")
            continue
        if not line[0].isspace():
            out += ["", f"## {_escape(line.strip())}", ""]
            want_title = not title
            continue
        sub = _SS.match(line)
        if sub and out and not out[-1]:
            out += [f"### {_escape(sub.group(1).strip())}", ""]
            continue
        text = line.strip()
        if want_title:  # the NAME line; a final full stop would keep Perimeter from reading it as a heading
            title, want_title = text.rstrip("。. "), False
        out.append(_escape(text))
    if not title:
        return None
    return title, f"# {_escape(title)}\n" + "\n".join(out) + "\n"


def _escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text).replace("<", "&lt;").replace(">", "&gt;")


def man_pages(folder: Path) -> list[tuple[str, Path]]:
    """Sections 1 and 8 of the Chinese man pages rendered to Markdown under `folder` (once); (doc id, file)."""
    pages: list[tuple[str, Path]] = []
    seen: dict[str, str] = {}
    for section in ("man1", "man8"):
        for source in sorted((MAN_ZH / section).iterdir()):
            name = source.name.removesuffix(".gz")
            target = folder / section / f"{name}.md"
            if not target.exists():
                raw = subprocess.run(["zcat", "-f", str(source)], capture_output=True, check=True).stdout
                decoded = subprocess.run(["preconv", "-e", "UTF-8"], input=raw, capture_output=True).stdout
                out = subprocess.run(["groff", "-Tutf8", "-mandoc", "-rLL=100n", "-P-cbou"], input=decoded,
                                     capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"}).stdout
                page = man_markdown(out.decode("utf-8", errors="replace"))
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(page[1] if page else "", encoding="utf-8")
            text = target.read_text(encoding="utf-8")
            digest = hashlib.sha256(text.encode()).hexdigest()
            if not text.strip() or digest in seen:  # an alias (.so) of a page already taken, or nothing rendered
                continue
            seen[digest] = name
            pages.append((f"{section}/{name}", target))
    return pages


def have_corpora() -> str | None:
    """Why the benchmark cannot run here, or None."""
    if not (PYTHON_DOC / "library").is_dir():
        return f"{PYTHON_DOC} is missing (apt-get install python3.11-doc)"
    if not (MAN_ZH / "man1").is_dir() or len(list((MAN_ZH / "man1").iterdir())) < 100:
        return f"{MAN_ZH} has no Chinese manual pages (apt-get install manpages-zh)"
    for tool in ("zcat", "preconv", "groff"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (apt-get install groff-base)"
    return None


@dataclass
class Corpus:
    docs: list[tuple[str, str, Path]]  # (corpus, doc id, file)

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for corpus, doc, path in self.docs:
            h.update(f"{corpus}\0{doc}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
        return h.hexdigest()


def load_corpus() -> Corpus:
    man = man_pages(WORK / "man-md")
    return Corpus([("en", d, p) for d, p in python_pages()] + [("zh", d, p) for d, p in man])
