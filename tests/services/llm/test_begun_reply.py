"""The embedded model can be handed the start of its text answer: the text form's first label ("Question:") is put
after the model's own chat template (read from its GGUF file) and sent to the raw completion endpoint, so the model
continues the reply instead of choosing how to begin it. Against a GGUF written with llama.cpp's gguf library and a
real local HTTP server that records every request."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from gguf import GGUFWriter

from services.answering import AskPipeline
from services.api.app import create_app
from services.components import build_model, build_retriever
from services.llm.begun_reply import BegunReplyModel
from services.llm.chat_template import ChatTemplate, _from_gguf
from services.llm.gguf import model_spec
from tests.recording_model_server import RecordingModelServer

# The ChatML template, as Qwen2.5's GGUF files carry it for these messages.
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
          "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
LEAVE = "How many days of annual leave do UK employees get?"
CONTINUATION = (" How many days of annual leave do UK employees get?\n"
                "1. UK employees get 25 days of annual leave a year [1].\n"
                "Conclusion: 25 days a year.\n")


def write_gguf(path, template: str | None) -> None:
    writer = GGUFWriter(str(path), "llama")
    if template is not None:
        writer.add_chat_template(template)
    writer.add_token_list(["<unk>", "<|endoftext|>", "<|im_end|>"])
    writer.add_eos_token_id(2)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_the_template_is_read_from_the_gguf_and_the_reply_is_begun_after_it(tmp_path):
    write_gguf(tmp_path / "m.gguf", CHATML)
    template = ChatTemplate.from_gguf(tmp_path / "m.gguf")
    assert template is not None and template.eos == "<|im_end|>"
    prompt = template.render([{"role": "system", "content": "S"}, {"role": "user", "content": "U"}],
                             begun="Question:")
    assert prompt == ("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"
                      "<|im_start|>assistant\nQuestion:")
    write_gguf(tmp_path / "bare.gguf", None)  # a file without a template: the chat endpoint alone
    assert ChatTemplate.from_gguf(tmp_path / "bare.gguf") is None


def test_what_was_read_is_kept_beside_the_file_until_the_file_changes(tmp_path):
    path = tmp_path / "m.gguf"
    write_gguf(path, CHATML)
    assert ChatTemplate.from_gguf(path).source == CHATML
    assert json.loads((tmp_path / "m.gguf.template.json").read_text())["template"]["source"] == CHATML
    write_gguf(path, CHATML.replace("<|im_start|>assistant", "<|im_start|>model"))  # another model, same name
    _from_gguf.cache_clear()  # as a new process would
    assert "<|im_start|>model" in ChatTemplate.from_gguf(path).source


def tokens(stream: str) -> str:
    return "".join(json.loads(event.split("\ndata: ", 1)[1])["text"]
                   for event in stream.split("\n\n") if event.startswith("event: token"))


@pytest.mark.integration
@pytest.mark.parametrize("form", ["text", "json"])
def test_the_embedded_model_continues_the_text_forms_first_label(sample_index, embedder, tmp_path, form):
    retriever = build_retriever(sample_index[0], embedder)
    write_gguf(tmp_path / model_spec(sample_index[0].embedded.model).filename, CHATML)
    settings = sample_index[0].with_values(demo_mode=True, llm_retries=0, embedded_answer_form=form,
                                           models_dir=str(tmp_path))
    reply = json.dumps({"restatement": LEAVE, "conclusion": "25 days a year.", "suggestions": [],
                        "points": [{"text": "UK employees get 25 days of annual leave a year.", "citations": [1]}]})
    with RecordingModelServer(reply, completion=CONTINUATION) as server:
        # No PERIMETER_LLM_URL: the embedded model's address, where the recording server listens.
        settings = settings.with_values(embedded_host="127.0.0.1", embedded_port=server.server_port)
        model = build_model(settings)
        assert isinstance(model, BegunReplyModel)
        client = TestClient(create_app(settings, AskPipeline(settings, retriever, model)))
        plain = client.post("/v1/ask", json={"question": LEAVE}).json()
        streamed = client.post("/v1/ask/stream", json={"question": LEAVE}).text
    if form == "text":
        begun = server.bodies("/v1/completions")
        assert len(begun) == 2 and server.bodies("/v1/chat/completions") == []
        assert all(b["prompt"].startswith("<|im_start|>system\n") for b in begun)
        assert all(b["prompt"].endswith(f"Question: {LEAVE}<|im_end|>\n<|im_start|>assistant\nQuestion:")
                   for b in begun)
        assert all(b["stop"] == ["<|im_end|>"] and "response_format" not in b for b in begun)
        assert tokens(streamed) == "Question:" + CONTINUATION  # the start we gave, then what the model wrote
    else:  # the control: the JSON form is not begun, it goes to the chat endpoint with its grammar
        assert server.bodies("/v1/completions") == []
        assert [b["response_format"]["type"] for b in server.bodies("/v1/chat/completions")] == ["json_object"] * 2
    final = json.loads(streamed.split("event: answer\ndata: ", 1)[1].split("\n\n", 1)[0])
    for answer in (plain["answer"], final["answer"]):
        assert answer["restatement"] == LEAVE
        assert [(p["text"], p["citations"]) for p in answer["points"]] == [
            ("UK employees get 25 days of annual leave a year.", [1])]
        assert answer["conclusion"] == "25 days a year."


@pytest.mark.integration
def test_the_real_llama_cpp_server_continues_after_the_label_and_stops_at_the_end_of_its_turn(sample_index,
                                                                                            embedder, llm_server):
    settings = sample_index[0].with_values(demo_mode=True, llm_temperature=0.0, llm_max_tokens=300,
                                           embedded_answer_form="text", embedded_host="127.0.0.1",
                                           embedded_port=llm_server.port)
    model = build_model(settings)  # the embedded route: the real GGUF's template, the real server
    assert isinstance(model, BegunReplyModel)
    client = TestClient(create_app(settings, AskPipeline(settings, build_retriever(settings, embedder), model)))
    question = "What is the maximum nightly hotel rate I can book in Frankfurt?"
    streamed = client.post("/v1/ask/stream", json={"question": question}).text
    text = tokens(streamed)
    assert text.startswith("Question:") and "<|im_" not in text and "<|endoftext|>" not in text, text
    # The model went on from the label, on its line (the 0.5B test model may stop there: what follows is its own).
    assert text.splitlines()[0].removeprefix("Question:").strip(), text
    assert "event: answer" in streamed
