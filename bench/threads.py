"""llama.cpp threads for the embedded model: `python -m bench.threads [--model qwen2.5-coder-1.5b] [--threads 1,0]`.

For each thread count (0 = the default Perimeter picks, services/llm/embedded.py default_threads) it starts the
embedded server, builds the real prompts of the README's two sample questions (the sample corpus ingested into a
temporary data dir) and streams each answer from the server directly, cold (an unrelated prompt first, so no prefix
is reused). It reports the prompt size, time to first token, prompt tokens/s, and generation tokens/s (streamed pieces
per second after the
first). Last line: RESULT threads_<n>_ttft_s=<x> threads_<n>_gen_tok_s=<x> ... default_threads=<n>
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

import ingestion  # noqa: F401  (offline environment first)
from bench.cache import MODELS_DIR

QUESTIONS = ["How many days of annual leave do UK employees get?", "去上海出差住酒店，每晚最多可以报销多少钱？"]


def stream(client: httpx.Client, url: str, messages: list[dict], schema: dict | None, max_tokens: int) -> tuple:
    """(seconds to the first piece, pieces after the first, seconds from the first piece to the end)."""
    body = {"messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "seed": 0, "stream": True}
    if schema is not None:
        body["response_format"] = {"type": "json_object", "schema": schema}
    start, first, pieces = time.perf_counter(), None, 0
    with client.stream("POST", url + "/v1/chat/completions", json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: {"):
                continue
            delta = (json.loads(line[6:]).get("choices") or [{}])[0].get("delta") or {}
            if delta.get("content"):
                if first is None:
                    first = time.perf_counter()
                else:
                    pieces += 1
    end = time.perf_counter()
    return (first or end) - start, pieces, end - (first or end)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    ap.add_argument("--threads", default="1,0", help="comma-separated thread counts; 0 = Perimeter's default")
    ap.add_argument("--max-tokens", type=int, default=200)
    args = ap.parse_args()

    from services.components import build_embedder, run_ingest
    from services.container import Container
    from services.identity import DEMO_USER
    from services.llm.embedded import EmbeddedLlamaServer, default_threads
    from services.llm.gguf import prepare_model
    from services.settings import Settings
    from tests.conftest import SAMPLES, free_port

    data_dir = Path(tempfile.mkdtemp(prefix="bench-threads-"))
    settings = Settings(data_dir=data_dir, PERIMETER_MODELS_DIR=MODELS_DIR, embedded_model=args.model,
                        log_level="WARNING")
    embedder = build_embedder(settings)
    run_ingest(settings, [SAMPLES], embedder=embedder)
    pipeline = Container(settings, embedder=embedder).pipeline
    prompts = [pipeline.prompt(q, DEMO_USER) for q in QUESTIONS]
    model = prepare_model(args.model, settings.storage.models_dir)
    results: dict[int, list[tuple]] = {}
    print(f"{'threads':>7} {'question':>8} {'prompt tok':>10} {'ttft s':>7} {'prompt tok/s':>12} "
          f"{'gen tok/s':>9}")
    with httpx.Client(timeout=900) as http:
        for threads in [int(t) for t in args.threads.split(",")]:
            n = threads or default_threads()
            server = EmbeddedLlamaServer(model, port=free_port(), n_threads=n, log_path=data_dir / "llama.log")
            with server:
                rows = results.setdefault(n, [])
                for i, prompt in enumerate(prompts):
                    text = "\n".join(m["content"] for m in prompt.messages)
                    size = len(http.post(server.url + "/extras/tokenize", json={"input": text}).json()["tokens"])
                    # Cold: an unrelated prompt first, so no prefix of this one is reused.
                    stream(http, server.url, [{"role": "user", "content": f"Say OK {time.time_ns()}"}], None, 1)
                    ttft, pieces, gen_s = stream(http, server.url, prompt.messages, prompt.schema, args.max_tokens)
                    rows.append((size, ttft, pieces / gen_s if gen_s else 0.0))
                    print(f"{n:>7} {i + 1:>8} {size:>10} {ttft:>7.2f} {size / ttft:>12.1f} {rows[-1][2]:>9.1f}",
                          flush=True)
    parts = []
    for n, rows in results.items():
        parts.append(f"threads_{n}_ttft_s={statistics.mean(r[1] for r in rows):.2f} "
                     f"threads_{n}_gen_tok_s={statistics.mean(r[2] for r in rows):.1f}")
    print("RESULT " + " ".join(parts) + f" default_threads={default_threads()}")


if __name__ == "__main__":
    main()
