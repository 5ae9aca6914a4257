"""What every browser test of the web page shares: Debian's chromium, driven headless through Playwright (no browser
download), the folder its screenshots go to, and the `browser` fixture: one chromium per test module. A test package
registers the fixture by importing it (tests/services/web/conftest.py; tests/services/quality imports it too)."""
from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
ARTIFACTS = REPO / "test-artifacts" / "web"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian chromium is not installed (deploy/system-packages.sh, run by make install, installs it)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()
