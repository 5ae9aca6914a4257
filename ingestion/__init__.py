"""Ingestion: partition documents, chunk them, embed them, and write them to the index. Knows nothing of HTTP.

Importing this package makes every dependency stay offline and silent: no model hub, no telemetry, no adverts.
Every entry point (CLI, API, worker, tests) imports it before any third-party package, and the processes they start
inherit the environment (and the owner-only umask set below). `make airgap-check` (deploy/airgap/check.py) proves it:
the stack in a network namespace, traced, with these variables removed from its environment first, makes no outbound
attempt.
"""
import os

OFFLINE_ENVIRONMENT = {
    # Hugging Face hub, transformers, sentence-transformers, datasets: no downloads, no telemetry.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    # unstructured pings packages.unstructured.io on import and after each partition unless one of these is set.
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "true",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
    # Chroma's product telemetry (posthog); ingestion/index.py also passes anonymized_telemetry=False to the client.
    "ANONYMIZED_TELEMETRY": "False",
    # LangChain tracing to LangSmith: off unless an operator sets these on purpose.
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_TRACING": "false",
    # tokenizers: not telemetry, but its thread pool warns after fork (the Celery worker forks).
    "TOKENIZERS_PARALLELISM": "false",
}

for _name, _value in OFFLINE_ENVIRONMENT.items():
    if not os.environ.get(_name, "").strip():  # unset or empty: an empty DO_NOT_TRACK would let unstructured track
        os.environ[_name] = _value

# What Perimeter writes holds document text, questions and comments: owner-only (0700/0600) from the first file on,
# including those written before any data dir is prepared (`perimeter models prepare`, the model server's log) and by
# libraries that take the umask's mode (Chroma, SQLite). services/data_dir.py sets it again and warns about wider files.
os.umask(os.umask(0o077) | 0o077)
