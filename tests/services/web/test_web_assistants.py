"""The web page's assistant picker (issue 26) in a real browser (Debian's chromium through Playwright) against a real
uvicorn over the sample index and its shipped assistants: only those the user may use, the default first; the choice
goes with the question and the answer shows its disclaimer. Screenshots go to test-artifacts/web/."""
from __future__ import annotations

import json

import pytest

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_retriever
from tests.conftest import REPO
from tests.fakes import StreamingScriptedModel, reply, served
from tests.services.web.browser import ARTIFACTS

pytestmark = pytest.mark.integration
ADMIN = "web-assistants-admin-token-0123456789"


@pytest.fixture(scope="module")
def site(sample_index, tmp_path_factory):
    settings, _ = sample_index
    path = tmp_path_factory.mktemp("web-assistants") / "assistants.yaml"
    shipped = (REPO / "samples" / "assistants.yaml").read_text(encoding="utf-8")
    path.write_text(shipped + "  - name: board\n    title: Board only\n    groups: [board]\n", encoding="utf-8")
    settings = settings.with_values(demo_mode=True, assistants_file=path, admin_token=ADMIN)
    model = StreamingScriptedModel(*[reply(1)] * 4, piece=12)
    with served(create_app(settings, AskPipeline(settings, build_retriever(settings), model))) as url:
        yield url, model


def test_the_picker_lists_the_user_s_assistants_and_the_answer_shows_the_disclaimer(site, browser):
    url, model = site
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    asked = []
    page.on("request", lambda r: asked.append(json.loads(r.post_data)) if r.url.endswith("/ask/stream") else None)
    page.goto(url + "/")
    page.wait_for_selector("#assistant-picker:not([hidden]) #assistant")
    options = page.locator("#assistant option")
    assert options.all_inner_texts() == ["All documents", "HR policies", "IT support", "法规参考"]  # default first
    assert page.input_value("#assistant") == "all"
    page.select_option("#assistant", "regulations")
    assert "跨境支付" in page.inner_text("#assistant-picker .assistant-about")
    page.locator("#assistant-picker .example").first.click()  # an example question fills the box
    assert page.input_value("#question") == "违反个人信息保护规定，最高可以罚款多少？"
    page.keyboard.press("Enter")
    page.wait_for_selector(".turn .disclaimer", timeout=20000)
    turn = page.locator(".turn").last
    assert turn.locator(".disclaimer").inner_text() == "仅供参考，不能替代专业意见。"
    assert asked[-1]["assistant"] == "regulations"
    assert "每个要点请写明来源中给出的法规或制度名称及条款" in model.calls[-1][0]["content"]
    page.screenshot(path=str(ARTIFACTS / "assistant-picker.png"))
    page.reload()  # the choice is remembered in this browser
    page.wait_for_selector("#assistant-picker:not([hidden]) #assistant")
    assert page.input_value("#assistant") == "regulations"
    admin = context.new_page()
    admin.goto(url + "/admin")
    admin.evaluate(f"sessionStorage.setItem('perimeter.adminToken', '{ADMIN}')")
    admin.goto(url + "/admin/assistants")
    admin.wait_for_selector("#assistant-rows tr[data-name=board]")
    assert admin.locator("#assistant-rows tr").count() == 5  # the shipped four and the board's
    assert "board" in admin.locator("#assistant-rows tr[data-name=board]").inner_text()
    admin.screenshot(path=str(ARTIFACTS / "admin-assistants.png"))
    context.close()
