"""Running a program of the operating system (Tesseract, LibreOffice, Poppler) on one file, bounded in time.

A hostile file can make such a program hang or spin; the per-file time limit (ingestion/limits.py) interrupts Python,
not the child. So the child runs in its own process group, and the whole group is killed whenever the call does not
end normally: its own timeout, the per-file limit's exception, Ctrl-C."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from ingestion.errors import PartitionError

# Debian packages that provide each program: named in the reason when one is missing (make install installs them).
PACKAGES = {
    "tesseract": "tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim",
    "pdftoppm": "poppler-utils",
    "soffice": "libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui",
}


def find_program(name: str) -> str:
    """The program's path, or a PartitionError that says which package to install."""
    found = shutil.which(name)
    if not found:
        package = PACKAGES.get(name, name)
        raise PartitionError(f"'{name}' is not installed (apt-get install {package})")
    return found


def run_program(args: Sequence[str], *, timeout_s: float, stdin: bytes | None = None,
                env: Mapping[str, str] | None = None, cwd: Path | None = None) -> bytes:
    """Run `args`, return its standard output; a non-zero exit or a timeout is a PartitionError with the reason."""
    name = Path(args[0]).name
    process = subprocess.Popen(list(args), stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                               env={**os.environ, **(env or {})}, cwd=cwd)
    try:
        out, err = process.communicate(stdin, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise PartitionError(f"{name} took longer than {timeout_s:g} s") from exc
    finally:
        # Interrupted (timeout, the per-file limit) or done: nothing it started may outlive the call (LibreOffice's
        # launcher leaves its office process behind when it is killed alone).
        _kill_group(process)
    if process.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        raise PartitionError(f"{name} failed (exit {process.returncode}{': ' + detail[-1][:200] if detail else ''})")
    return out


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already
    process.wait()
