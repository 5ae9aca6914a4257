"""The same analytics numbers with the aggregates in PostgreSQL (Debian's, started by this test): the store's SQL is
the same on both."""
from __future__ import annotations

import pytest

from tests.quality_support import client_for, quality_corpus_fixture  # noqa: F401  (registers the fixture)
from tests.services.quality.test_analytics import check_numbers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def postgres():
    from tests.postgres_server import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


def test_numbers_match_the_log_on_postgresql(quality_corpus, tmp_path, embedder, postgres):
    from sqlalchemy import create_engine, text

    client = client_for(quality_corpus, tmp_path, embedder, analytics_db_url=postgres.url)
    check_numbers(client, quality_corpus)
    with create_engine(postgres.url).connect() as db:  # the rows are there, not in a SQLite file
        assert db.execute(text("select count(*) from pq_questions")).scalar() == 8
    assert not (tmp_path / "analytics.sqlite").exists()
