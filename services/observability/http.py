"""GET /metrics: Prometheus text exposition of this process's metrics and the re-index jobs kept in Redis. Only for
the metrics token, listed scraper addresses and admins (services/api/operator_access.py)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool

from services.api.deps import ContainerDep
from services.api.operator_access import metrics_reader
from services.observability.metrics import exposition

# On the router, so a route added here later cannot forget it.
router = APIRouter(tags=["operations"], include_in_schema=False, dependencies=[Depends(metrics_reader)])


@router.get("/metrics", response_class=Response)  # Prometheus text; out of the API docs (the router)
async def metrics(container: ContainerDep) -> Response:
    body, content_type = await run_in_threadpool(exposition, container.job_metrics, container.version_metrics)
    return Response(body, media_type=content_type)
