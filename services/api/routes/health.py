"""GET /healthz (the process is up) and GET /readyz (the index and the model answer).

The model's state is one of: starting (loading, or answering its first prompt), answering (it answered and has not
ended since), crashed (ended or could not start; restarts are scheduled and the error says why, e.g. SIGILL) for the
embedded server `perimeter serve` runs; reachable / unreachable for a model server elsewhere (vLLM, TGI, llama.cpp),
which Perimeter can only see listening."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from services.api.deps import ContainerDep
from services.api.operator_access import readiness_for
from services.api.schemas import Health, Readiness
from services.container import Container

router = APIRouter(tags=["health"])

_OK_STATES = ("answering", "reachable")


def model_status(container: Container) -> dict:
    supervisor, pipeline = container.model_supervisor, container.pipeline
    if supervisor is not None:
        return supervisor.status()
    if pipeline.model is None:
        return {"state": "unreachable", "error": "no model is configured"}
    return {"state": "reachable" if pipeline.model.ready() else "unreachable"}


@router.get("/healthz", response_model=Health, response_model_exclude_none=True)
def healthz(container: ContainerDep) -> Health:
    """Always 200 while the API runs (a crashed model is not a reason to restart the API); says the model's state."""
    supervisor = container.model_supervisor
    return Health(model=supervisor.status()["state"] if supervisor is not None else None)


def _checks(container: Container) -> dict:
    checks: dict[str, dict] = {}
    pipeline = container.pipeline
    try:
        checks["index"] = {"ok": True, "chunks": pipeline.retriever.count()}
    except Exception as exc:
        checks["index"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    model = model_status(container)
    checks["model"] = {"ok": model["state"] in _OK_STATES, "name": getattr(pipeline.model, "name", None), **model}
    return checks


# The body's shape is Readiness whether ready (200) or not (503); the checks are left out for other callers.
@router.get("/readyz", response_model=Readiness,
            responses={503: {"model": Readiness, "description": "not ready: the index or the model does not answer"}})
async def readyz(request: Request, container: ContainerDep) -> JSONResponse:
    checks = await run_in_threadpool(_checks, container)
    ready = all(c["ok"] for c in checks.values())
    # With the index up but the model down, answers still come (sources + notice): say that they are degraded.
    degraded = checks["index"]["ok"] and not checks["model"]["ok"]
    # Everyone gets the status code and ready/degraded; the checks only operators (services/api/operator_access.py).
    body = await readiness_for(request, {"ready": ready, "degraded": degraded, "checks": checks})
    return JSONResponse(body, status_code=200 if ready else 503)
