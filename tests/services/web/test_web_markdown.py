"""Markdown in an answer's points is drawn (lists, tables, code, links) through DOMPurify, and nothing hostile from a
document or the model becomes an element: a real browser (Debian's chromium through Playwright), a real uvicorn over an
index of a hostile document, and a scripted model that answers in hostile Markdown."""
from __future__ import annotations

import json

import pytest

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever, run_ingest
from tests.conftest import REPO, make_settings
from tests.fakes import StreamingScriptedModel, served
from tests.services.web.test_web import ask

pytestmark = pytest.mark.integration
ARTIFACTS = REPO / "test-artifacts" / "web"
TRAP = "http://127.0.0.1:9/"  # nothing listens: a request there would be an image or frame that loaded
DOCUMENT = f"""# Expense claims

Claims over 500 euros need an original receipt. <img src="{TRAP}doc.png" onerror="window.pwned='doc-img'">
<script>window.pwned = 'doc-script'</script> <iframe src="{TRAP}frame"></iframe>
[claim form](javascript:window.pwned='doc-link') ![tracker]({TRAP}doc-md.png)

| Item | Limit |
|---|---|
| Hotel <b onmouseover="window.pwned='doc-cell'">night</b> | 120 |
"""
GOOD = ("Claims over 500 euros need:\n\n- an **original** receipt\n- the form `E-12`\n\n| Item | Limit |\n|---|---|\n"
        "| Hotel night | 120 |\n\nSee [the policy](https://intranet.example/expenses).")
HOSTILE = (f"<img src=\"{TRAP}a.png\" onerror=\"window.pwned='img'\"> <script>window.pwned='script'</script> "
           "[form](javascript:window.pwned='link') "
           f"![t]({TRAP}b.png) <a href=\"https://x.example\" onclick=\"window.pwned='click'\">a</a> "
           "<svg onload=\"window.pwned='svg'\"></svg> <style>body { display: none }</style> "
           f"<iframe src=\"{TRAP}c\"></iframe> <form action=\"{TRAP}\"><input name=q></form>")


@pytest.fixture(scope="module")
def site(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "expenses.md").write_text(DOCUMENT, encoding="utf-8")
    settings = make_settings(tmp_path_factory.mktemp("hostile-data"), demo_mode=True)
    run_ingest(settings, [folder], embedder=embedder)
    answer = json.dumps({"restatement": "Which claims need a receipt.",
                         "points": [{"text": GOOD, "citations": [1]}, {"text": HOSTILE, "citations": [1]}],
                         "conclusion": "Keep the receipt.", "suggestions": []})

    class Replies(StreamingScriptedModel):
        def chat(self, messages, *, max_tokens, temperature, json_schema=None):
            self.replies = [answer]
            return super().chat(messages, max_tokens=max_tokens, temperature=temperature)

    app = create_app(settings, AskPipeline(settings, build_retriever(settings, embedder), Replies(piece=24)))
    with served(app) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_markdown_is_drawn_and_nothing_hostile_becomes_an_element(site, page):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message) or d.dismiss())
    page.goto(site + "/")
    page.wait_for_selector("body[data-ready=true]")
    turn = ask(page, "Which expense claims need an original receipt?")
    good, hostile = turn.locator("ol.points > li").nth(0), turn.locator("ol.points > li").nth(1)
    # The Markdown became a list, a table, code and a safe link that opens elsewhere.
    assert good.locator("ul li strong").inner_text() == "original"
    assert good.locator("code").inner_text() == "E-12"
    assert good.locator("table th").all_inner_texts() == ["Item", "Limit"]
    link = good.locator("a")
    assert link.get_attribute("href") == "https://intranet.example/expenses"
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    # The hostile point is its own words as text; the document's tricks are text in the sources panel.
    assert "<script>window.pwned='script'</script>" in hostile.inner_text()
    assert "<img src=" in hostile.inner_text()
    page.locator(".turn .chip").first.click()
    panel = page.locator("#sources li").first
    assert "Expense claims" in panel.inner_text() or "receipt" in panel.inner_text()
    # No element of theirs: no image, script, frame, svg, style or form; no handler attribute; no javascript: link.
    counts = page.evaluate("""() => {
        const scope = [document.getElementById('thread'), document.getElementById('sources')];
        const all = scope.flatMap(s => [...s.querySelectorAll('*')]);
        return {
          elements: all.filter(e => ['IMG', 'SCRIPT', 'IFRAME', 'SVG', 'svg', 'STYLE', 'FORM', 'INPUT', 'OBJECT',
                                     'EMBED', 'B'].includes(e.tagName)).map(e => e.tagName),
          handlers: all.filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
          scriptLinks: all.filter(e => (e.getAttribute('href') || '').trim().toLowerCase().startsWith('javascript'))
                          .length,
          styled: all.filter(e => e.hasAttribute('style')).length,
          pwned: window.pwned || null,
        }; }""")
    assert counts == {"elements": [], "handlers": 0, "scriptLinks": 0, "styled": 0, "pwned": None}
    assert page.is_visible("#question")  # no <style> hid the page
    page.wait_for_timeout(300)
    assert [u for u in requested if u.startswith(TRAP)] == [] and dialogs == []
    page.screenshot(path=str(ARTIFACTS / "markdown.png"), full_page=True)
