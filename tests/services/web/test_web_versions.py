"""The web page labels a superseded source and shows Perimeter's note that the rule changed, in a real browser
(Debian's chromium through Playwright) against a real uvicorn over the family corpus, with a scripted model."""
from __future__ import annotations

import json

import pytest

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever
from tests.fakes import StreamingScriptedModel, served
from tests.services.web.test_web import ask

pytestmark = pytest.mark.integration


class Replies(StreamingScriptedModel):
    """The same short answer to every question, in the question's language."""

    def chat(self, messages, *, max_tokens, temperature, json_schema=None):
        zh = "每晚" in messages[-1]["content"].split("</source>")[-1]
        text = "每晚500元。" if zh else "The cap was 120 pounds."
        self.replies = [json.dumps({"restatement": text, "points": [{"text": text, "citations": [1]}],
                                    "conclusion": text, "suggestions": []}, ensure_ascii=False)]
        return super().chat(messages, max_tokens=max_tokens, temperature=temperature)


@pytest.fixture(scope="module")
def site(family_index, embedder):
    settings = family_index[0].with_values(demo_mode=True)
    app = create_app(settings, AskPipeline(settings, build_retriever(settings, embedder), Replies()))
    with served(app) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(locale="en-US")
    yield context.new_page()
    context.close()


def test_a_superseded_source_is_labelled_and_the_change_noted(site, page):
    page.goto(site + "/")
    page.wait_for_selector("body[data-ready=true]")
    turn = ask(page, "What was the London hotel cap in the 2021 travel policy?")
    page.wait_for_selector(".turn .answer", timeout=20000)
    assert "The rule changed" in turn.locator(".versions-note").inner_text()
    tags = turn.locator(".version-tag").all_inner_texts()
    assert "superseded, replaced by “Travel Policy 2024”" in tags
    turn.locator(".chip").first.click()  # the sources panel: the tag beside the old version's title
    panel = page.locator("#sources li .version-tag").all_inner_texts()
    assert "superseded, replaced by “Travel Policy 2024”" in panel
    turn = ask(page, "2019年版差旅管理办法规定上海住宿费每晚多少？")
    page.wait_for_selector(".turn:last-child .answer", timeout=20000)
    assert "规定已有变化" in turn.locator(".versions-note").inner_text()
    assert any(t.startswith("已被取代") for t in turn.locator(".version-tag").all_inner_texts())
