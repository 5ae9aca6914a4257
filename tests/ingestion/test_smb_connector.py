"""The SMB connector (ingestion/connectors/smb.py): the readers rule on its own, the source's settings, and a real
smbd (tests/directory_servers.py) whose ACLs are set with smbcacls: listing, reading, owner/allow/deny/inherited
entries, a permission change picked up without re-embedding, and the time to sync unchanged files."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ingestion.connectors.smb import SmbConnector, SmbSourceConfig
from ingestion.connectors.smb_acl import ALLOW, DENY, EVERYONE, GENERIC_ALL, INHERIT_ONLY, Ace, readers_of
from ingestion.documents import FileStatus
from ingestion.sources import SourcesError, load_sources
from tests.directory_servers import SMB_PASSWORD, SMB_USER, Smbd

HR, FINANCE, SALES = "S-1-5-21-1000-2000-3000-1101", "S-1-5-21-1000-2000-3000-1102", "S-1-5-21-1000-2000-3000-1103"
MAPPING = {HR: "hr", FINANCE: "finance", SALES: "sales"}
READ = 0x001200A9  # smbcacls' READ: read data, attributes, EAs, permissions, synchronize
# How many unchanged files the timing test syncs (the figure is 1,000: PERIMETER_TEST_SMB_FILES=1000).
UNCHANGED_FILES = int(os.environ.get("PERIMETER_TEST_SMB_FILES", "150"))


# --- the readers rule (no server) ---------------------------------------------------------------------------------

def test_connector_smb_rule_allow_entries_become_groups_and_everyone_only_when_named():
    dacl = [Ace(ALLOW, 0, READ, HR), Ace(ALLOW, 0x10, READ, FINANCE), Ace(ALLOW, 0, READ, "S-1-5-21-9-9-9-9")]
    assert readers_of(None, dacl, MAPPING, None).groups == ("finance", "hr")  # inherited (0x10) counts too
    everyone = [Ace(ALLOW, 0, READ, EVERYONE)]
    assert readers_of(None, everyone, MAPPING, "all").groups == ("all",)
    assert readers_of(None, [Ace(ALLOW, 0, READ, "S-1-5-11")], MAPPING, "all").groups == ("all",)
    nobody = readers_of(None, everyone, MAPPING, None)
    assert nobody.groups == () and "S-1-1-0" in nobody.why_none
    assert readers_of(None, None, MAPPING, "all").groups == ("all",)  # a NULL DACL grants everyone
    assert readers_of(None, [], MAPPING, "all").groups == ()  # an empty DACL grants nobody


def test_connector_smb_rule_deny_leaves_the_file_out_and_inherit_only_does_not_apply():
    denied = readers_of(None, [Ace(DENY, 0, READ, SALES), Ace(ALLOW, 0, READ, HR)], MAPPING, "all")
    assert denied.groups == () and SALES in denied.why_none
    write_only_deny = [Ace(DENY, 0, 0x2, SALES), Ace(ALLOW, 0, READ, HR)]  # denies writing, not reading
    assert readers_of(None, write_only_deny, MAPPING, None).groups == ("hr",)
    for_children = [Ace(ALLOW, INHERIT_ONLY, READ, FINANCE), Ace(DENY, INHERIT_ONLY, READ, HR), Ace(ALLOW, 0, READ, HR)]
    assert readers_of(None, for_children, MAPPING, None).groups == ("hr",)
    assert readers_of(None, [Ace(0x0A, 0, READ, "?"), Ace(ALLOW, 0, GENERIC_ALL, HR)], MAPPING, None).groups == ()
    assert readers_of(None, [Ace(ALLOW, 0, 0x2, HR)], MAPPING, None).groups == ()  # write without read


def test_connector_smb_rule_a_mapped_owner_reads_unless_owner_rights_limit_it():
    assert readers_of(FINANCE, [Ace(ALLOW, 0, READ, HR)], MAPPING, None).groups == ("finance", "hr")
    limited = [Ace(ALLOW, 0, READ, HR), Ace(ALLOW, 0, 0x00020000, "S-1-3-4")]
    assert readers_of(FINANCE, limited, MAPPING, None).groups == ("hr",)
    assert readers_of("S-1-5-21-9-9-9-9", [Ace(ALLOW, 0, READ, HR)], MAPPING, None).groups == ("hr",)


# --- the source's settings ----------------------------------------------------------------------------------------

def _sources(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - " + body + "\n", encoding="utf-8")
    return path


def test_connector_smb_config_is_validated_and_the_password_never_sits_in_the_file(tmp_path, monkeypatch):
    base = "{name: share, type: smb, server: files.example.com, share: docs, user: crawler, path: mirror"
    (source,) = load_sources(_sources(tmp_path, base + f", password_env: SMB_PW, readers: {{{HR}: hr}}}}"))
    assert isinstance(source, SmbSourceConfig) and source.path == tmp_path / "mirror"
    assert source.uri("a/b.md") == "smb://files.example.com/docs/a/b.md"
    with pytest.raises(SourcesError, match="SMB_PW is not set"):
        monkeypatch.delenv("SMB_PW", raising=False)
        source.password()
    monkeypatch.setenv("SMB_PW", "from-the-environment")
    assert source.password() == "from-the-environment"
    (tmp_path / "pw").write_text("from-a-file\n")
    (from_file,) = load_sources(_sources(tmp_path, base + f", password_file: {tmp_path / 'pw'}}}"))
    assert from_file.password() == "from-a-file"
    for bad, why in [(base + "}", "password_env or password_file"),
                     (base + ", password_env: X, password_file: /x}", "password_env or password_file"),
                     (base + ", password_env: X, readers: {not-a-sid: hr}}", "not a SID"),
                     (base + ", password_env: X, groups: [hr]}", "readers"),
                     (base + ", password_env: X, password: hunter2}", "password")]:
        with pytest.raises(SourcesError, match=why):
            load_sources(_sources(tmp_path, bad))


# --- a real share -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def smbd(tmp_path_factory):
    server = Smbd(tmp_path_factory.mktemp("smbd")).start()
    yield server
    server.stop()


def _source(smbd: Smbd, mirror: Path, folder: str, **more) -> SmbSourceConfig:
    os.environ["PERIMETER_TEST_SMB_PASSWORD"] = SMB_PASSWORD
    return SmbSourceConfig(name=f"share-{folder}", server=smbd.address, share="docs", folder=folder, user=SMB_USER,
                           password_env="PERIMETER_TEST_SMB_PASSWORD", path=mirror, readers=MAPPING, **more)


def _write(path: Path, text: str) -> Path:
    """A file on the share's disk, world-readable: Samba shows mode 0644 as an ACL that lets Everyone read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


