"""Every route the API documents declares what it answers: a named response model for JSON (so /docs and generated
clients show the shape), a typed body for the others (file downloads, JSON lines, event streams)."""
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from tests.conftest import REPO, make_settings

SUCCESS = ("200", "201", "202")


def named(schema: dict) -> bool:
    """A schema that names a model: a $ref, a list of them, or a choice between them."""
    if "$ref" in schema:
        return True
    if "items" in schema:
        return named(schema["items"])
    choices = schema.get("anyOf") or schema.get("oneOf") or []
    return bool(choices) and all(named(c) for c in choices)


def app_for(tmp_path, redis_url):
    settings = make_settings(tmp_path, demo_mode=True, redis_url=redis_url, metrics_enabled=True)
    return create_app(settings, AskPipeline(settings, None, None))  # nothing is asked


def test_every_documented_route_declares_its_response(tmp_path, redis_url):
    spec = app_for(tmp_path, redis_url).openapi()
    undeclared = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            success = [operation["responses"][code] for code in SUCCESS if code in operation["responses"]]
            contents = [content for response in success for content in response.get("content", {}).items()]
            if not contents:
                undeclared.append(f"{method.upper()} {path}: no content")
            for media_type, content in contents:
                schema = content.get("schema", {})
                ok = named(schema) if media_type == "application/json" else "type" in schema
                if not ok:
                    undeclared.append(f"{method.upper()} {path} {media_type}: {schema}")
    assert not undeclared, undeclared
    assert len(spec["paths"]) >= 17  # the API's documented paths, not an empty spec


def test_routes_left_out_of_the_spec_are_pages_files_and_metrics():
    """Routes outside the spec are not JSON: the web pages and their files, and /metrics; each still declares its
    response class or model."""
    from services.api.routes import (
        admin,
        analytics,
        ask,
        assistants,
        conversations,
        documents,
        evaluation,
        feedback,
        health,
        openai_compat,
        slack,
        stream,
    )
    from services.observability.http import router as metrics_router
    from services.web.router import router as web_router

    routers = [m.router for m in (admin, analytics, ask, assistants, conversations, documents, evaluation, feedback,
                                  health, openai_compat, slack, stream)]
    routers.append(assistants.admin_router)
    routes = [r for router in (*routers, web_router, metrics_router) for r in router.routes if isinstance(r, APIRoute)]
    hidden = {r.path: r for r in routes if not r.include_in_schema}
    assert set(hidden) == {"/", "/admin", "/admin/analytics", "/admin/assistants", "/favicon.ico", "/web/labels.json",
                           "/web/{name}", "/web/vendor/{name}", "/metrics"}
    for route in hidden.values():  # a response class of its own (not the default JSON), or a model
        declared = route.response_model is not None or not isinstance(route.response_class, DefaultPlaceholder)
        assert declared, route.path


def test_job_views_keep_their_json_shape(tmp_path, redis_url):
    """The job models serialise to the strings and keys the admin page and the CLI read."""
    import redis

    from ingestion.documents import FileResult, FileStatus
    from services.worker.jobs import JobStore
    from services.worker.schemas import JobState

    store = JobStore(redis.Redis.from_url(redis_url, decode_responses=True))
    job = store.create("handbook", "default")
    store.record(job, FileResult("file:///a.md", FileStatus.FAILED, reason="not a PDF"))
    store.record(job, FileResult("file:///b.md", FileStatus.ADDED, chunks_added=3))
    store.record(job, FileResult("file:///scan.pdf", FileStatus.ADDED, chunks_added=1, ocr_pages=2,
                                 notes=["1 scanned pages not read by OCR"]))
    store.update(job, state=JobState.RUNNING)
    assert store.r.hget(f"perimeter:job:{job}", "state") == "running"
    view = store.view(job).model_dump(mode="json")
    assert view["state"] == "running" and view["files_done"] == 3 and view["files_failed"] == 1
    assert view["ocr_pages"] == 2  # the slow pages of a scanned corpus count in the job's progress
    assert next(f for f in view["files"] if f["source"] == "file:///scan.pdf")["notes"] == [
        "1 scanned pages not read by OCR"]
    assert view["errors"] == [{"source": "file:///a.md", "reason": "not a PDF"}]
    assert {f["status"] for f in view["files"]} == {"failed", "added"}
    assert "files" not in store.summary(job).model_dump()


def test_an_unknown_job_is_a_404_from_the_handler(tmp_path, redis_url):
    settings = make_settings(tmp_path, demo_mode=True, redis_url=redis_url, admin_token="openapi-test-token")
    client = TestClient(create_app(settings, AskPipeline(settings, None, None)))
    response = client.get("/v1/admin/jobs/nope", headers={"Authorization": "Bearer openapi-test-token"})
    assert response.status_code == 404
    assert response.json() == {"detail": f"no job nope (jobs are kept {settings.worker.jobs_kept} deep, for 7 days)"}


def test_route_modules_import_no_other_route_module():
    """What two routes share (SSE helpers, request bodies, dependency aliases) lives in services/api/."""
    import ast

    routes = REPO / "services" / "api" / "routes"
    found = []
    for path in routes.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            found += [f"{path.name}: {n}" for n in names if n.startswith("services.api.routes")]
    assert not found, found
