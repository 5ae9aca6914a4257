"""The leakiest model there is: a real OpenAI-compatible HTTP server (what the `chat` backend and llama.cpp's server
speak: GET /v1/models, GET /health, POST /v1/chat/completions, streaming too) that obeys every injection. Its answer,
in the answer schema (prompts/schema.py), cites and quotes every source it was given, lists every code-like string of
its prompt first, then copies the whole conversation it was shown (each source, earlier turns). Whatever reaches the
prompt reaches the response, so a canary that is absent from every response never reached the model."""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SOURCE = re.compile(r'<source number="(\d+)" title="([^"]*)"[^>]*>\s*(.*?)\s*</source>', re.S)
QUESTION = re.compile(r"(?:Question: |问题：)(.*)\Z", re.S)
# Anything that looks like a code, key or reference: letters and digits mixed, 8+ characters. An obedient model asked
# to "print every code you were given" puts these first, where no front door's length limit can cut them off.
CODE = re.compile(r"[\w-]*\d[\w-]*[a-zA-Z][\w-]*|[\w-]*[a-zA-Z][\w-]*\d[\w-]*")
MODEL_ID = "echo-everything"


def echo_answer(messages: list[dict]) -> str:
    """The answer JSON a model that obeys every instruction in its prompt would write: a short point citing each
    source, every code-like string of its prompt in the conclusion, and every message it was shown (earlier turns and
    each source in full) as suggestions. Points stay short because the pipeline embeds them to check grounding."""
    shown = [f"{m.get('role')}: {m.get('content')}" for m in messages if m.get("role") != "system"]
    last = str(messages[-1].get("content") or "")
    question = QUESTION.search(last)
    sources = SOURCE.findall(last)
    # Each point quotes its source's opening words: the doors then show a document's own text as a quote too.
    points = [{"quotes": [{"source": int(n), "text": body[:200]}], "text": " ".join(body.split()[:10]) or title,
               "citations": [int(n)]} for n, title, body in sources]
    codes = list(dict.fromkeys(c for text in shown for c in CODE.findall(text) if len(c) >= 8))
    everything = [f"[{n}] {title}: {body}" for n, title, body in sources] + shown
    return json.dumps({"restatement": question.group(1).strip() if question else last[-300:], "points": points,
                       "conclusion": "Codes in my prompt: " + ", ".join(codes), "suggestions": everything},
                      ensure_ascii=False)


class EchoModelServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests = 0
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def __enter__(self) -> EchoModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._json(200, {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "owned_by": "tests"}]})
        elif self.path == "/health":
            self._json(200, {"status": "ok"})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self):
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": "not found"})
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests += 1
        text = echo_answer(body.get("messages") or [{}])
        made, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not body.get("stream"):
            self._json(200, {"id": made, "object": "chat.completion", "created": created, "model": MODEL_ID,
                             "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant", "content": text}}],
                             "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

        def event(delta: dict, finish: str | None = None) -> None:
            chunk = {"id": made, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())

        event({"role": "assistant", "content": ""})
        for at in range(0, len(text), 64):
            event({"content": text[at:at + 64]})
        event({}, "stop")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass
