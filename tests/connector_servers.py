"""Real servers for the connector tests, each started by a test with its own config in a temporary folder and
stopped with its process group: nginx (an intranet site) and Dovecot (a shared mailbox over IMAP)."""
from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.processes import _started, _wait, kill_group

SITE_TOKEN = "intranet-token-4711"  # the header value nginx demands (the test passes it through an env var)


def _readable_folder(prefix: str) -> Path:
    """A folder the servers' unprivileged workers may enter (pytest's tmp_path is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


class Nginx:
    """Debian's nginx serving `root` on a free loopback port; every request needs X-Intranet-Token: SITE_TOKEN."""

    def __init__(self, root: Path, locations: str = ""):
        self.root, self.port, self.locations = root, free_port(), locations  # nginx `location` blocks of the test
        self.prefix = _readable_folder("perimeter-nginx-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def access_log(self) -> list[str]:
        return (self.prefix / "access.log").read_text().splitlines()

    def start(self) -> Nginx:
        p = self.prefix
        (p / "logs").mkdir()  # nginx opens its default error log under the prefix before reading the config
        # As root, nginx's workers would drop to nobody, who cannot read the test's files: keep them as we are.
        user = "user root root;" if os.geteuid() == 0 else ""
        temps = " ".join(f"{k}_temp_path {p}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (p / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/error.log;
events {{ worker_connections 64; }}
http {{
  log_format plain '$request_method $uri $status';
  access_log {p}/access.log plain;
  {temps}
  types {{ text/html html; text/plain txt; application/xml xml; }}
  server {{
    listen 127.0.0.1:{self.port};
    root {self.root};
    location / {{
      if ($http_x_intranet_token != "{SITE_TOKEN}") {{ return 401; }}
    }}
    {self.locations}
  }}
}}
""")
        cmd = [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(p), "-c", str(p / "nginx.conf"),
               "-g", "daemon off;"]
        self.proc = _started(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=(p / "stderr.log").open("wb"),
                                              start_new_session=True))
        _wait(lambda: httpx.get(self.url + "/", timeout=1).status_code in (200, 401, 403, 404), 20, "nginx",
              self.proc, p / "stderr.log")
        return self

    def stop(self) -> None:
        if self.proc:
            kill_group(self.proc)
        shutil.rmtree(self.prefix, ignore_errors=True)


def _accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


class Dovecot:
    """Debian's Dovecot serving IMAP (plain auth, no TLS) on a free loopback port, users from a passwd-file."""

    def __init__(self, users: dict[str, str]):
        self.users, self.port = users, free_port()
        self.folder = _readable_folder("perimeter-dovecot-")
        self.proc: subprocess.Popen | None = None

    def start(self) -> Dovecot:
        f = self.folder
        # Mail is stored under an unprivileged account (Dovecot refuses uid 0): the package's own, or ourselves.
        owner = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        # Modes are set, not left to the umask: a test process that prepared a data dir runs with umask 077, and
        # Dovecot's auth and mail processes run as other users.
        (f / "mail").mkdir(mode=0o755)
        (f / "mail").chmod(0o755)
        lines = []
        for user, password in self.users.items():
            home = f / "mail" / user
            home.mkdir()
            os.chown(home, owner.pw_uid, owner.pw_gid)
            lines.append(f"{user}:{{PLAIN}}{password}:{owner.pw_uid}:{owner.pw_gid}::{home}")
        (f / "users").write_text("\n".join(lines) + "\n")
        (f / "users").chmod(0o644)
        run_as = "" if os.geteuid() == 0 else (f"default_login_user = {owner.pw_name}\n"
                                                f"default_internal_user = {owner.pw_name}\n")
        (f / "dovecot.conf").write_text(f"""protocols = imap
listen = 127.0.0.1
base_dir = {f}/base
state_dir = {f}/base/state
instance_name = perimeter-test-{self.port}
log_path = {f}/dovecot.log
{run_as}ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {f}/users
}}
userdb {{
  driver = passwd-file
  args = {f}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""")
        (f / "dovecot.conf").chmod(0o644)
        cmd = [shutil.which("dovecot") or "/usr/sbin/dovecot", "-F", "-c", str(f / "dovecot.conf")]
        self.proc = _started(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=(f / "stderr.log").open("wb"),
                                              start_new_session=True))
        _wait(lambda: _accepts(self.port), 20, "dovecot", self.proc, f / "dovecot.log")
        return self

    def client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=20)
        client.login(user, self.users[user])
        return client

    def append(self, user: str, folder: str, message: bytes) -> str:
        """APPEND a message over IMAP; its UID."""
        client = self.client(user)
        try:
            if folder != "INBOX":
                client.create(folder)
            # The internal date (what IMAP's SINCE searches) is the message's own date, as if received then.
            sent = BytesHeaderParser().parsebytes(message).get("Date")
            received = imaplib.Time2Internaldate(parsedate_to_datetime(sent)) if sent else None
            status, answer = client.append(folder, None, received, message)
            assert status == "OK", answer
            return answer[0].decode().split("APPENDUID ")[1].split()[1].rstrip("]")
        finally:
            client.logout()

    def delete(self, user: str, folder: str, uid: str) -> None:
        client = self.client(user)
        try:
            client.select(folder)
            client.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            client.expunge()
        finally:
            client.logout()

    def stop(self) -> None:
        if self.proc:
            kill_group(self.proc)
        shutil.rmtree(self.folder, ignore_errors=True)
