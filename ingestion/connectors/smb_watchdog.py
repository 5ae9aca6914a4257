"""A receive timeout for SMB: smbprotocol bounds the TCP connect and the negotiate (`connection_timeout`), but once a
connection is negotiated it waits for every later answer (session setup, tree connect, directory listing, ACL query,
read) without a limit, so a server that stops answering would hang the sync forever.

The watchdog looks at the requests each of the sync's connections has outstanding; when one has had no answer for
`timeout_s`, it closes every connection's socket. smbprotocol's receiving thread then ends and wakes each waiting call,
which raises SMBConnectionClosed; the connector turns that into an error naming the source. A server that is slow but
answers (a STATUS_PENDING interim reply counts as an answer) is never cut off, however long a download takes.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from smbprotocol.connection import Connection
from smbprotocol.exceptions import SMBException


class SmbWatchdog:
    def __init__(self, caches: Iterable[dict[str, Any]], timeout_s: float):
        self.caches, self.timeout_s = caches, timeout_s
        self.expired = False
        self._stop = threading.Event()
        self._first_seen: dict[tuple[int, int], float] = {}  # (connection, message id) -> when seen unanswered
        self._thread = threading.Thread(target=self._watch, name="smb-watchdog", daemon=True)

    def start(self) -> SmbWatchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def connections(self) -> list[Connection]:
        return [c for cache in list(self.caches) for c in list(cache.values()) if isinstance(c, Connection)]

    def _watch(self) -> None:
        while not self._stop.wait(min(0.5, self.timeout_s / 4)):
            now, waiting = time.monotonic(), {}
            for connection in self.connections():
                for message_id, request in list(connection.outstanding_requests.items()):
                    if request.response is None:
                        key = (id(connection), message_id)
                        waiting[key] = self._first_seen.get(key, now)
            self._first_seen = waiting
            if any(now - since >= self.timeout_s for since in waiting.values()):
                self.expired = True
                self._close_all()
                return

    def _close_all(self) -> None:
        """The server stopped answering: every connection of this sync is closed (the others would hang next)."""
        for connection in self.connections():
            try:
                connection.disconnect(close=False)  # the socket only: a logoff would wait for an answer too
            except (SMBException, OSError):
                pass
