"""Answer benchmark with the embedded model: `python -m bench.answer [--model qwen2.5-coder-0.5b] [--limit N]
[--questions samples|longdocs]`.

For a few more questions (`--timed`, ones the sample did not ask where there are any) it measures the time to first
token at the API (POST /v1/ask/stream over real HTTP) and Perimeter's overhead on it (retrieval, relevance check,
prompt, HTTP/SSE relay; goal <= 100 ms): overhead_ms is paired, the client's first token minus the model server's
first token within the same request (as the pipeline saw it: timings.model_first_token_ms), so a busy machine's noise
in the model's own time cancels out. No prompt cache flush: llama.cpp's RAM cache keeps ~17 earlier prompts, which
one unrelated prompt does not evict (a question timed twice answered its first token in 0.5 s), so a question is
timed only once, fresh, with the instruction prefix cached as in service (ttft_s).

Then it asks the sample corpus questions (samples/questions.jsonl) and reports, over all their answers: the grounding
rate (supported points / points); keyword recall (the share of each question's `answer_keywords` found in its
answer's points and conclusion); and citation precision (the share of cited sources that are among the question's
`expected_sources`), both as shown to the user and as the model wrote them (`model_citations`, before grounding
re-cited points to the source that holds their text); quote_found (the share of the model's quotes found, exactly,
normalised or by the fuzzy match, in a source the model cited for them: the quote's own source number or one of its
point's citations as the model wrote them), quote_located (found in any source given to the model, where grounding
moves it) and fact_match (of the points with a found quote and a figure to compare, the share whose figures, as the
model wrote them, agree with their quotes). `--save FILE` writes each answer as a JSON line.

`--questions longdocs` asks the long-documents benchmark's questions instead (bench/data/longdocs_{en,zh}.jsonl; needs
what bench.longdocs needs: `apt-get install python3.11-doc manpages-zh groff`), on its mixed index of the Python
documentation and the Chinese man pages (built as bench.longdocs builds it the first time, 11,361 chunks: 30 min on
a busy 2-core box; then reused from var/bench-cache/longdocs/): a fixed sample of `--limit` questions (30 by
default) over both corpora, direct and employee-style, in both languages; keywords are each question's `expected`
fact (matched as bench/answer_sets.py's fact_pattern says: a whole token, code-like facts in their case), over the
questions that carry one; citation precision against `gold_docs`.
The RESULT line then ends with questions=<n> keyword_questions=<n>.

Those questions are asked as a person would, one after another through POST /v1/ask/stream (no cache flush: the
server keeps the fixed instruction prefix of the previous prompt), and each answer's time is split into: prompt tokens
(counted by the model server's own tokenizer), time to the first answer token (mostly prompt processing), the model's
writing time, and Perimeter's checks after it (citations, grounding). ttft_p50_s and answer_p50_s are the medians of
the client's time to the first token and to the final answer event. Last line:
RESULT overhead_ms=<n> ttft_s=<x> grounded=<fraction> keywords=<fraction> cite_precision=<fraction>
  model_cite_precision=<fraction> quote_found=<fraction> quote_located=<fraction> fact_match=<fraction>
  ttft_p50_s=<x> answer_p50_s=<x>
  prompt_tokens_p50=<n> threads=<n> context_tokens=<n>
(one line; a fraction of nothing counted, such as quote_found when the model is not asked for quotes, is "na")
"""
from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

import ingestion  # noqa: F401  (offline environment first)
from bench.answer_sets import QUESTION_SETS
from bench.cache import MODELS_DIR
from services.identity import DEMO_USER

REPO = Path(__file__).resolve().parents[1]


