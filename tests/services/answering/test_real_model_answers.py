"""Real answers from the real llama.cpp server (Qwen2.5-Coder-0.5B, temperature 0): a handful of calls only. The
model is asked for quotes under the real grammar; whatever it copies, what the answer shows as quoted is a source's
own words at their offsets, or the extractive fallback's sentences."""
import json
import os
import re
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.container import Container
from services.identity import DEMO_USER
from services.llm.openai_chat import OpenAIChatModel
from tests.conftest import MODELS_DIR, REPO, TEST_MODEL, load_questions
from tests.fakes import served

pytestmark = pytest.mark.integration
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def api(sample_index, llm_server):
    settings, _ = sample_index
    settings = settings.with_values(**{"llm_url": llm_server.url, "llm_temperature": 0.0, "llm_max_tokens": 400})
    model = OpenAIChatModel(llm_server.url, timeout_s=240, response_format_style="llamacpp")
    pipeline = Container(settings, model=model).pipeline
    app = create_app(settings.with_values(**{"demo_mode": True}), pipeline)
    return TestClient(app), settings, pipeline


def _question(qid: str) -> dict:
    return next(q for q in load_questions() if q["id"] == qid)


def _check_answer(body: dict, q: dict) -> None:
    ids = {s["id"] for s in body["sources"]}
    cited = {n for p in body["answer"]["points"] for n in p["citations"]}
    assert body["answer"]["points"], body
    assert cited and cited <= ids, (cited, ids)
    names = {s["uri"].rsplit("/", 1)[-1] for s in body["sources"]}
    assert names & set(q["expected_sources"]), names
    assert body["grounded"] is True
    assert body["model"] and body["timings"]["generation_ms"] > 0
    quotes = [q for p in body["answer"]["points"] for q in p["quotes"]] + body["answer"]["evidence"]
    assert quotes, body  # the user always sees the words: the model's quotes, found, or the best sentences
    for quote in quotes:
        assert quote["source"] in ids and 0 <= quote["start"] < quote["end"] and quote["text"].strip()


def _check_quotes_are_the_sources_words(body: dict, pipeline, question: str) -> None:
    user = pipeline.prompt(question, DEMO_USER).messages[-1]["content"]
    texts = {int(n): t for n, t in re.findall(r'<source number="(\d+)" title="[^"]*">\n(.*?)\n</source>', user, re.S)}
    for quote in [q for p in body["answer"]["points"] for q in p["quotes"]] + body["answer"]["evidence"]:
        assert texts[quote["source"]][quote["start"]:quote["end"]] == quote["text"], quote


@pytest.mark.parametrize("qid", ["q04", "q19"])
def test_real_model_answers_with_valid_citations(api, qid):
    client, _, pipeline = api
    q = _question(qid)
    response = client.post("/v1/ask", json={"question": q["question"]})
    assert response.status_code == 200, response.text
    body = response.json()
    _check_answer(body, q)
    _check_quotes_are_the_sources_words(body, pipeline, q["question"])
    g = body["grounding"]
    print(f"{qid}: {g['quotes_found']}/{g['quotes']} quotes found, {g['quotes_moved']} in another source, "
          f"{len(body['answer']['evidence'])} extracted")
    assert body["language"] == q["lang"]
    text = " ".join([body["answer"]["conclusion"]] + [p["text"] for p in body["answer"]["points"]])
    if q["lang"] == "zh":
        assert len(CJK.findall(text)) > len(text) / 4, text


def test_cli_ask_json_against_a_running_server(api, llm_server):
    _, settings, _ = api
    q = _question("q01")
    env = {**os.environ, "PERIMETER_DATA_DIR": str(settings.storage.data_dir), "PERIMETER_LLM_URL": llm_server.url,
           "PERIMETER_LLM_TEMPERATURE": "0", "PERIMETER_LLM_MAX_TOKENS": "400", "PERIMETER_MODELS_DIR": str(MODELS_DIR),
           "PERIMETER_EMBEDDED_MODEL": TEST_MODEL, "PERIMETER_LLM_RESPONSE_FORMAT": "llamacpp",
           "PERIMETER_LLM_TIMEOUT_S": "400"}
    done = subprocess.run([sys.executable, "-m", "services.cli", "ask", q["question"], "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=500)
    assert done.returncode == 0, done.stderr[-2000:]
    _check_answer(json.loads(done.stdout), q)


def test_openai_client_streams_a_real_cited_answer(api):
    """The real `openai` package, streaming through /v1/chat/completions to the real llama.cpp stream."""
    from openai import OpenAI

    client, _, _ = api
    q = _question("q01")
    with served(client.app) as url:
        chunks = list(OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0, timeout=600).chat.completions
                      .create(model="perimeter", stream=True, messages=[{"role": "user", "content": q["question"]}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "**Key points**" in text and "**Sources**" in text, text
    assert re.search(r"\[\d\]", text.split("**Sources**")[0]), text
