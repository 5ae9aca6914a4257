"""The one error of reading a file, low in the house so that every format module can raise it."""
from __future__ import annotations


class PartitionError(Exception):
    """A file that cannot be read; the message says why."""
