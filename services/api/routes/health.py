"""GET /healthz (the process is up) and GET /readyz (the index and the model answer)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from services.api.deps import get_pipeline
from services.ask import AskPipeline

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


def _checks(pipeline: AskPipeline) -> dict:
    checks: dict[str, dict] = {}
    try:
        checks["index"] = {"ok": True, "chunks": pipeline.retriever.collection.count()}
    except Exception as exc:
        checks["index"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    model_ok = pipeline.model is not None and pipeline.model.ready()
    checks["model"] = {"ok": model_ok, "name": getattr(pipeline.model, "name", None)}
    return checks


@router.get("/readyz")
async def readyz(pipeline: Annotated[AskPipeline, Depends(get_pipeline)]) -> JSONResponse:
    checks = await run_in_threadpool(_checks, pipeline)
    ready = all(c["ok"] for c in checks.values())
    # With the index up but the model down, answers still come (sources + notice): say that they are degraded.
    degraded = checks["index"]["ok"] and not checks["model"]["ok"]
    return JSONResponse({"ready": ready, "degraded": degraded, "checks": checks}, status_code=200 if ready else 503)
