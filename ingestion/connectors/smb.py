"""`type: smb`: the files of a Windows/Samba share, each readable by the groups its security descriptor says.

Each sync lists the share (one directory query per folder), reads every file's owner and DACL (one compound request
per file) and keeps a local copy of each file under the source's `path` (the mirror the indexer reads). A copy whose
size and last-write time match the share's listing is not downloaded again, so an unchanged file costs one round
trip; its content hash then matches the manifest and the sync skips it, and a changed DACL alone becomes a `regroup`
(new readers, no re-embedding). The readers rule is in smb_acl.py. A server that leaves a request unanswered for
`timeout_s` fails the sync (smb_watchdog.py: smbprotocol bounds only the connect and the negotiate).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import smbclient
from pydantic import ConfigDict, Field, field_validator, model_validator
from smbclient._io import SMBFileTransaction, SMBRawIO
from smbprotocol.exceptions import SMBException
from smbprotocol.open import (
    FilePipePrinterAccessMask,
    InfoType,
    SMB2QueryInfoRequest,
    SMB2QueryInfoResponse,
)
from smbprotocol.security_descriptor import SDControl, SIDPacket, SMB2CreateSDBuffer

from ingestion.connectors.base import SourceConfig, SourceItem, SourcesError
from ingestion.connectors.smb_acl import ALLOW, DENY, Ace, Readers, readers_of
from ingestion.connectors.smb_watchdog import SmbWatchdog
from ingestion.partition import SUPPORTED_SUFFIXES

SID_PATTERN = r"^S-1-\d+(-\d+)+$"
OWNER_GROUP_DACL = 0x1 | 0x2 | 0x4  # OWNER_, GROUP_ and DACL_SECURITY_INFORMATION
FILE_ATTRIBUTE_DIRECTORY = 0x10
IN_FLIGHT = 4  # connections asking for ACLs and downloading at once


class SmbSourceConfig(SourceConfig):
    """A share in sources.yaml. `path` is the local mirror (relative to sources.yaml, like a folder source's path);
    the password comes from an environment variable or a file, never from sources.yaml."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not a silently different source

    type: Literal["smb"] = "smb"
    path: Path = Field(description="the local mirror of the share (relative to sources.yaml, like a folder's path)")
    server: str = Field(min_length=1)
    port: int = Field(445, ge=1, le=65535)
    share: str = Field(min_length=1, pattern=r"^[^\\/]+$")
    folder: str = Field("", description="a folder inside the share; empty = the whole share")
    user: str = Field(min_length=1)
    password_env: str | None = Field(None, description="the environment variable holding the password")
    password_file: Path | None = Field(None, description="a file holding the password")
    readers: dict[str, str] = Field(default_factory=dict, description="SID -> Perimeter group (or user group)")
    everyone: str | None = Field(None, description="the group that Everyone / Authenticated Users entries map to; "
                                                   "unset = such entries make nobody a reader")
    timeout_s: float = Field(60.0, gt=0, description="a server that leaves a request unanswered this long fails "
                                                     "the sync (connect, negotiate and every later request)")
    groups: list[str] = Field(default_factory=list, description="unused: an smb file's readers come from its ACL")

    def resolve_paths(self, base: Path) -> None:
        if not self.path.is_absolute():
            self.path = base / self.path
        if self.password_file is not None and not self.password_file.is_absolute():
            self.password_file = base / self.password_file

    @model_validator(mode="before")
    @classmethod
    def no_password_in_clear(cls, values: Any) -> Any:
        if isinstance(values, dict) and "password" in values:
            raise ValueError("a password never goes in sources.yaml: name it with password_env or password_file")
        return values

    @field_validator("groups")
    @classmethod
    def clean_groups(cls, groups: list[str]) -> list[str]:
        if groups:
            raise ValueError("an smb source takes its readers from the share's ACLs: use `readers` (SID -> group), "
                             "not `groups`")
        return groups

    @field_validator("readers")
    @classmethod
    def check_sids(cls, readers: dict[str, str]) -> dict[str, str]:
        import re

        bad = [sid for sid in readers if not re.match(SID_PATTERN, sid)]
        if bad:
            raise ValueError(f"readers: not a SID (S-1-...): {', '.join(bad)}")
        if any(not group.strip() for group in readers.values()):
            raise ValueError("readers: every SID needs a group name")
        return {sid: group.strip() for sid, group in readers.items()}

    @model_validator(mode="after")
    def one_password_source(self) -> SmbSourceConfig:
        if (self.password_env is None) == (self.password_file is None):
            raise ValueError(f"source '{self.name}': give the password as password_env or password_file (one)")
        return self

    def password(self) -> str:
        if self.password_env is not None:
            value = os.environ.get(self.password_env)
            if value is None:
                raise SourcesError(f"source '{self.name}': the environment variable {self.password_env} is not set")
            return value
        assert self.password_file is not None
        try:
            return self.password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SourcesError(f"source '{self.name}': cannot read the password file: {exc}") from exc

    def unc(self, relative: str = "") -> str:
        """\\\\server\\share\\folder\\relative"""
        parts = [p for p in f"{self.folder}/{relative}".replace("\\", "/").split("/") if p]
        return "\\".join([f"\\\\{self.server}", self.share, *parts])

    def uri(self, relative: str) -> str:
        """A file's identity in the index and the location a citation shows: smb://server/share/folder/relative."""
        parts = [p for p in f"{self.folder}/{relative}".replace("\\", "/").split("/") if p]
        return "/".join([f"smb://{self.server}", self.share, *parts])


def security_descriptor(path: str, **connection: Any) -> SMB2CreateSDBuffer:
    """The owner, group and DACL of one file: open, query, close in one compound request (smbprotocol's structures;
    smbclient has no public call for it)."""
    raw = SMBRawIO(path, mode="r", share_access="rwd", desired_access=FilePipePrinterAccessMask.READ_CONTROL,
                   **connection)
    request = SMB2QueryInfoRequest()
    request["info_type"] = InfoType.SMB2_0_INFO_SECURITY
    request["output_buffer_length"] = 65535
    request["additional_information"] = OWNER_GROUP_DACL
    request["file_id"] = raw.fd.file_id

    def receive(sent: Any) -> SMB2CreateSDBuffer:
        response = SMB2QueryInfoResponse()
        response.unpack(raw.fd.connection.receive(sent)["data"].get_value())
        descriptor = SMB2CreateSDBuffer()
        descriptor.unpack(response["buffer"].get_value())
        return descriptor

    with SMBFileTransaction(raw) as transaction:
        transaction += (request, receive)
    assert transaction.results is not None
    return transaction.results[0]


def aces_of(descriptor: SMB2CreateSDBuffer) -> tuple[str | None, list[Ace] | None]:
    """(owner SID, DACL entries; None for a NULL DACL). The DACL is walked here, not with smbprotocol's AclPacket: that
    refuses ACL revision 3, which Samba's tools write and Windows accepts. Each entry's header, mask and (for the plain
    allow/deny kinds) SID are read; other kinds keep their type, which is all the readers rule needs of them."""
    owner = descriptor.get_owner()
    owner_sid = str(owner) if owner else None
    if not descriptor["control"].has_flag(SDControl.DACL_PRESENT):
        return owner_sid, None
    raw = descriptor["buffer"].get_value()[descriptor["offset_dacl"].get_value() - 20:]
    count = int.from_bytes(raw[4:6], "little")
    aces, at = [], 8
    for _ in range(count):
        kind, flags, size = raw[at], raw[at + 1], int.from_bytes(raw[at + 2:at + 4], "little")
        mask = int.from_bytes(raw[at + 4:at + 8], "little")
        sid = "?"
        if kind in (ALLOW, DENY):
            packet = SIDPacket()
            packet.unpack(raw[at + 8:at + size])
            sid = str(packet)
        aces.append(Ace(kind, flags, mask, sid))
        at += size
    return owner_sid, aces


class SmbConnector:
    """Lists the share, mirrors changed files, and yields each readable file with its readers."""

    def __init__(self, source: SmbSourceConfig):
        self.source = source
        self.left_out: dict[str, str] = {}  # uri -> why it is not indexed (no reader)
        self._listed: dict[str, tuple[int, float]] = {}  # relative path -> (size, last write) from the listing

    def items(self) -> Iterator[SourceItem]:
        source = self.source
        password = source.password()
        caches: list[dict[str, Any]] = []
        local = threading.local()
        registering = threading.Lock()

        def connection() -> dict[str, Any]:
            """This thread's own connection: smbd grants a connection too few credits for requests in parallel."""
            if not hasattr(local, "cache"):
                local.cache = {}
                with registering:  # sessions set up one at a time: concurrent set-ups overdrew their credits
                    caches.append(local.cache)
                    smbclient.register_session(source.server, username=source.user, password=password,
                                               port=source.port, connection_cache=local.cache,
                                               connection_timeout=source.timeout_s)
            return {"port": source.port, "connection_cache": local.cache}

        watchdog = SmbWatchdog(caches, source.timeout_s).start()
        pool = ThreadPoolExecutor(IN_FLIGHT)
        try:
            kept: set[Path] = set()
            files = list(self._files("", connection()))
            # Each file's ACL is one round trip: several in flight at once keep the waits for the server from adding
            # up (in order, so the plan is the same every time).
            for item in pool.map(lambda relative: self._item(relative, connection()), files):
                if item is not None:
                    kept.add(item.path)
                    yield item
            self._forget_copies_except(kept)
        except (SMBException, OSError, ValueError) as exc:
            if isinstance(exc, SourcesError):
                raise
            if watchdog.expired or any(word in str(exc).lower() for word in ("timeout", "timed out")):
                raise SourcesError(f"source '{source.name}': {source.server}:{source.port} did not answer within "
                                   f"{source.timeout_s:g} s (timeout_s); the sync stopped, the index is unchanged"
                                   ) from exc
            raise SourcesError(f"source '{source.name}': cannot read {source.unc()}: {exc}") from exc
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # after a failure, no file waits for a dead server
            for cache in caches:
                try:
                    smbclient.reset_connection_cache(connection_cache=cache)
                except (SMBException, OSError):
                    pass  # a connection the watchdog closed, or a server gone while we signed off
            watchdog.stop()

    def _files(self, relative: str, connection: dict[str, Any]) -> Iterator[str]:
        """Supported files under the folder, depth first in name order; hidden names skipped as in folders."""
        entries = sorted(smbclient.scandir(self.source.unc(relative), **connection), key=lambda e: e.name)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = f"{relative}/{entry.name}" if relative else entry.name
            if entry.smb_info.file_attributes & FILE_ATTRIBUTE_DIRECTORY:
                yield from self._files(child, connection)
            elif PurePosixPath(entry.name).suffix.lower() in SUPPORTED_SUFFIXES:
                self._listed[child] = (entry.smb_info.end_of_file, entry.smb_info.last_write_time.timestamp())
                yield child

    def _item(self, relative: str, connection: dict[str, Any]) -> SourceItem | None:
        source = self.source
        uri = source.uri(relative)
        owner, dacl = aces_of(security_descriptor(source.unc(relative), **connection))
        readers: Readers = readers_of(owner, dacl, source.readers, source.everyone)
        if not readers.groups:
            self.left_out[uri] = readers.why_none
            return None
        local = source.path / relative
        size, modified = self._listed[relative]
        if not _same_copy(local, size, modified):
            _download(source.unc(relative), local, modified, connection)
        return SourceItem(uri=uri, path=local, groups=readers.groups, location=source.unc(relative))

    def _forget_copies_except(self, kept: set[Path]) -> None:
        """Local copies of files that are gone from the share, or no longer readable by anyone, are removed."""
        root = self.source.path
        if not root.is_dir():
            return
        for current, _, files in os.walk(root):
            for name in files:
                path = Path(current) / name
                if path not in kept:
                    path.unlink(missing_ok=True)


def _same_copy(local: Path, size: int, modified: float) -> bool:
    try:
        stat = local.stat()
    except OSError:
        return False
    return stat.st_size == size and abs(stat.st_mtime - modified) < 1e-3


def _download(unc: str, local: Path, modified: float, connection: dict[str, Any]) -> None:
    """Copy to a temporary name, then rename: a reader never sees half a file, a failed copy leaves the old one."""
    local.parent.mkdir(parents=True, exist_ok=True)
    partial = local.with_name(f".{local.name}.partial")
    with smbclient.open_file(unc, mode="rb", share_access="rwd", **connection) as remote, partial.open("wb") as out:
        while block := remote.read(1 << 20):
            out.write(block)
    os.utime(partial, (modified, modified))
    os.replace(partial, local)


CONFIG = SmbSourceConfig


def connect(source: SmbSourceConfig, workdir: Path) -> SmbConnector:
    # The mirror is the source's own `path` (kept across syncs, so an unchanged file is never fetched again).
    return SmbConnector(source)
