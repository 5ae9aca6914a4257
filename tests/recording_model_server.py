"""A model server that records what it is asked: a real HTTP server (in a thread) with the OpenAI-compatible routes
Perimeter's backends call. /v1/chat/completions answers `reply` (plain or streamed as SSE chunks); /v1/completions
answers `completion` (a harmony completion, plain or streamed). Every request's path and JSON body is kept in
`requests`, so a test sees exactly which model name and prompt reached the server."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordingModelServer(ThreadingHTTPServer):
    def __init__(self, reply: str, completion: str = "") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.reply, self.completion = reply, completion
        self.requests: list[tuple[str, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def bodies(self, path: str) -> list[dict]:
        return [body for p, body in self.requests if p == path]

    def __enter__(self) -> RecordingModelServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: RecordingModelServer

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._send(200, json.dumps({"object": "list", "data": [{"id": "local", "object": "model"}]}).encode(),
                       "application/json")
        else:
            self._send(404, b"{}", "application/json")

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append((self.path, body))
        model, created = body.get("model", ""), int(time.time())
        if self.path == "/v1/chat/completions":
            text, kind = self.server.reply, "chat.completion"
            whole = {"id": "rec", "object": kind, "created": created, "model": model, "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}]}
            pieces = [{"id": "rec", "object": "chat.completion.chunk", "created": created, "model": model,
                       "choices": [{"index": 0, "delta": {"content": text[at:at + 40]}, "finish_reason": None}]}
                      for at in range(0, len(text), 40)]
        elif self.path == "/v1/completions":
            text = self.server.completion
            whole = {"id": "rec", "object": "text_completion", "created": created, "model": model,
                     "choices": [{"index": 0, "text": text, "finish_reason": "stop"}]}
            pieces = [{"id": "rec", "object": "text_completion", "created": created, "model": model,
                       "choices": [{"index": 0, "text": text[at:at + 40]}]} for at in range(0, len(text), 40)]
        else:
            self._send(404, b"{}", "application/json")
            return
        if not body.get("stream"):
            self._send(200, json.dumps(whole).encode(), "application/json")
            return
        events = "".join(f"data: {json.dumps(p)}\n\n" for p in pieces) + "data: [DONE]\n\n"
        self._send(200, events.encode(), "text/event-stream")

    def log_message(self, *args) -> None:
        pass
