"""What constraining the answer costs the embedded model: `python -m bench.grammar [--limit N] [--max-tokens N]`.

llama.cpp's server can constrain what the model writes with a grammar made from the answer's JSON schema (what
Perimeter sends today: `response_format: {type: json_object, schema}`), with a generic JSON grammar (`json_object`
without a schema) or not at all (`none`: the answer is still parsed and repaired by prompts/parse.py, with one
re-ask). The grammar is checked against the vocabulary (152k tokens for Qwen2.5) at every step, so it may cost as
much as the model itself on a small CPU model. For each sample question the very same messages are sent once per
mode (temperature 0, same seed, the prompt cache flushed first, streamed) and the benchmark reports the time to the
first token, the time per token after it, the tokens written, and whether the text parses as an answer
(prompts.parse.parse_answer, as the pipeline would, without the re-ask).

Last line: RESULT schema_ms_per_token=<x> json_ms_per_token=<x> none_ms_per_token=<x> schema_parsed=<f>
json_parsed=<f> none_parsed=<f> schema_answer_s=<x> none_answer_s=<x> (medians over the questions)
"""
from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

import ingestion  # noqa: F401  (offline environment first)
from bench.answer import flush
from bench.answer_sets import QUESTION_SETS
from bench.cache import MODELS_DIR
from services.identity import DEMO_USER

REPO = Path(__file__).resolve().parents[1]
MODES = ("schema", "json", "none")


def response_format(mode: str, schema: dict) -> dict | None:
    formats: dict[str, dict | None] = {"schema": {"type": "json_object", "schema": schema},
                                       "json": {"type": "json_object"}, "none": None}
    return formats[mode]


def streamed(client: httpx.Client, url: str, body: dict) -> tuple[float, float, int, str]:
    """(seconds to the first content piece, seconds to the end, content pieces, the text) of one streamed request."""
    start, first, pieces, text = time.perf_counter(), None, 0, []
    with client.stream("POST", url, json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: {"):
                continue
            delta = ((json.loads(line[6:]).get("choices") or [{}])[0].get("delta") or {}).get("content")
            if delta:
                first = first if first is not None else time.perf_counter() - start
                pieces += 1
                text.append(delta)
    return first if first is not None else float("nan"), time.perf_counter() - start, pieces, "".join(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--limit", type=int, default=6, help="sample questions asked (each once per mode)")
    ap.add_argument("--max-tokens", type=int, default=400)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from prompts.parse import AnswerParseError, parse_answer
    from services.components import build_embedder
    from services.container import Container
    from services.llm.embedded import EmbeddedLlamaServer
    from services.llm.gguf import prepare_model
    from services.settings import Settings
    from tests.conftest import free_port

    data_dir = Path(tempfile.mkdtemp(prefix="bench-grammar-"))
    models_dir = MODELS_DIR
    settings = Settings(data_dir=data_dir, PERIMETER_MODELS_DIR=models_dir, embedded_model=args.model,
                        demo_mode=True, rate_limit_per_minute=0, log_level="WARNING")
    embedder = build_embedder(settings)
    question_set, settings = QUESTION_SETS["samples"](settings, embedder)
    server = EmbeddedLlamaServer(prepare_model(args.model, models_dir), port=free_port(), n_threads=args.threads,
                                 log_path=data_dir / "llama.log")
    settings = settings.with_values(llm_url=server.url, context_tokens=settings.embedded.context_tokens,
                                    llm_quotes=settings.embedded.quotes, llm_answer_form="json")
    per: dict[str, dict[str, list[float]]] = {m: {"ttft": [], "ms": [], "tokens": [], "parsed": [], "total": []}
                                              for m in MODES}
    with server, httpx.Client(timeout=900) as http:
        pipeline = Container(settings, embedder=embedder).pipeline
        print(f"{'question':10} {'mode':7} {'ttft s':>7} {'ms/token':>9} {'tokens':>7} {'total s':>8} parsed")
        for q in question_set.sample(args.limit):
            prompt = pipeline.prompt(q.text, DEMO_USER)
            assert prompt.schema is not None, "the JSON form was asked for above"
            for mode in MODES:
                body: dict = {"messages": prompt.messages, "max_tokens": args.max_tokens, "temperature": 0.0,
                              "seed": 0, "stream": True}
                if (fmt := response_format(mode, prompt.schema)) is not None:
                    body["response_format"] = fmt
                flush(http, server.url)
                ttft, total, pieces, text = streamed(http, server.url + "/v1/chat/completions", body)
                try:
                    parse_answer(text)
                    parsed = 1.0
                except AnswerParseError:
                    parsed = 0.0
                ms = (total - ttft) * 1000 / max(pieces - 1, 1)
                for key, value in (("ttft", ttft), ("ms", ms), ("tokens", pieces), ("parsed", parsed),
                                   ("total", total)):
                    per[mode][key].append(value)
                print(f"{q.id:10} {mode:7} {ttft:7.1f} {ms:9.0f} {pieces:7d} {total:8.1f} {'yes' if parsed else 'NO'}",
                      flush=True)
    med = {m: {k: statistics.median(v) for k, v in per[m].items()} for m in MODES}
    print(f"model {args.model}, {server.n_threads} threads, build {server.variant.name if server.variant else '?'}")
    print(f"RESULT schema_ms_per_token={med['schema']['ms']:.0f} json_ms_per_token={med['json']['ms']:.0f} "
          f"none_ms_per_token={med['none']['ms']:.0f} schema_parsed={statistics.mean(per['schema']['parsed']):.2f} "
          f"json_parsed={statistics.mean(per['json']['parsed']):.2f} "
          f"none_parsed={statistics.mean(per['none']['parsed']):.2f} schema_answer_s={med['schema']['total']:.1f} "
          f"none_answer_s={med['none']['total']:.1f}")


if __name__ == "__main__":
    main()
