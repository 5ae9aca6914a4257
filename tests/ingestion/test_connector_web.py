"""The intranet-site connector against a real nginx started by the test: crawl within prefixes, robots.txt and the
sitemap, a credentials header from the environment, a restricted prefix with its own groups, and an incremental
second sync (conditional GETs answered 304; a changed page replaced, a removed one deleted, the rest skipped)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingestion.documents import FileStatus
from ingestion.sources import SourcesError, connector_for, load_sources
from services.components import build_retriever, sync_source
from tests.conftest import REPO, make_settings
from tests.connector_servers import SITE_TOKEN, Nginx

pytestmark = pytest.mark.integration
TOKEN_ENV = "PERIMETER_TEST_INTRANET_TOKEN"


def _page(title: str, body: str, links: tuple[str, ...] = ()) -> str:
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (f"<html><head><title>{title}</title></head><body><h1>{title}</h1><h2>Details</h2><p>{body}</p>"
            f"<ul>{anchors}</ul></body></html>")


def _write_site(root: Path) -> None:
    (root / "handbook").mkdir(parents=True)
    (root / "handbook" / "hr").mkdir()
    (root / "private").mkdir()
    (root / "handbook" / "index.html").write_text(_page("Staff handbook", "Start here for company policies.", (
        "travel.html", "parking.html", "hr/salaries.html", "/private/secret.html", "http://elsewhere.invalid/x",
        "deep1.html", "sso.html")))
    (root / "handbook" / "travel.html").write_text(_page("Travel policy", "Train tickets are booked in second "
                                                         "class; flights need the manager's approval."))
    (root / "handbook" / "parking.html").write_text(_page("Parking", "The visitor car park is behind building C."))
    (root / "handbook" / "hr" / "salaries.html").write_text(_page("Salary bands", "Band four pays the quokka "
                                                                  "supplement every March."))
    (root / "handbook" / "orphan.html").write_text(_page("Orphan page", "Only the sitemap lists the canteen menu."))
    (root / "handbook" / "deep1.html").write_text(_page("Deep one", "One level down.", ("deep2.html",)))
    (root / "handbook" / "deep2.html").write_text(_page("Deep two", "Two levels down.", ("deep3.html",)))
    (root / "handbook" / "deep3.html").write_text(_page("Deep three", "Beyond the depth limit."))
    (root / "private" / "secret.html").write_text(_page("Secret", "robots.txt keeps crawlers out of here."))
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    (root / "sitemap.xml").write_text('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/'
                                      '0.9"><url><loc>SITE/handbook/orphan.html</loc></url></urlset>')


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    root.chmod(0o755)
    _write_site(root)
    # A page that redirects to a sign-in page outside the allowed prefixes.
    server = Nginx(root, "location = /handbook/sso.html { return 302 /login/; }").start()
    sitemap = root / "sitemap.xml"
    sitemap.write_text(sitemap.read_text().replace("SITE", server.url))
    yield root, server
    server.stop()


def _sources(tmp_path: Path, url: str, *, header: bool = True) -> Path:
    lines = ["sources:", "  - name: intranet", "    type: web", f"    start_urls: ['{url}/handbook/index.html']",
             f"    allowed_prefixes: ['{url}/handbook/', '{url}/private/']", "    max_depth: 2",
             f"    prefix_groups: {{'{url}/handbook/hr/': [hr]}}", "    groups: [staff]"]
    if header:
        lines += ["    header_name: X-Intranet-Token", f"    header_value_env: {TOKEN_ENV}"]
    path = tmp_path / "sources.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _statuses(report) -> dict[str, str]:
    return {f.source.rsplit("/", 1)[-1]: f.status for f in report.files}


def test_connector_web_crawls_and_syncs_incrementally(site, tmp_path, embedder, monkeypatch):
    root, server = site
    monkeypatch.setenv(TOKEN_ENV, SITE_TOKEN)
    settings = make_settings(tmp_path / "data", sources_file=_sources(tmp_path, server.url))
    (source,) = load_sources(settings.storage.sources_file)

    first = sync_source(settings, source, embedder=embedder)
    assert not first.failed, first.failed
    # robots.txt keeps /private/ out, the other host is not followed, depth 2 stops before deep3; the sitemap adds
    # the page nothing links to.
    assert _statuses(first) == {name: FileStatus.ADDED for name in (
        "index.html", "travel.html", "parking.html", "salaries.html", "orphan.html", "deep1.html", "deep2.html")}

    retriever = build_retriever(settings, embedder)
    chunks = retriever.collection.get(include=["metadatas"])["metadatas"]
    by_page = {m["source"].rsplit("/", 1)[-1]: m for m in chunks}
    assert by_page["salaries.html"]["groups"] == ["hr"]  # the restricted prefix's own readers
    assert by_page["travel.html"]["groups"] == ["staff"]
    assert by_page["travel.html"]["location"] == f"{server.url}/handbook/travel.html"  # citations link the page
    assert by_page["travel.html"]["title"] == "Travel policy"
    assert "quokka" not in " ".join(h.text for h in retriever.search("quokka supplement", ["staff"], 5))
    assert any("quokka" in h.text for h in retriever.search("quokka supplement", ["hr"], 5))

    # Between syncs: one page changes (new size and time, so nginx's ETag changes), one is removed.
    travel = root / "handbook" / "travel.html"
    travel.write_text(_page("Travel policy", "Since May, flights under 800 km are not reimbursed at all."))
    later = time.time() + 5
    os.utime(travel, (later, later))
    (root / "handbook" / "parking.html").unlink()
    log_before = len(server.access_log())

    second = sync_source(settings, source, embedder=embedder)
    assert not second.failed, second.failed
    statuses = _statuses(second)
    assert statuses.pop("travel.html") == FileStatus.UPDATED
    assert statuses.pop("parking.html") == FileStatus.DELETED
    assert set(statuses.values()) == {FileStatus.UNCHANGED}
    requests = server.access_log()[log_before:]
    assert not [r for r in server.access_log() if "/login/" in r]  # the redirect off the prefixes is not followed
    assert "GET /handbook/index.html 304" in requests  # asked with If-None-Match, not downloaded again
    assert "GET /handbook/travel.html 200" in requests

    retriever = build_retriever(settings, embedder)
    texts = " ".join(h.text for h in retriever.search("flights reimbursed", ["staff"], 5))
    assert "800 km" in texts and "second class" not in texts
    assert not retriever.collection.get(where={"source": f"{server.url}/handbook/parking.html"})["ids"]

    # The restricted prefix is narrowed to another group in sources.yaml: the next sync regroups the page's chunks
    # without embedding them again, and HR no longer finds it.
    sources = settings.storage.sources_file
    sources.write_text(sources.read_text().replace("hr/': [hr]", "hr/': [hr-managers]"))
    (source,) = load_sources(sources)
    third = sync_source(settings, source, embedder=embedder)
    (salaries,) = [f for f in third.files if f.source.endswith("salaries.html")]
    assert (salaries.status, salaries.chunks_added) == (FileStatus.UPDATED, 0) and salaries.chunks_updated > 0
    assert {f.status for f in third.files if f is not salaries} == {FileStatus.UNCHANGED}
    retriever = build_retriever(settings, embedder)
    assert not [h for h in retriever.search("quokka supplement", ["hr"], 5) if "quokka" in h.text]
    assert any("quokka" in h.text for h in retriever.search("quokka supplement", ["hr-managers"], 5))


def test_connector_web_refused_credentials_fail_the_sync_and_keep_the_index(site, tmp_path, embedder, monkeypatch):
    _, server = site
    monkeypatch.setenv(TOKEN_ENV, SITE_TOKEN)
    settings = make_settings(tmp_path / "data", sources_file=_sources(tmp_path, server.url))
    (source,) = load_sources(settings.storage.sources_file)
    assert not sync_source(settings, source, embedder=embedder).failed
    count = len(build_retriever(settings, embedder).collection.get(include=[])["ids"])

    monkeypatch.setenv(TOKEN_ENV, "expired")
    with pytest.raises(SourcesError, match="refused the crawler"):
        sync_source(settings, source, embedder=embedder)
    assert len(build_retriever(settings, embedder).collection.get(include=[])["ids"]) == count

    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(SourcesError, match=TOKEN_ENV):
        connector_for(source, tmp_path / "work")


def test_connector_web_config_errors_name_the_source_and_field(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - {name: intranet, type: web, start_urls: ['ftp://x/'], groups: [all]}\n")
    with pytest.raises(SourcesError, match=r"source 'intranet' \(type web\): start_urls: .*not an http"):
        load_sources(bad)
    bad.write_text("sources:\n  - {name: intranet, type: web, start_urls: ['http://x/'], header_value: abc}\n")
    with pytest.raises(SourcesError, match="header_value_env"):
        load_sources(bad)
    bad.write_text("sources:\n  - {name: intranet, type: web, start_url: ['http://x/']}\n")
    with pytest.raises(SourcesError, match="start_url"):
        load_sources(bad)


def test_connector_sources_test_command_prints_what_would_be_indexed_and_writes_nothing(site, tmp_path):
    _, server = site
    sources = _sources(tmp_path, server.url)
    data = tmp_path / "data"
    env = {**os.environ, "PERIMETER_SOURCES_FILE": str(sources), "PERIMETER_DATA_DIR": str(data),
           TOKEN_ENV: SITE_TOKEN, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "services.cli", "sources", "test", "intranet"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "source 'intranet' (type web, collection default): reached, 7 documents would be indexed" in done.stdout
    assert f"[hr] {server.url}/handbook/hr/salaries.html" in done.stdout
    assert f"[staff] {server.url}/handbook/travel.html" in done.stdout
    assert "readers: hr: 1, staff: 6" in done.stdout
    assert not (data / "sources").exists() and not (data / "chroma").exists()  # nothing written

    refused = subprocess.run([sys.executable, "-m", "services.cli", "sources", "test", "intranet"], cwd=REPO,
                             env={**env, TOKEN_ENV: "wrong"}, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "refused the crawler (401)" in refused.stderr
    unknown = subprocess.run([sys.executable, "-m", "services.cli", "sources", "test", "wiki"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "no source named 'wiki'" in unknown.stderr and "intranet" in unknown.stderr
