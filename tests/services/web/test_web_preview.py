"""The document preview in a real browser (Debian's chromium through Playwright) against a real uvicorn over the sample
index: a cited PDF drawn by the vendored pdf.js at the cited page with the passage highlighted, a Word file as its
extracted text with the passage marked, both with a download link; and the preview API refuses a document the caller
may not read exactly like one that does not exist."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever
from tests.fakes import served
from tests.services.web.browser import ARTIFACTS
from tests.services.web.test_web import PageModel, ask


@pytest.fixture(scope="module")
def site(sample_index):
    settings = sample_index[0].with_values(demo_mode=True)
    app = create_app(settings, AskPipeline(settings, build_retriever(settings), PageModel(piece=40)))
    with served(app) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def source_of_kind(page, url: str, kind: str):
    """The first source in the panel whose document previews as `kind`, with its preview."""
    for item in page.locator("#sources li").all():
        preview = page.request.get(f"{url}/v1/documents/{item.get_attribute('data-doc-id')}/preview").json()
        if preview["kind"] == kind:
            return item, preview
    raise AssertionError(f"no {kind} source among {page.locator('#sources li .title').all_inner_texts()}")


@pytest.mark.integration
def test_a_cited_pdf_opens_at_its_page_with_the_passage_highlighted(site, page):
    page.goto(site + "/")
    page.wait_for_selector("body[data-ready=true]")
    ask(page, "What is the maximum nightly hotel rate I can book in Frankfurt?")
    item, _ = source_of_kind(page, site, "pdf")
    where = item.locator(".meta").first.inner_text()
    cited_page = int(re.search(r"page (\d+)", where).group(1))
    source = page.evaluate("id => state.panel.sources.find(s => s.doc_id === id)", item.get_attribute("data-doc-id"))
    quotes = page.evaluate("id => state.panel.quotes.filter(q => q.source === id).map(q => q.text)", source["id"])
    passage = " ".join(squash(t) for t in [source["snippet"], *quotes])
    with page.expect_response(lambda r: "/preview" in r.url) as asked:
        item.locator(".preview-doc").click()
    assert f"page={cited_page}" in asked.value.url
    page.wait_for_selector("#preview[open] .pdf-page canvas", timeout=20000)
    page.wait_for_selector("#preview .textLayer span.passage", timeout=20000)
    assert page.get_attribute("#preview .pdf-page", "data-page") == str(cited_page)
    drawn = page.evaluate("""() => { const c = document.querySelector('#preview canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) ink++; return ink; }""")
    assert drawn > 500, "the page was not drawn"
    marked = [squash(t) for t in page.locator("#preview .textLayer span.passage").all_inner_texts()]
    assert marked and all(m in passage for m in marked), (marked, passage)  # only pieces of the cited passage
    unmarked = page.locator("#preview .textLayer span:not(.passage)").count()
    assert unmarked > 0  # only the passage, not the whole page
    assert page.get_attribute("#preview-download", "href") == f"/v1/documents/{item.get_attribute('data-doc-id')}"
    page.screenshot(path=str(ARTIFACTS / "preview-pdf.png"))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.keyboard.press("Escape")
    assert not page.is_visible("#preview")
    assert page.evaluate("document.activeElement.classList.contains('preview-doc')")  # back where it opened
    assert all(u.startswith(site) for u in requested)  # pdf.js came from our own static files


@pytest.mark.integration
def test_a_word_document_shows_its_section_text_with_the_passage_marked(site, page):
    page.goto(site + "/")
    page.wait_for_selector("body[data-ready=true]")
    ask(page, "How many days of annual leave do employees get, and can unused days be carried over?")
    item, _ = source_of_kind(page, site, "text")
    snippet = squash(item.locator(".snippet").inner_text())
    with page.expect_response(lambda r: "/preview" in r.url) as asked:
        item.locator(".preview-doc").click()
    preview = asked.value.json()  # the cited section's text (by its heading or page)
    page.wait_for_selector("#preview[open] .preview-text mark.passage", timeout=20000)
    assert page.get_attribute("#preview", "data-kind") == "text"
    marks = [squash(t) for t in page.locator("#preview mark.passage").all_inner_texts()]
    assert sum(map(len, marks)) > 40 and all(m in snippet for m in marks), (marks, snippet)
    shown = page.locator("#preview .preview-text").inner_text()
    assert squash(shown) == squash(preview["text"])  # the extracted text of the section, around the passage
    assert page.get_attribute("#preview-download", "download") is not None
    page.screenshot(path=str(ARTIFACTS / "preview-text.png"))
    page.click("#preview-close")
    assert not page.is_visible("#preview")


@pytest.mark.integration
def test_the_preview_is_refused_like_a_missing_document(tmp_path, embedder):
    from ingestion.chunk import doc_id
    from services.components import run_ingest
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data", demo_mode=True)  # anonymous = the demo user of group "all"
    (tmp_path / "hr").mkdir()
    (tmp_path / "hr" / "pay.md").write_text("# Pay\n\nPay day is the 25th.\n\n## Bonus\n\nBonuses are paid in March.\n")
    (tmp_path / "pub").mkdir()
    (tmp_path / "pub" / "menu.md").write_text("# Menu\n\nSoup on Fridays.\n\n## Drinks\n\nTea is free.\n")
    run_ingest(settings, [tmp_path / "hr"], groups=["hr"], embedder=embedder)
    run_ingest(settings, [tmp_path / "pub"], embedder=embedder)
    client = TestClient(create_app(settings, AskPipeline(settings, build_retriever(settings, embedder), None)))
    hidden, public = doc_id(str(tmp_path / "hr" / "pay.md")), doc_id(str(tmp_path / "pub" / "menu.md"))
    whole = client.get(f"/v1/documents/{public}/preview")
    assert whole.status_code == 200, whole.text
    assert whole.json()["kind"] == "text" and "Soup" in whole.json()["text"] and "Tea" in whole.json()["text"]
    drinks = client.get(f"/v1/documents/{public}/preview", params={"heading": "Drinks"}).json()
    assert "Tea is free" in drinks["text"] and "Soup" not in drinks["text"]  # the cited section only
    denied = client.get(f"/v1/documents/{hidden}/preview", params={"heading": "Bonus"})
    missing = client.get("/v1/documents/0123456789abcdef/preview")
    assert denied.status_code == missing.status_code == 404 and denied.json() == missing.json()
    assert "March" not in denied.text
    assert client.get(f"/v1/documents/{public}/preview", params={"page": 0}).status_code == 422


@pytest.mark.integration
def test_a_connector_document_opens_as_its_indexed_text_for_its_readers_only(tmp_path, embedder):
    """A share's file or a mail has no file of ours to hand out: its readers download the text that was indexed,
    headed by its title and where the original is, and its preview offers that download; anyone else gets the 404 of
    a missing document, at both. A folder's file that is gone from disk stays a 404 (its text is no stand-in)."""
    from ingestion.chunk import doc_id
    from ingestion.pipeline import run_plan
    from ingestion.sources import SourceItem
    from ingestion.sync import plan_sync
    from services.components import build_indexer, run_ingest
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data", auth_trusted_proxies=["testclient"])
    copy = tmp_path / "mirror" / "pay.md"  # what the smb connector keeps of the share's file
    copy.parent.mkdir()
    copy.write_text("# Pay\n\nPay day is the 25th.\n\n## Bonus\n\nBonuses are paid in March.\n")
    uri, unc = "smb://files/docs/hr/pay.md", r"\\files\docs\hr\pay.md"
    indexer = build_indexer(settings, embedder=embedder, source_name="share")
    report = run_plan(indexer, plan_sync([SourceItem(uri=uri, path=copy, groups=("hr",), location=unc)],
                                         indexer.manifest.all(source_name="share")))
    assert not report.failed, report.files
    gone = tmp_path / "folder" / "menu.md"
    gone.parent.mkdir()
    gone.write_text("# Menu\n\nSoup on Fridays.\n")
    run_ingest(settings, [gone], groups=["hr"], embedder=embedder)
    gone.unlink()
    client = TestClient(create_app(settings, AskPipeline(settings, build_retriever(settings, embedder), None)))
    hr = {"X-Forwarded-User": "hana", "X-Forwarded-Groups": "hr"}
    other = {"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "all,finance"}
    pay = doc_id(uri)

    download = client.get(f"/v1/documents/{pay}", headers=hr)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "text/plain; charset=utf-8"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == "inline; filename*=utf-8''Pay.txt"
    assert download.text.startswith(f"Pay\n{unc}\n\n") and "25th" in download.text and "March" in download.text
    preview = client.get(f"/v1/documents/{pay}/preview", headers=hr).json()
    assert preview["file_name"] == "Pay.txt" and preview["indexed_text_only"] is True, preview

    missing = client.get("/v1/documents/0123456789abcdef", headers=other)
    for path in (f"/v1/documents/{pay}", f"/v1/documents/{pay}/preview"):
        refused = client.get(path, headers=other)
        assert refused.status_code == 404 and refused.json() == missing.json(), refused.text
    assert client.get(f"/v1/documents/{doc_id(str(gone))}", headers=hr).status_code == 404
    assert client.get(f"/v1/documents/{doc_id(str(gone))}/preview", headers=hr).json()["file_name"] is None
