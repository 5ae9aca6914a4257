"""The web page as a person uses it: one browser context per person (the reverse proxy's identity headers on every
request it makes), questions typed into the page and sent with Enter. What counts as received: the answer as the page
shows it, the sources panel, the raw event stream the page read, and every document its "open" links serve."""
from __future__ import annotations

from tests.leaks.attempts import Person
from tests.leaks.doors import Reply

CURRENT = "perimeter.currentConversation"  # the one thing the page keeps: its conversation's id (conversations.js)


class BrowserDoor:
    def __init__(self, browser, url: str):
        self.browser, self.url = browser, url
        self.pages: dict[str, tuple] = {}

    def _page(self, person: Person):
        if person.name not in self.pages:
            context = self.browser.new_context(locale="en-US", extra_http_headers=person.headers)
            page = context.new_page()
            streams: list = []
            page.on("response", lambda r: streams.append(r) if r.url.endswith("/v1/ask/stream") else None)
            page.goto(self.url + "/")
            page.wait_for_selector("body[data-ready=true]")
            self.pages[person.name] = (context, page, streams)
        return self.pages[person.name]

    def _open(self, page, conversation: str | None) -> None:
        current = page.evaluate("() => state.conv && state.conv.id")
        if conversation is None:
            page.click("#new-chat")
        elif conversation != current:
            # Someone else's conversation id, planted as this browser's current conversation: the reload opens it
            # from the server (which knows no such conversation of this person's), and the question continues it.
            page.evaluate(f"""id => localStorage.setItem("{CURRENT}", id)""", conversation)
            page.reload()
            page.wait_for_selector("body[data-ready=true]")
            page.evaluate("id => { state.conv = { id, title: 'planted' }; }", conversation)

    def ask(self, person: Person, question: str, conversation: str | None) -> Reply:
        _, page, streams = self._page(person)
        self._open(page, conversation)
        before = len(streams)
        page.fill("#question", question)
        page.keyboard.press("Enter")
        page.wait_for_selector("#status:not(.busy)", timeout=30000)
        turn = page.locator(".turn").last
        shown = [turn.evaluate("e => e.outerHTML")]
        if turn.locator(".chip").count():
            turn.locator(".chip").first.click()  # opens the sources panel, with each source's "open" link
            shown.append(page.locator("#sources-panel").evaluate("e => e.outerHTML"))
            for href in page.locator("#sources a.open-doc").evaluate_all("links => links.map(a => a.href)"):
                document = page.request.get(href)
                shown.append(f"{href} {document.status}\n{document.text()}")
        shown += [r.text() for r in streams[before:]]
        answered = turn.locator("[data-state=error]").count() == 0 and len(streams) > before
        return Reply("\n".join(shown), page.evaluate("() => state.conv && state.conv.id"), answered)

    def close(self) -> None:
        for context, _, _ in self.pages.values():
            context.close()
