"""`type: imap`: a shared mailbox's folders (since a date), each message one document read like an .eml file (its
attachments partitioned as files, ingestion/mail.py); its readers are the source's groups.

A message's identity is its folder, the folder's UIDVALIDITY and its UID (RFC 5092's imap:// form): IMAP promises
that this names the same message for as long as it exists. Only messages not yet copied into the source's work
folder are downloaded; messages gone from the server leave the copies, and so the index. A folder whose UIDVALIDITY
changed is copied again (the server renumbered it). The citation location is the subject and date.
"""
from __future__ import annotations

import hashlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from datetime import date
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import Field

from ingestion.connectors.base import SourceConfig, SourceItem, SourcesError, read_secret, relative_to


class ImapSourceConfig(SourceConfig):
    type: Literal["imap"] = "imap"
    host: str
    port: int | None = Field(None, ge=1, le=65535, description="default 993 with TLS, 143 with STARTTLS or none")
    security: Literal["tls", "starttls", "none"] = Field("tls", description="none: only for a server on this "
                                                         "machine (tests); the password would cross the wire")
    user: str
    password_env: str | None = None
    password_file: Path | None = None
    folders: list[str] = Field(default_factory=lambda: ["INBOX"], min_length=1)
    since: date | None = Field(None, description="only messages received on or after this day")
    timeout_s: float = Field(60.0, gt=0, description="a server silent this long (on connect or any later answer) "
                                                     "fails the sync")

    def resolve_paths(self, base: Path) -> None:
        self.password_file = relative_to(base, self.password_file)


def _text(header: object) -> str:
    return " ".join(str(header or "").split())


def message_location(data: bytes, folder: str) -> str:
    """"Subject — 2026-01-31 (INBOX)": where a reader finds the message in their mail client."""
    headers = BytesHeaderParser(policy=policy.default).parsebytes(data)
    try:
        day = parsedate_to_datetime(_text(headers.get("Date"))).date().isoformat()
    except (TypeError, ValueError, IndexError):
        day = _text(headers.get("Date"))
    subject = _text(headers.get("Subject")) or "(no subject)"
    return f"{subject} — {day} ({folder})" if day else f"{subject} ({folder})"


class ImapConnector:
    def __init__(self, source: ImapSourceConfig, workdir: Path):
        self.source = source
        self.workdir = workdir
        self.password = read_secret(source.name, "password", source.password_env, source.password_file)
        if self.password is None:
            raise SourcesError(f"source '{source.name}': needs password_env or password_file")

    def connect(self) -> imaplib.IMAP4:
        s = self.source
        try:
            if s.security == "tls":
                client: imaplib.IMAP4 = imaplib.IMAP4_SSL(s.host, s.port or 993, timeout=s.timeout_s,
                                                          ssl_context=ssl.create_default_context())
            else:
                client = imaplib.IMAP4(s.host, s.port or 143, timeout=s.timeout_s)
                if s.security == "starttls":
                    client.starttls(ssl.create_default_context())
            client.login(s.user, self.password or "")
        except TimeoutError as exc:
            raise self._silent(exc) from exc
        except (OSError, imaplib.IMAP4.error) as exc:
            raise SourcesError(f"source '{s.name}': cannot sign in to {s.host} as {s.user}: {exc}") from exc
        return client

    def _silent(self, exc: BaseException) -> SourcesError:
        s = self.source
        return SourcesError(f"source '{s.name}': {s.host}:{s.port or (993 if s.security == 'tls' else 143)} did not "
                            f"answer within {s.timeout_s:g} s (timeout_s); the sync stopped, the index is unchanged")

    def folder_uids(self, client: imaplib.IMAP4, folder: str) -> tuple[str, list[str]]:
        """The folder's UIDVALIDITY and the UIDs of its messages (since the configured day), read-only."""
        status, _ = client.select(_quoted(folder), readonly=True)
        if status != "OK":
            raise SourcesError(f"source '{self.source.name}': cannot open folder '{folder}'")
        validity = (client.response("UIDVALIDITY")[1] or [b"0"])[0]
        criteria = ["SINCE", self.source.since.strftime("%d-%b-%Y")] if self.source.since else ["ALL"]
        status, found = client.uid("SEARCH", *criteria)
        if status != "OK":
            raise SourcesError(f"source '{self.source.name}': searching '{folder}' failed")
        uids = (found[0] or b"").decode().split() if found else []
        return (validity.decode() if isinstance(validity, bytes) else str(validity)), uids

    def uri(self, folder: str, validity: str, uid: str) -> str:
        s = self.source
        return (f"imap://{quote(s.user, safe='')}@{s.host}:{s.port or (993 if s.security == 'tls' else 143)}/"
                f"{quote(folder)};UIDVALIDITY={validity}/;UID={uid}")

    def items(self) -> Iterator[SourceItem]:
        client = self.connect()
        silent = False
        try:
            found: list[SourceItem] = []
            for folder in self.source.folders:
                found += self._folder_items(client, folder)
        except TimeoutError as exc:  # imaplib's `timeout` is the socket's: every answer is bounded by it
            silent = True
            raise self._silent(exc) from exc
        except (OSError, imaplib.IMAP4.error) as exc:
            raise SourcesError(f"source '{self.source.name}': reading the mailbox failed: {exc}") from exc
        finally:
            try:
                if silent:
                    client.shutdown()  # a LOGOUT would wait for the silent server once more
                else:
                    client.logout()
            except (OSError, imaplib.IMAP4.error):
                pass
        yield from found

    def _folder_items(self, client: imaplib.IMAP4, folder: str) -> list[SourceItem]:
        validity, uids = self.folder_uids(client, folder)
        # One folder of copies per mailbox folder; renamed when UIDVALIDITY changes, so old copies are dropped.
        place = self.workdir / hashlib.sha256(folder.encode()).hexdigest()[:16]
        copies = place / validity
        if place.exists():
            for stale in place.iterdir():
                if stale.name != validity:
                    _remove_tree(stale)
        copies.mkdir(parents=True, exist_ok=True)
        wanted = set(uids)
        for copy in copies.glob("*.eml"):
            if copy.stem not in wanted:
                copy.unlink()  # deleted on the server: its document leaves the index with this sync
        items = []
        for uid in uids:
            copy = copies / f"{uid}.eml"
            if not copy.exists():
                status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")  # PEEK: the shared mailbox stays unread
                data = next((p[1] for p in parts or [] if isinstance(p, tuple) and len(p) > 1), None)
                if status != "OK" or not isinstance(data, bytes):
                    continue  # expunged meanwhile
                copy.with_suffix(".part").write_bytes(data)
                copy.with_suffix(".part").replace(copy)
            items.append(SourceItem(uri=self.uri(folder, validity, uid), path=copy, groups=tuple(self.source.groups),
                                    location=message_location(copy.read_bytes(), folder)))
        return items


def _quoted(folder: str) -> str:
    return '"' + re.sub(r'(["\\])', r"\\\1", folder) + '"'


def _remove_tree(path: Path) -> None:
    for child in path.glob("*"):
        child.unlink()
    path.rmdir()


CONFIG = ImapSourceConfig


def connect(source: ImapSourceConfig, workdir: Path) -> ImapConnector:
    return ImapConnector(source, workdir)
