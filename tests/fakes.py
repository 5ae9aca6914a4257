"""Stand-ins for the model in API tests, and the API served by a real uvicorn on a free port (for clients that need a
real socket: the `openai` package, disconnecting SSE readers)."""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager

from services.llm.base import ChatReply, ModelUnavailable


class ScriptedModel:
    name = "scripted"

    def __init__(self, *replies: str):
        self.replies = list(replies)
        self.calls: list[list[dict[str, str]]] = []

    def chat(self, messages, *, max_tokens, temperature, json_schema=None):
        self.calls.append(messages)
        if not self.replies:
            raise ModelUnavailable("no scripted reply left")
        return ChatReply(text=self.replies.pop(0), model=self.name)

    def ready(self):
        return True


class StreamingScriptedModel(ScriptedModel):
    """Streams each reply in small pieces, `delay` seconds apart; remembers whether its stream was closed early."""

    def __init__(self, *replies: str, delay: float = 0.0, piece: int = 4):
        super().__init__(*replies)
        self.delay, self.piece = delay, piece
        self.sent = 0
        self.closed_early = threading.Event()

    def stream(self, messages, *, max_tokens, temperature, json_schema=None):
        text = self.chat(messages, max_tokens=max_tokens, temperature=temperature).text
        finished = False
        try:
            for at in range(0, len(text), self.piece):
                time.sleep(self.delay)
                self.sent += 1
                yield text[at:at + self.piece]
            finished = True
        finally:
            if not finished:
                self.closed_early.set()


def reply(*citations, text="Report it with the Report Phish button.", more=()) -> str:
    points = [{"text": text, "citations": list(citations)}] + [{"text": t, "citations": c} for t, c in more]
    return json.dumps({"restatement": "How to report phishing", "points": points,
                       "conclusion": "Use Report Phish.", "suggestions": []})


@contextmanager
def served(app, server_for=None):
    """The app on a real uvicorn server in this process; yields its base URL. `server_for(app, host, port)` builds
    another uvicorn.Server than the default one (e.g. services.cli.api_server, the one `perimeter serve` runs)."""
    import uvicorn

    from tests.conftest import free_port

    port = free_port()
    if server_for is None:
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    else:
        server = server_for(app, "127.0.0.1", port)
        server.config.log_level = "warning"
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
