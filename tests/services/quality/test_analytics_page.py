"""The analytics page in a real browser (Debian's chromium through Playwright) against a real uvicorn: the numbers of
the known log (tests/quality_support.py) as the page shows them, texts for an analyst, none for an admin who is not
one; in Chinese once the language is switched. Screenshot: test-artifacts/web/analytics.png."""
from __future__ import annotations

import pytest

from tests.fakes import served
from tests.quality_support import (  # noqa: F401  (registers the fixture)
    ADMIN,
    ANALYST,
    GYM_CANARY,
    client_for,
    quality_corpus_fixture,
)
from tests.services.web.browser import ARTIFACTS

pytestmark = pytest.mark.integration


def test_the_page_shows_the_numbers_and_texts_only_to_analysts(quality_corpus, tmp_path, embedder, browser):
    from services.quality.evaluate import Comparison
    from services.quality.gate import GateDecision, record_decision

    app = client_for(quality_corpus, tmp_path, embedder).app
    record_decision(quality_corpus.settings.storage.data_dir, GateDecision(
        collection="default", source="hr", candidate="123", published=False, run="r2",
        comparison=Comparison(baseline="r1", deltas={"hit_at_k": -0.5}, worse=["hit_at_k"], threshold=0.05)))
    with served(app) as url:
        for who, headers in (("analyst", ANALYST), ("admin", ADMIN)):
            # The proxy in front signs the browser in: its headers on every request.
            context = browser.new_context(viewport={"width": 1280, "height": 1100}, extra_http_headers=headers)
            page = context.new_page()
            page.goto(f"{url}/admin/analytics")
            page.fill("#collection", "default")
            page.click("#filters button[type=submit]")
            page.wait_for_function("document.querySelector('#totals').textContent.includes('Questions7')")
            totals = page.inner_text("#totals")
            assert "Answered\t3" in totals and "Not found\t2" in totals, totals
            assert "2.00 s / 3.00 s (3)" in totals and "5.00 s / 7.00 s (3)" in totals, totals
            assert "75.0 %" in totals and "2 / 1 (66.7 % 👍)" in totals, totals
            assert quality_corpus.menu_uri in page.inner_text("#never")
            gates = page.inner_text("#gates")
            assert "default/hr" in gates and "refused (hit_at_k)" in gates and "hit_at_k -0.50" in gates, gates
            unanswered = page.inner_text("#unanswered")
            if who == "analyst":
                assert GYM_CANARY in unanswered and "Is soup served on Mondays?" in unanswered
                page.screenshot(path=str(ARTIFACTS / "analytics.png"), full_page=True)
                # The page follows the chosen language like the chat page (i18n.js), its numbers drawn again.
                page.select_option("#lang", "zh")
                page.wait_for_function("document.querySelector('#totals').textContent.includes('已回答3')")
                assert page.inner_text("#totals-title") == "提问"
                assert "已拒绝（hit_at_k）" in page.inner_text("#gates")
                assert page.evaluate("document.documentElement.lang") == "zh-CN"
            else:
                assert GYM_CANARY not in page.content() and "(hidden)" in unanswered
                assert "analysts only" in page.inner_text("#texts-note")
            context.close()
