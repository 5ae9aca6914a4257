"""Real directory and file-share servers for tests, started and stopped by the tests with their own configuration in
a temporary folder: OpenLDAP's slapd (Debian `slapd`, `ldap-utils`) and Samba's smbd (Debian `samba`, `smbclient`).

smbd is given its own loopback address (127.x.y.z) on port 445, because Samba's client tools (smbcacls, smbclient
for ACLs and uploads) only ever connect to 445/139: a private address is what makes the "port" free here."""
from __future__ import annotations

import random
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.processes import _started, _wait, kill_group

SUFFIX = "dc=example,dc=com"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "slapd-test-root-password"
SMB_USER, SMB_PASSWORD = "root", "smbd-test-crawler-password"


def need(*programs: str) -> None:
    missing = [p for p in programs if not shutil.which(p) and not Path(f"/usr/sbin/{p}").exists()]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian slapd ldap-utils samba smbclient: make install installs them)")


def _accepts(host: str, port: int) -> bool:
    with socket.create_connection((host, port), 1):
        return True


def _run(cmd: list[str], stdin: str | None = None) -> str:
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:2])} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done.stdout


class Slapd:
    """slapd with an mdb database under `folder`, a root DN, on a free loopback port."""

    def __init__(self, folder: Path):
        need("slapd", "ldapadd")
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def start(self) -> Slapd:
        (self.folder / "db").mkdir(parents=True, exist_ok=True)
        conf = self.folder / "slapd.conf"
        conf.write_text("\n".join([
            *(f"include /etc/ldap/schema/{s}.schema" for s in ("core", "cosine", "inetorgperson")),
            "modulepath /usr/lib/ldap", "moduleload back_mdb", f"pidfile {self.folder}/slapd.pid",
            "database mdb", "maxsize 10485760", f'suffix "{SUFFIX}"', f'rootdn "{ROOT_DN}"',
            f"rootpw {ROOT_PASSWORD}", f"directory {self.folder}/db", ""]))
        log = self.folder / "slapd.log"
        cmd = [shutil.which("slapd") or "/usr/sbin/slapd", "-f", str(conf), "-h", self.url + "/", "-d", "0"]
        self.proc = _started(subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                              start_new_session=True))
        _wait(lambda: _accepts("127.0.0.1", self.port), 20, "slapd", self.proc, log)
        return self

    def ldif(self, text: str, modify: bool = False) -> None:
        tool = "ldapmodify" if modify else "ldapadd"
        _run([tool, "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD], stdin=text)

    def stop(self) -> None:
        if self.proc:
            kill_group(self.proc)


def _free_loopback_address() -> str:
    """A 127.x.y.z on which port 445 is free."""
    for _ in range(50):
        address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
        with socket.socket() as probe:
            try:
                probe.bind((address, 445))
            except OSError:
                continue
        return address
    raise RuntimeError("no loopback address with port 445 free")


class Smbd:
    """smbd serving share `docs` from `folder/share`, its passdb and state under `folder`, NT ACLs kept by acl_tdb
    (no xattrs needed). The crawler account is root: like a backup operator, it may read every file whatever its
    ACL, which is what lets a connector index a file that only HR may read."""

    def __init__(self, folder: Path):
        need("smbd", "smbcacls", "smbclient", "smbpasswd")
        self.folder = folder
        self.share = folder / "share"
        self.address = _free_loopback_address()
        self.proc: subprocess.Popen | None = None

    @property
    def conf(self) -> Path:
        return self.folder / "smb.conf"

    def start(self) -> Smbd:
        import os

        if os.geteuid() != 0:
            pytest.skip("smbd needs root to serve files as their owners")
        for sub in ("share", "private", "lock", "state", "cache", "pid", "log"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        f = self.folder
        self.conf.write_text(f"""[global]
  workgroup = PERIMETER
  netbios name = PERIMTEST
  server role = standalone server
  smb ports = 445
  interfaces = {self.address}/8
  bind interfaces only = yes
  disable netbios = yes
  private dir = {f}/private
  lock directory = {f}/lock
  state directory = {f}/state
  cache directory = {f}/cache
  pid directory = {f}/pid
  ncalrpc dir = {f}/state/ncalrpc
  passdb backend = tdbsam:{f}/private/passdb.tdb
  log file = {f}/log/smbd.log
  load printers = no
  printcap name = /dev/null
  disable spoolss = yes
  server min protocol = SMB2_10
[docs]
  path = {self.share}
  read only = no
  vfs objects = acl_tdb
""")
        _run(["smbpasswd", "-c", str(self.conf), "-s", "-a", SMB_USER], stdin=f"{SMB_PASSWORD}\n{SMB_PASSWORD}\n")
        log = f / "log" / "smbd.out"
        cmd = [shutil.which("smbd") or "/usr/sbin/smbd", "-s", str(self.conf), "--foreground", "--no-process-group",
               "--debug-stdout", "-d", "1"]
        self.proc = _started(subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                              start_new_session=True))
        _wait(lambda: _accepts(self.address, 445), 30, "smbd", self.proc, log)
        return self

    def _client(self, tool: str, *args: str) -> str:
        return _run([tool, "-s", str(self.conf), f"//{self.address}/docs", *args, "-U", f"{SMB_USER}%{SMB_PASSWORD}"])

    def set_acl(self, path: str, *entries: str, owner: str = "S-1-5-32-544") -> None:
        """Replace a file's or folder's DACL through Samba, e.g. set_acl("hr/pay.md", "S-1-5-21-…:ALLOWED/0x0/READ")."""
        acl = ",".join([f"REVISION:1,OWNER:{owner},GROUP:S-1-5-32-544", *(f"ACL:{e}" for e in entries)])
        self._client("smbcacls", path, "-S", acl)

    def acl(self, path: str) -> str:
        return self._client("smbcacls", path, "--numeric")

    def put(self, local: Path, remote: str) -> None:
        """Upload through Samba, so the new file inherits its folder's inheritable entries as on Windows."""
        folder, _, name = remote.rpartition("/")
        commands = (f'cd "{folder}"; ' if folder else "") + f'put "{local}" "{name}"'
        self._client("smbclient", "-c", commands)

    def mkdir(self, remote: str) -> None:
        self._client("smbclient", "-c", f'mkdir "{remote}"')

    def stop(self) -> None:
        if self.proc:
            kill_group(self.proc)
