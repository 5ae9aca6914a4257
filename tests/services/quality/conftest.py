"""The analytics page test drives the web tests' browser (one chromium per module: tests/services/web/browser.py)."""
from tests.services.web.browser import browser  # noqa: F401  (registers the fixture)
