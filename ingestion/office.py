"""Legacy Office, OpenDocument and RTF files: converted by LibreOffice (headless, from Debian) to the Office Open XML
format of their kind, which Perimeter then reads like any .docx/.pptx/.xlsx (tables as tables, sheets as sections).

Why LibreOffice rather than unstructured's partition_odt/partition_rtf: those need pandoc, and partition_doc/_ppt/_xls
call LibreOffice anyway; one converter reads every one of these formats the same way, and the modern readers are the
tested ones. Each conversion gets its own LibreOffice profile in a temporary folder, so that concurrent workers never
share (and lock) one, and runs under the program time limit with its whole process group killed after."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ingestion.errors import PartitionError
from ingestion.external import find_program, run_program
from ingestion.reading import ReadOptions

# Original suffix -> the suffix it is converted to.
CONVERTED_SUFFIXES = {
    ".doc": ".docx", ".odt": ".docx", ".rtf": ".docx",
    ".ppt": ".pptx", ".odp": ".pptx",
    ".xls": ".xlsx", ".ods": ".xlsx",
}


def convert(path: Path, options: ReadOptions) -> bytes:
    """The file converted to its modern format (CONVERTED_SUFFIXES), as bytes."""
    target = CONVERTED_SUFFIXES[path.suffix.lower()]
    soffice = find_program("soffice")
    with tempfile.TemporaryDirectory(prefix="perimeter-lo-") as work:
        folder = Path(work)
        source = folder / f"input{path.suffix.lower()}"  # a plain name: the original's may hold anything
        source.write_bytes(path.read_bytes())
        run_program([soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                     "--nologo", "--nodefault", "--nolockcheck", "--convert-to", target[1:], "--outdir",
                     str(folder / "out"), str(source)], timeout_s=options.program_timeout_s, cwd=folder,
                    env={"HOME": work})
        produced = folder / "out" / f"input{target}"
        if not produced.exists():
            # LibreOffice exits 0 without output for a file it cannot open: corrupt, or protected by a password.
            raise PartitionError(f"LibreOffice could not convert this {path.suffix[1:]} file (corrupt, "
                                 "password-protected or not really of this type)")
        return produced.read_bytes()