def first_token_s(client: httpx.Client, url: str, body: dict, is_token) -> tuple[float, float, str]:
    """(seconds to the first answer token, seconds to the end, the last data line) of one streamed POST."""
    start, first, last = time.perf_counter(), None, ""
    with client.stream("POST", url, json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if first is None and is_token(line):
                first = time.perf_counter() - start
            if line.startswith("data: "):
                last = line[6:]
    return first if first is not None else float("nan"), time.perf_counter() - start, last


def flush(client: httpx.Client, server_url: str) -> None:
    client.post(server_url + "/v1/chat/completions", json={
        "messages": [{"role": "user", "content": f"Say OK. {time.time_ns()}"}], "max_tokens": 1})


def cited_files(out: dict, doc_of: Callable[[dict], str], model: bool = False) -> list[str]:
    """The document of each source an answer's points cite (the model's own numbers when `model`)."""
    files = {src["id"]: doc_of(src) for src in out["sources"]}
    cited = []
    for point in out["answer"]["points"]:
        numbers = point["model_citations"] if model and point.get("model_citations") is not None else point["citations"]
        cited += [files[n] for n in numbers if n in files]
    return cited


def quotes_in_cited(out: dict) -> int:
    """The answer's found quotes that stand in a source the model named for them: the quote's own number, or one of
    its point's citations as the model wrote them."""
    found = 0
    for point in out["answer"]["points"]:
        cited = point["model_citations"] if point.get("model_citations") is not None else point["citations"]
        found += sum(q["model_source"] is None or q["source"] in cited for q in point["quotes"]
                     if q["match"] != "matched")  # Perimeter's pick, not the model's quote
    return found


def streamed_answer(client: httpx.Client, api: str, question: str) -> tuple[float, float, dict | None]:
    """(client seconds to the first answer token, to the answer event, the answer) for one streamed question."""
    start, first, event, answer = time.perf_counter(), None, None, None
    with client.stream("POST", api + "/v1/ask/stream", json={"question": question}) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
                if event == "token" and first is None:
                    first = time.perf_counter() - start
            elif line.startswith("data: ") and event == "answer":
                answer = json.loads(line[6:])
    total = time.perf_counter() - start
    return (first if first is not None else total), total, answer


def prompt_tokens(client: httpx.Client, server_url: str, messages: list[dict]) -> int:
    """The prompt's size in the model's own tokens (the chat template's few tokens aside)."""
    text = "\n".join(m["content"] for m in messages)
    return len(client.post(server_url + "/extras/tokenize", json={"input": text}).json()["tokens"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    ap.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0: the default Perimeter picks)")
    ap.add_argument("--prompt-cache-mb", type=int, default=None, help="default: the setting's")
    ap.add_argument("--context-tokens", type=int, default=None, help="default: the embedded model's setting")
    ap.add_argument("--timed", type=int, default=4, help="questions timed against the server directly")
    ap.add_argument("--questions", choices=sorted(QUESTION_SETS), default="samples",
                    help="samples/questions.jsonl on samples/acme, or the long-documents benchmark's questions on its "
                    "index (bench/answer_sets.py)")
    ap.add_argument("--limit", type=int, default=None, help="questions measured (default: 25 samples, 30 longdocs)")
    # Quotes cost ~30-60 tokens a point: 300 cut answers short once the model copies its evidence.
    ap.add_argument("--max-tokens", type=int, default=500)
    ap.add_argument("--save", type=Path, default=None, help="write each answer as a JSON line here")
    ap.add_argument("--quotes", choices=["on", "off"], default=None,
                    help="ask the model for quotes (default: PERIMETER_EMBEDDED_QUOTES, the embedded model's setting)")
    ap.add_argument("--answer-form", choices=["json", "text"], default=None,
                    help="how the model writes (default: PERIMETER_EMBEDDED_ANSWER_FORM, the embedded model's setting)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the model server below is stopped too

    from services.api.app import create_app
    from services.components import build_embedder
    from services.container import Container
    from services.llm.cpu_variants import BASELINE
    from services.llm.embedded import EmbeddedLlamaServer
    from services.llm.gguf import prepare_model
    from services.settings import Settings
    from tests.conftest import free_port
    from tests.fakes import served

    data_dir = Path(tempfile.mkdtemp(prefix="bench-answer-"))
    models_dir = MODELS_DIR
    settings = Settings(data_dir=data_dir, PERIMETER_MODELS_DIR=models_dir, embedded_model=args.model,
                        llm_temperature=0.0, llm_max_tokens=args.max_tokens, llm_timeout_s=600,
                        # Asks as the demo user, unthrottled; request logs off so the table stays readable.
                        demo_mode=True, rate_limit_per_minute=0, log_level="WARNING")
    embedder = build_embedder(settings)
    question_set, settings = QUESTION_SETS[args.questions](settings, embedder)  # ingests, or points at its index
    if question_set.note:
        print(question_set.note, flush=True)
    limit = args.limit or question_set.default_limit
    port = free_port()
    cache_mb = settings.embedded.prompt_cache_mb if args.prompt_cache_mb is None else args.prompt_cache_mb
    server = EmbeddedLlamaServer(prepare_model(args.model, models_dir), port=port, n_threads=args.threads,
                                 log_path=data_dir / "llama.log", prompt_cache_mb=cache_mb)
    # Served like the embedded model (its context budget), on a port of the benchmark's own.
    context = args.context_tokens or settings.embedded.context_tokens
    ask_quotes = settings.embedded.quotes if args.quotes is None else args.quotes == "on"
    form = args.answer_form or settings.embedded.answer_form
    # As `perimeter serve` serves it: no PERIMETER_LLM_URL, the embedded model's settings and address, so the
    # container builds the same client (it hands the text form its first label: services/llm/begun_reply.py).
    settings = settings.with_values(**{"embedded_host": "127.0.0.1", "embedded_port": port,
                                       "embedded_context_tokens": context, "embedded_quotes": ask_quotes,
                                       "embedded_answer_form": form})
    with server, httpx.Client(timeout=900) as http:
        container = Container(settings, embedder=embedder)  # the embedder the corpus was ingested with, loaded once
        pipeline = container.pipeline
        with served(create_app(container)) as api:
            supported = total = answered = 0
            recall, right, cited, model_right, model_cited = [], 0, 0, 0, 0
            sample = question_set.sample(limit)
            print(f"asking {len(sample)} {args.questions} questions: {' '.join(q.id for q in sample)}", flush=True)
            ttfts, totals, sizes = [], [], []
            quotes = quotes_found = quotes_located = fact_checked = fact_mismatches = corrected = 0
            points = points_with_words = 0
            saved = args.save.open("w", encoding="utf-8") if args.save else None
            for q in sample:
                sizes.append(prompt_tokens(http, server.url, pipeline.prompt(q.text, DEMO_USER).messages))
                ttft, total_s, streamed = streamed_answer(http, api, q.text)
                assert streamed is not None, f"{q.id}: the stream ended without an answer event"
                out = streamed
                ttfts.append(ttft)
                totals.append(total_s)
                t = out["timings"]
                model_s = (t.get("model_ms") or 0) / 1000
                print(f"{q.id}: {sizes[-1]} prompt tokens, first token {ttft:.1f} s (retrieval "
                      f"{t['retrieval_ms'] / 1000:.2f} s, model {(t.get('model_first_token_ms') or 0) / 1000:.1f} s), "
                      f"model writing {model_s - (t.get('model_first_token_ms') or 0) / 1000:.1f} s, checks and "
                      f"relay {total_s - t['retrieval_ms'] / 1000 - model_s:.2f} s, answer {total_s:.1f} s", flush=True)
                g = out["grounding"]
                supported, total = supported + g["supported"], total + g["total"]
                answered += g["supported"] > 0
                found = question_set.recall(out, q)
                if found is not None:  # a long-documents question without an expected fact has no keyword
                    recall.append(found)
                files = cited_files(out, question_set.doc_of)
                model_files = cited_files(out, question_set.doc_of, model=True)
                right += sum(f in q.gold for f in files)
                model_right += sum(f in q.gold for f in model_files)
                cited, model_cited = cited + len(files), model_cited + len(model_files)
                quotes, quotes_found = quotes + g["quotes"], quotes_found + quotes_in_cited(out)
                quotes_located += g["quotes_found"] + g["quotes_moved"]
                if saved:
                    saved.write(json.dumps({"id": q.id, **out}, ensure_ascii=False) + "\n")
                fact_checked, fact_mismatches = fact_checked + g["fact_checked"], fact_mismatches + g["fact_mismatches"]
                corrected += g["facts_corrected"]
                points += len(out["answer"]["points"])
                points_with_words += sum(bool(p["quotes"]) for p in out["answer"]["points"])
                print(f"{q.id} [{q.label}]: {g['supported']}/{g['total']} points supported, "
                      f"{g.get('recited_points', 0)} re-cited, quotes found {quotes_in_cited(out)}/{g['quotes']} "
                      f"({g['quotes_found'] + g['quotes_moved']} in some source), figures "
                      f"{g['fact_checked'] - g['fact_mismatches']}/{g['fact_checked']} agree "
                      f"({g['facts_corrected']} corrected), {g['quotes_matched']} matched, "
                      f"{g['figures_unstated']} figures no source states, "
                      f"{len(out['answer']['evidence'])} extracted, keywords "
                      f"{'-' if found is None else format(found, '.2f')}, cites {files}"
                      f"{' (degraded)' if out['degraded'] else ''}{' (not found)' if out['not_found'] else ''}",
                      flush=True)
            if saved:
                saved.close()
            # Timed after the sample, not before: a timed question leaves its whole prompt in llama.cpp's prompt
            # cache, and the same question asked next answered its first token in 0.3 s (q01-q04 did, before).
            rows = []
            asked = {q.id for q in sample}
            every = question_set.timed(10_000)
            fresh = [q for q in every if q.id not in asked] or every
            for q in fresh[:args.timed]:
                api_ttft, api_total, last = first_token_s(http, api + "/v1/ask/stream", {"question": q.text},
                                                          lambda line: line == "event: token")
                # Paired: the same generation's first token as the pipeline saw it leave the model server.
                model_ttft = json.loads(last)["timings"]["model_first_token_ms"] / 1000
                rows.append((api_ttft, api_total, api_ttft - model_ttft))
                print(f"{q.id}{'' if q.id not in asked else ' (asked before: its prompt is cached)'}: api ttft "
                      f"{api_ttft:.2f} s, overhead within the same request {(api_ttft - model_ttft) * 1000:.0f} ms, "
                      f"api total {api_total:.1f} s", flush=True)
    nan = float("nan")
    overhead = statistics.median(paired * 1000 for *_, paired in rows) if rows else nan
    ttft = statistics.median(a for a, *_ in rows) if rows else nan
    rate = supported / total if total else 0.0
    build = (server.variant or BASELINE).name
    print(f"model {args.model}, {server.n_threads} threads, llama.cpp {build} build, prompt cache {cache_mb} MB,"
          f" context {context} tokens, embeddings {settings.embedding.model}; median over {len(rows)} "
          f"timed questions; "
          f"{answered}/{len(sample)} answers with a supported point; {quotes_found}/{quotes} quotes found, "
          f"{fact_checked - fact_mismatches}/{fact_checked} points' figures agree with their quotes, {corrected} "
          f"corrected; model asked for quotes: {'yes' if ask_quotes else 'no'}; {points_with_words}/{points} points "
          f"shown with source words (the model's found quotes, else the sentence each best matches)")
    print(f"RESULT overhead_ms={overhead:.0f} ttft_s={ttft:.2f} grounded={rate:.3f} "
          f"keywords={share(sum(recall), len(recall))} "
          f"cite_precision={share(right, cited)} "
          f"model_cite_precision={share(model_right, model_cited)} "
          f"quote_found={share(quotes_found, quotes)} "
          f"quote_located={share(quotes_located, quotes)} "
          f"fact_match={share(fact_checked - fact_mismatches, fact_checked)} "
          f"ttft_p50_s={statistics.median(ttfts):.2f} answer_p50_s={statistics.median(totals):.2f} "
          f"prompt_tokens_p50={statistics.median(sizes):.0f} threads={server.n_threads} context_tokens={context} "
          f"model_quotes={'on' if ask_quotes and form == 'json' else 'off'} answer_form={form} "
          f"points_with_words={share(points_with_words, points)}"
          # Only where some questions carry no fact to find (longdocs): how many keywords is the mean of.
          + ("" if args.questions == "samples" else f" questions={len(sample)} keyword_questions={len(recall)}"))


def share(part: float, whole: float) -> str:
    """A fraction for the RESULT line; "na" where nothing was counted (no quotes asked for: not 0, nor 1)."""
    return f"{part / whole:.3f}" if whole else "na"


if __name__ == "__main__":
    main()
