"""The connector framework without servers: per-type validation of sources.yaml (errors name the source and the
field), secrets only by reference, the registry, and the citation location a connector sets reaching the plan."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingestion.connectors.base import SourceItem, read_secret
from ingestion.connectors.git import GitSourceConfig
from ingestion.connectors.imap import ImapSourceConfig, message_location
from ingestion.connectors.web import WebSourceConfig, page_links, sitemap_urls
from ingestion.sources import CONNECTOR_MODULES, FolderConnector, SourcesError, connector_for, load_sources
from ingestion.sync import ADD, plan_sync


def _load(tmp_path: Path, text: str):
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return load_sources(path)


def test_connector_types_are_validated_by_their_own_model(tmp_path):
    folder, web, git, imap = _load(tmp_path, """sources:
  - {name: docs, path: docs}
  - {name: site, type: web, start_urls: ['https://intra.example/handbook/'], header_name: Authorization,
     header_value_file: secrets/site-token}
  - {name: runbooks, type: git, repo: repos/runbooks, branch: release/2026}
  - {name: mail, type: imap, host: mail.example, user: policies, password_env: MAILBOX_PASSWORD, since: 2026-01-01}
""")
    assert isinstance(folder.path, Path) and folder.path == tmp_path / "docs"
    assert isinstance(web, WebSourceConfig) and web.header_value_file == tmp_path / "secrets" / "site-token"
    assert web.prefixes() == ["https://intra.example/"]  # same host by default
    assert isinstance(git, GitSourceConfig) and git.repo == str(tmp_path / "repos" / "runbooks")
    assert isinstance(imap, ImapSourceConfig) and imap.folders == ["INBOX"] and imap.security == "tls"
    assert set(CONNECTOR_MODULES) >= {"folder", "web", "git", "imap"}


@pytest.mark.parametrize("entry,message", [
    ("{name: a, type: ftp, path: x}", r"source 'a': unknown type 'ftp' \(supported: folder, git, imap.*web"),
    ("{name: a, type: web}", r"source 'a' \(type web\): start_urls: Field required"),
    ("{name: a, type: web, start_urls: ['https://x/'], max_depth: -1}", r"source 'a' \(type web\): max_depth"),
    ("{name: a, type: git, repo: r, brnach: main}", r"source 'a' \(type git\): brnach: Extra inputs"),
    ("{name: a, type: imap, host: h, user: u, security: ssl}", r"source 'a' \(type imap\): security"),
    ("{name: a, type: imap, host: h, user: u, password: hunter2}", "'password' may not be written in sources.yaml: "
     r"name an environment variable \('password_env: NAME'\) or a file \('password_file: PATH'\)"),
    ("{name: a, type: web, start_urls: ['https://x/'], token: abc}", "'token' may not be written"),
    ("{name: a, path: x, colection: c}", r"source 'a' \(type folder\): colection: Extra inputs"),
    ("[not, a, mapping]", "source #1: expected a mapping"),
])
def test_connector_config_errors_name_source_and_field(tmp_path, entry, message):
    with pytest.raises(SourcesError, match=message):
        _load(tmp_path, f"sources:\n  - {entry}\n")


def test_connector_secrets_come_from_env_or_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SITE_TOKEN", "Bearer abc")
    assert read_secret("site", "header_value", "SITE_TOKEN", None) == "Bearer abc"
    (tmp_path / "token").write_text("from-a-file\n")
    assert read_secret("site", "header_value", None, tmp_path / "token") == "from-a-file"
    assert read_secret("site", "header_value", None, None) is None
    with pytest.raises(SourcesError, match="source 'site': environment variable UNSET_TOKEN"):
        read_secret("site", "header_value", "UNSET_TOKEN", None)
    with pytest.raises(SourcesError, match="cannot read header_value_file"):
        read_secret("site", "header_value", None, tmp_path / "missing")


def test_connector_registry_gives_the_folder_connector_and_the_plan_carries_locations(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n")
    (folder,) = _load(tmp_path, "sources:\n  - {name: docs, path: docs}\n")
    connector = connector_for(folder)
    assert isinstance(connector, FolderConnector)
    assert not list(tmp_path.glob("perimeter-*"))  # a folder keeps no copies
    page = SourceItem("https://intra.example/a", tmp_path / "docs" / "a.md", ("all",), "https://intra.example/a")
    (op,) = plan_sync([page], {}).operations
    assert (op.kind, op.location) == (ADD, "https://intra.example/a")
    assert type(op).from_dict(op.to_dict()) == op  # travels to the worker with its location


def test_connector_web_helpers_read_links_sitemaps_and_prefix_groups():
    links = page_links("https://intra.example/hb/index.html",
                       '<a href="a.html#top">A</a><a href="/hr/b.html">B</a><a name="x">no href</a>')
    assert links == ["https://intra.example/hb/a.html", "https://intra.example/hr/b.html"]
    xml = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> '
           b'https://intra.example/p1 </loc></url></urlset>')
    assert sitemap_urls(xml) == ["https://intra.example/p1"]
    assert sitemap_urls(b"<not xml") == []
    site = WebSourceConfig(name="s", start_urls=["https://intra.example/"], groups=["staff"],
                           prefix_groups={"https://intra.example/hr/": ["hr"],
                                          "https://intra.example/hr/board/": ["board"]})
    assert site.groups_for("https://intra.example/hr/board/x") == ("board",)  # the longest prefix wins
    assert site.groups_for("https://intra.example/hr/x") == ("hr",)
    assert site.groups_for("https://intra.example/x") == ("staff",)


def test_connector_imap_location_is_subject_and_date():
    message = b"Subject: Expense policy\r\nDate: Mon, 02 Mar 2026 09:30:00 +0000\r\n\r\nbody\r\n"
    assert message_location(message, "INBOX") == "Expense policy \u2014 2026-03-02 (INBOX)"
    assert message_location(b"From: x\r\n\r\nbody", "Board") == "(no subject) (Board)"
