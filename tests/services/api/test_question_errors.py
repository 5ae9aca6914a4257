"""An unusable question is refused alike at every door that takes one: the same 422 and the same body, from the one
handler services/api/errors.py registers (routes raise QuestionError and map nothing themselves)."""
import pytest
from fastapi.testclient import TestClient

from services.answering import AskPipeline
from services.api.app import create_app
from tests.conftest import make_settings


@pytest.fixture
def client(tmp_path, redis_url):
    settings = make_settings(tmp_path, demo_mode=True, redis_url=redis_url, max_question_chars=50)
    # The question is refused before retrieval: no index or model is needed.
    return TestClient(create_app(settings, AskPipeline(settings, None, None)))


TOO_LONG = "How many days of annual leave do I get in my first year? " * 2
DOORS = {
    "ask": ("/v1/ask", {"question": TOO_LONG}),
    "search": ("/v1/search", {"question": TOO_LONG}),
    "ask/stream": ("/v1/ask/stream", {"question": TOO_LONG}),
    "chat/completions": ("/v1/chat/completions", {"messages": [{"role": "user", "content": TOO_LONG}]}),
    "chat/completions stream": ("/v1/chat/completions",
                                {"messages": [{"role": "user", "content": TOO_LONG}], "stream": True}),
}


def test_a_question_error_is_the_same_422_at_every_door(client):
    bodies = {}
    for door, (path, payload) in DOORS.items():
        response = client.post(path, json=payload)
        assert response.status_code == 422, (door, response.text)
        assert response.headers["content-type"] == "application/json", door
        bodies[door] = response.json()
    assert set(map(str, bodies.values())) == {str({"detail": "the question is longer than 50 characters"})}, bodies


def test_the_openai_door_refuses_its_own_unusable_questions_alike(client):
    not_a_question = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    response = client.post("/v1/chat/completions", json=not_a_question)
    assert response.status_code == 422
    assert response.json() == {"detail": "the last message must be the user's question"}
