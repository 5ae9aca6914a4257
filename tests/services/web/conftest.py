"""The browser the web page's tests drive: one per test module."""
from __future__ import annotations

import shutil

import pytest

from tests.services.web.browser import ARTIFACTS, CHROMIUM, FLAGS


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
