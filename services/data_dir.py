"""DATA_DIR is owner-only: folders 0700, files 0600. It holds document text (Chroma's SQLite, the keyword index),
questions and comments (feedback, the audit log) and the assembled models, none of which other users of the machine
should read.

Most files there are written by libraries (Chroma, bm25s, SQLite), which create them with the process's umask, so
preparing the data dir sets the umask to 0077 for the whole process (child processes inherit it); our own files are
also created with explicit modes (services/feedback_log.py, services/observability/audit.py). Files that already
exist are left as they are (an operator may have widened them on purpose), but a warning names them at start.
"""
from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077  # no group or other bits on anything this process creates
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_warned: set[Path] = set()
_lock = threading.Lock()


def restrict_umask() -> None:
    """From now on every file and folder this process (and its children) creates is owner-only; a stricter umask
    already set is kept."""
    with _lock:
        os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)


def make_private_dir(path: Path) -> Path:
    """`mkdir -p` whose every new folder is 0700 (mkdir's parents=True would give the missing parents the umask's
    mode); folders that exist keep theirs."""
    target = path = Path(path)
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # another process made it meanwhile
            continue
        os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is filtered by the umask; this is exact
    return target


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_APPEND | os.O_CREAT) -> int:
    """A file descriptor on `path`, the file created 0600 (and its folder 0700) when it does not exist yet."""
    make_private_dir(Path(path).parent)
    return os.open(path, flags, PRIVATE_FILE)


def append_private(path: Path, data: bytes) -> None:
    """Append `data` whole to an owner-only file (created 0600): os.write may write less than asked, so it loops; one
    O_APPEND write per call keeps lines from several threads or processes from interleaving in practice."""
    fd = open_private(path)
    try:
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
    finally:
        os.close(fd)


def wider_than_owner(root: Path, limit: int = 20) -> tuple[int, list[str]]:
    """(how many, the first `limit` of them as "path mode") folders and files under `root` (itself included) that
    someone other than the owner may read, write or enter. Symbolic links are not followed."""
    count = 0
    examples: list[str] = []

    def check(path: Path) -> None:
        nonlocal count
        try:
            info = path.lstat()
        except OSError:
            return
        if stat.S_ISLNK(info.st_mode) or not stat.S_IMODE(info.st_mode) & PRIVATE_UMASK:
            return
        count += 1
        if len(examples) < limit:
            examples.append(f"{path} {stat.S_IMODE(info.st_mode):04o}")

    check(root)
    for folder, dirs, files in os.walk(root, onerror=lambda _: None):
        for name in dirs + files:
            check(Path(folder) / name)
    return count, examples


def prepare_data_dir(data_dir: Path) -> Path:
    """Owner-only from here on: sets the process umask, creates DATA_DIR 0700 when it is missing, and warns once per
    process about anything under it that others may read (with the command that fixes it)."""
    restrict_umask()
    root = Path(data_dir)
    make_private_dir(root)
    key = root.resolve()
    with _lock:
        first = key not in _warned
        _warned.add(key)
    if first:
        count, examples = wider_than_owner(root)
        if count:
            log.warning("%d files or folders in the data dir %s can be read by other users of this machine (they "
                        "hold document text, questions and comments); fix with `chmod -R go= %s`: %s",
                        count, root, root, "; ".join(examples) + ("; …" if count > len(examples) else ""))
    return root
