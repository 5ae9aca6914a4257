"""Starting re-index jobs: what the admin API, the CLI and the scheduler share."""
from __future__ import annotations

from services.settings import Settings
from services.worker.schemas import StartedJob


class NoSuchSource(LookupError):
    pass


def select_sources(settings: Settings, source: str | None = None, collection: str | None = None):
    from services.components import load_sources

    sources = load_sources(settings)
    chosen = [s for s in sources if (source is None or s.name == source)
              and (collection is None or s.collection == collection)]
    if not chosen:
        known = ", ".join(s.name for s in sources) or f"none configured in {settings.storage.sources_file}"
        raise NoSuchSource(f"no source matches (source={source!r}, collection={collection!r}); sources: {known}")
    return chosen


def submit_reindex(settings: Settings, store, source: str | None = None, collection: str | None = None,
                   requested_by: str = "admin", candidate: bool = False) -> list[StartedJob]:
    """One job per matching source; `candidate`: each published only through the gate
    (services/worker/gate_tasks.py)."""
    from services.worker.celery_app import app
    from services.worker.tasks import plan_reindex

    started = []
    # Sent to the broker of these settings (not whatever the process-wide Celery app was configured with).
    with app.connection_for_write(settings.redis.url) as connection:
        for s in select_sources(settings, source, collection):
            job_id = store.create(s.name, s.collection, requested_by=requested_by, candidate=candidate)
            plan_reindex.apply_async((job_id, s.name), connection=connection)
            started.append(StartedJob(id=job_id, source=s.name, collection=s.collection))
    return started