@pytest.mark.integration  # smbd
def test_connector_smb_lists_reads_and_turns_each_acl_into_readers(smbd, tmp_path):
    share = smbd.share / "acl"
    _write(share / "menu.md", "# Canteen\n\nSoup on Fridays.\n")  # Samba's default ACL: Everyone may read
    _write(share / "hr" / "pay.md", "# Pay day\n\nThe 25th.\n")
    smbd.set_acl("acl/hr/pay.md", f"{HR}:ALLOWED/0x0/READ")
    _write(share / "denied.md", "# Not for sales\n")
    smbd.set_acl("acl/denied.md", f"{SALES}:DENIED/0x0/READ", f"{HR}:ALLOWED/0x0/READ")
    _write(share / "owned.md", "# Finance owns this\n")
    smbd.set_acl("acl/owned.md", f"{HR}:ALLOWED/0x0/READ", owner=FINANCE)
    _write(share / "notes.bin", "not a supported file")
    smbd.mkdir("acl/finance")
    smbd.set_acl("acl/finance", f"{FINANCE}:ALLOWED/OI|CI/READ", "S-1-5-32-544:ALLOWED/OI|CI/FULL")
    smbd.put(_write(tmp_path / "budget.md", "# Budget\n\nTwelve.\n"), "acl/finance/budget.md")
    assert f"{FINANCE}:0/" in smbd.acl("acl/finance/budget.md")  # inherited from its folder when created
    _write(share / "finance" / "inherited.md", "# Marked as inherited\n")
    smbd.set_acl("acl/finance/inherited.md", f"{FINANCE}:ALLOWED/I/READ")  # an entry flagged INHERITED (0x10)
    assert f"{FINANCE}:0/0x10/" in smbd.acl("acl/finance/inherited.md")

    mirror = tmp_path / "mirror"
    connector = SmbConnector(_source(smbd, mirror, "acl", everyone="all"))
    items = {item.uri.rsplit("/acl/", 1)[1]: item for item in connector.items()}
    assert {k: v.groups for k, v in items.items()} == {
        "finance/budget.md": ("finance",), "finance/inherited.md": ("finance",), "hr/pay.md": ("hr",),
        "menu.md": ("all",), "owned.md": ("finance", "hr")}
    assert items["hr/pay.md"].uri == f"smb://{smbd.address}/docs/acl/hr/pay.md"
    assert items["hr/pay.md"].path.read_text() == "# Pay day\n\nThe 25th.\n"
    assert list(connector.left_out) == [f"smb://{smbd.address}/docs/acl/denied.md"]
    assert SALES in connector.left_out[f"smb://{smbd.address}/docs/acl/denied.md"]
    # Without an `everyone` group, Everyone's files have no reader.
    plain = SmbConnector(_source(smbd, tmp_path / "mirror2", "acl"))
    assert "menu.md" not in {i.uri.rsplit("/", 1)[1] for i in plain.items()}


