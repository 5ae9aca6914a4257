"""The ingestion worker: Celery on Redis, running the same ingestion code the CLI runs."""
