"""A server that accepts the connection and then never answers must not hang a sync: the source's sync fails within
its `timeout_s` with an error that names the source, the index stays as it was, and the other sources go on.

The silent servers are real TCP listeners started here (they accept and say nothing). SMB also gets a server that
stops answering later, after the session is set up: a relay in front of a real smbd that stops passing the server's
answers on, which is where smbprotocol itself sets no limit (smb_watchdog.py)."""
from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

from ingestion.connectors.smb import SmbConnector, SmbSourceConfig
from ingestion.sources import SourcesError, connector_for, parse_source
from tests.conftest import REPO
from tests.directory_servers import SMB_PASSWORD, SMB_USER, Smbd

PASSWORD_ENV = "PERIMETER_TEST_HUNG_PASSWORD"
TIMEOUT_S = 1.0
BOUND_S = 10.0  # what "bounded" means here: the timeout and the sign-off, with room for a busy machine


class SilentServer:
    """Accepts every connection on a loopback port and never sends a byte (nor closes)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.listener.close()
        for conn in self.accepted:
            conn.close()


class StallingRelay:
    """Passes a client's bytes to `target` and the first `answers` of the server's SMB messages back (Direct TCP:
    a 4-byte length, then the message); after that it keeps reading the server's answers and passes on none."""

    def __init__(self, target: tuple[str, int], answers: int):
        self.target, self.answers = target, answers
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.passed = 0
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()
            threading.Thread(target=self._answers, args=(server, client), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass

    def _answers(self, server: socket.socket, client: socket.socket) -> None:
        def exactly(n: int) -> bytes:
            data = b""
            while len(data) < n:
                piece = server.recv(n - len(data))
                if not piece:
                    raise OSError("closed")
                data += piece
            return data

        try:
            while True:
                head = exactly(4)
                message = exactly(struct.unpack(">L", head)[0])
                if self.passed < self.answers:
                    self.passed += 1
                    client.sendall(head + message)
        except OSError:
            pass

    def close(self) -> None:
        for s in self.sockets:
            s.close()


@pytest.fixture
def silent():
    server = SilentServer()
    yield server
    server.close()


def _fails_in_time(connector, source_name: str) -> str:
    started = time.monotonic()
    with pytest.raises(SourcesError) as caught:
        list(connector.items())
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert f"source '{source_name}'" in message and f"did not answer within {TIMEOUT_S:g} s" in message, message
    assert elapsed < BOUND_S, f"took {elapsed:.1f} s"
    return message


def test_connector_smb_silent_server_fails_the_sync_within_its_timeout(silent, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "irrelevant")
    source = SmbSourceConfig(name="silent-share", server="127.0.0.1", port=silent.port, share="docs", user="x",
                             password_env=PASSWORD_ENV, path=tmp_path / "mirror", timeout_s=TIMEOUT_S)
    _fails_in_time(SmbConnector(source), "silent-share")
    assert silent.accepted, "the connector never reached the silent server"


def test_connector_imap_silent_server_fails_the_sync_within_its_timeout(silent, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "irrelevant")
    source = parse_source({"name": "silent-mail", "type": "imap", "host": "127.0.0.1", "port": silent.port,
                           "security": "none", "user": "x", "password_env": PASSWORD_ENV, "timeout_s": TIMEOUT_S}, 0)
    _fails_in_time(connector_for(source, tmp_path / "work"), "silent-mail")


def test_connector_web_silent_site_fails_the_sync_within_its_timeout(silent, tmp_path):
    url = f"http://127.0.0.1:{silent.port}"
    for sitemap in (True, False):  # the sitemap is asked first; without it, robots.txt; without that, the page
        for robots in (True, False):
            source = parse_source({"name": "silent-site", "type": "web", "start_urls": [f"{url}/index.html"],
                                   "sitemap": sitemap, "robots": robots, "timeout_s": TIMEOUT_S}, 0)
            message = _fails_in_time(connector_for(source, tmp_path / f"work-{sitemap}-{robots}"), "silent-site")
            expected = "sitemap.xml" if sitemap else "robots.txt" if robots else "index.html"
            assert f"{url}/{expected} did not answer" in message, message


@pytest.mark.integration  # smbd
def test_connector_smb_server_that_stops_answering_after_sign_in_fails_within_its_timeout(tmp_path, monkeypatch):
    """smbprotocol bounds the connect and the negotiate only: here the negotiate and the session set-up are
    answered (three messages) and the tree connect is not, so without the watchdog the sync would wait forever."""
    smbd = Smbd(tmp_path / "smbd").start()
    relay = StallingRelay((smbd.address, 445), answers=3)
    try:
        (smbd.share / "a.md").write_text("# A\n")
        (smbd.share / "a.md").chmod(0o644)  # Samba shows it as readable by Everyone
        monkeypatch.setenv(PASSWORD_ENV, SMB_PASSWORD)
        source = SmbSourceConfig(name="stalling-share", server="127.0.0.1", port=relay.port, share="docs",
                                 user=SMB_USER, password_env=PASSWORD_ENV, path=tmp_path / "mirror",
                                 timeout_s=TIMEOUT_S, everyone="all")
        _fails_in_time(SmbConnector(source), "stalling-share")
        assert relay.passed == 3, relay.passed  # the server did answer at first: the silence came later
        # The same source through smbd itself, as a control: it is the silence that failed the sync.
        direct = source.model_copy(update={"server": smbd.address, "port": 445})
        assert [i.uri.rsplit("/", 1)[1] for i in SmbConnector(direct).items()] == ["a.md"]
    finally:
        relay.close()
        smbd.stop()


@pytest.mark.integration  # the real embedding model and Chroma, in a `perimeter reindex --local` process
def test_connector_silent_sources_fail_alone_and_the_other_sources_are_synced(silent, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "canteen.md").write_text("# Canteen\n\nSoup on Fridays.\n")
    (tmp_path / "pw").write_text("irrelevant")
    url = f"http://127.0.0.1:{silent.port}"
    (tmp_path / "sources.yaml").write_text(f"""sources:
  - {{name: intranet, type: web, start_urls: ['{url}/'], timeout_s: {TIMEOUT_S}}}
  - {{name: mailbox, type: imap, host: 127.0.0.1, port: {silent.port}, security: none, user: x,
      password_file: pw, timeout_s: {TIMEOUT_S}}}
  - {{name: share, type: smb, server: 127.0.0.1, port: {silent.port}, share: docs, user: x, password_file: pw,
      path: mirror, timeout_s: {TIMEOUT_S}}}
  - {{name: handbook, type: folder, path: docs}}
""")
    env = {**os.environ, "PERIMETER_SOURCES_FILE": str(tmp_path / "sources.yaml"),
           "PERIMETER_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "services.cli", "reindex", "--local"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    lines = done.stdout.splitlines()
    assert done.returncode == 1, (done.stdout, done.stderr[-2000:])
    for name in ("intranet", "mailbox", "share"):
        (line,) = [line for line in lines if line.startswith(f"{name}: ")]
        assert f"FAILED source '{name}'" in line and "did not answer within 1 s" in line, line
    (handbook,) = [line for line in lines if line.startswith("handbook: ")]
    assert json.loads(handbook.split(": ", 1)[1])["files"] == {"added": 1}, handbook


def test_connector_timeouts_are_validated(tmp_path):
    for kind, more in (("smb", {"server": "s", "share": "d", "user": "u", "password_env": "X", "path": "m"}),
                       ("imap", {"host": "h", "user": "u", "password_env": "X"}),
                       ("web", {"start_urls": ["http://h/"]})):
        with pytest.raises(SourcesError, match="timeout_s"):
            parse_source({"name": "n", "type": kind, "timeout_s": 0, **more}, 0)


