"""The browser the web page's tests drive: one per test module (the fixture: tests/services/web/browser.py)."""
from tests.services.web.browser import browser  # noqa: F401  (registers the fixture)
