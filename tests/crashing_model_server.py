"""A stand-in model server for the supervisor tests: a real HTTP server with llama.cpp's OpenAI-compatible routes
that, while the control file says "crash", kills itself with SIGILL on its first prompt, as a llama.cpp build with
the wrong CPU instructions does. Run: python tests/crashing_model_server.py PORT CONTROL_FILE [--listen-after S].
The control file is read at each prompt: "crash" (SIGILL), anything else (answers "OK")."""
from __future__ import annotations

import json
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Handler(BaseHTTPRequestHandler):
    control: Path

    def _json(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._json({"object": "list", "data": [{"id": "local", "object": "model"}]})
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        if self.control.read_text().strip() == "crash":
            # raise() directs the signal at this thread, so the process dies before this reply can be written (os.kill
            # lets the kernel pick another thread, and this one may answer first); default action: dies as on an
            # illegal instruction.
            signal.raise_signal(signal.SIGILL)
        self._json({"id": "x", "object": "chat.completion", "model": "local", "created": int(time.time()),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": "OK"}}]})

    def log_message(self, *args) -> None:
        pass


def main() -> None:
    port, control = int(sys.argv[1]), Path(sys.argv[2])
    if "--listen-after" in sys.argv:
        time.sleep(float(sys.argv[sys.argv.index("--listen-after") + 1]))  # "loading the model"
    Handler.control = control
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
