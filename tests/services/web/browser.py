"""What every browser test of the web page shares: Debian's chromium, driven headless through Playwright (no browser
download), and the folder its screenshots go to."""
from __future__ import annotations

from tests.conftest import REPO

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
ARTIFACTS = REPO / "test-artifacts" / "web"