@pytest.mark.integration  # smbd
def test_connector_smb_refuses_a_wrong_password_and_a_missing_share_clearly(smbd, tmp_path, monkeypatch):
    source = _source(smbd, tmp_path / "m", "")
    monkeypatch.setenv("PERIMETER_TEST_SMB_PASSWORD", "wrong")
    with pytest.raises(SourcesError, match="'share-': cannot read .*LOGON_FAILURE"):
        list(SmbConnector(source).items())
    monkeypatch.setenv("PERIMETER_TEST_SMB_PASSWORD", SMB_PASSWORD)
    with pytest.raises(SourcesError, match="cannot read"):
        list(SmbConnector(source.model_copy(update={"share": "nosuchshare"})).items())


def _settings(tmp_path: Path, source: SmbSourceConfig):
    from tests.conftest import make_settings

    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: {source.name}\n    type: smb\n    server: {source.server}\n    share: docs\n"
        f"    folder: {source.folder}\n    user: {source.user}\n    password_env: {source.password_env}\n"
        f"    path: {source.path}\n    everyone: all\n    readers: {{{HR}: hr, {FINANCE}: finance}}\n")
    return make_settings(tmp_path / "data", sources_file=sources)


def _sync(settings, embedder):
    from services.components import load_sources, sync_source

    (source,) = load_sources(settings)
    return sync_source(settings, source, embedder=embedder)


@pytest.mark.integration  # smbd, the real embedding model and Chroma
def test_connector_smb_permission_change_alone_is_a_regroup_without_re_embedding(smbd, tmp_path, embedder):
    share = smbd.share / "sync"
    _write(share / "pay.md", "# Pay day\n\nPay day is the 25th of each month.\n")
    _write(share / "menu.md", "# Canteen\n\nSoup on Fridays.\n")
    smbd.set_acl("sync/pay.md", f"{HR}:ALLOWED/0x0/READ")
    settings = _settings(tmp_path, _source(smbd, tmp_path / "mirror", "sync"))
    first = _sync(settings, embedder)
    assert {f.status for f in first.files} == {FileStatus.ADDED} and first.total("chunks_added") >= 2

    smbd.set_acl("sync/pay.md", f"{FINANCE}:ALLOWED/0x0/READ")  # HR loses it, Finance gets it: content unchanged
    second = _sync(settings, embedder)
    by_name = {f.source.rsplit("/", 1)[1]: f for f in second.files}
    assert by_name["pay.md"].status == FileStatus.UPDATED and by_name["pay.md"].chunks_updated >= 1
    assert by_name["menu.md"].status == FileStatus.UNCHANGED
    assert second.total("chunks_added") == 0  # nothing embedded again

    from services.components import build_indexer

    records = build_indexer(settings, embedder=embedder).manifest.all(source_name="share-sync")
    assert {uri.rsplit("/", 1)[1]: rec.groups for uri, rec in records.items()} == {
        "pay.md": ["finance"], "menu.md": ["all"]}

    smbd.set_acl("sync/pay.md", f"{SALES}:ALLOWED/0x0/READ")  # readable only by a SID nobody maps: out
    (share / "menu.md").unlink()
    third = _sync(settings, embedder)
    assert {f.source.rsplit("/", 1)[1]: f.status for f in third.files} == {
        "pay.md": FileStatus.DELETED, "menu.md": FileStatus.DELETED}
    assert not list((tmp_path / "mirror").rglob("*.md"))  # their local copies are gone too


@pytest.mark.integration  # smbd, the real embedding model and Chroma
def test_connector_smb_sync_of_unchanged_files_downloads_and_embeds_nothing(smbd, tmp_path, embedder):
    share = smbd.share / "many"
    for n in range(UNCHANGED_FILES):
        _write(share / f"d{n // 100}" / f"note-{n}.md", f"# Note {n}\n\nRoom {n} is on floor {n % 7}.\n")
    settings = _settings(tmp_path, _source(smbd, tmp_path / "mirror", "many"))
    first = _sync(settings, embedder)
    assert len(first.files) == UNCHANGED_FILES and not first.failed
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "mirror").rglob("*.md")}

    start = time.perf_counter()
    again = _sync(settings, embedder)
    seconds = time.perf_counter() - start
    print(f"\nsync of {UNCHANGED_FILES} unchanged files on the share: {seconds:.2f} s")
    assert {f.status for f in again.files} == {FileStatus.UNCHANGED}
    assert again.total("chunks_added") == 0 and again.total("chunks_updated") == 0
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "mirror").rglob("*.md")} == stamps  # nothing downloaded
    assert seconds < 10 * max(1.0, UNCHANGED_FILES / 1000)
