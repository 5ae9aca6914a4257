"""Assistants at the leak suite's doors (issue 26). The suite's assistants file (ASSISTANTS) makes `everyone`, which
searches everything, everyone's default, so the other attempts run as before; `restricted-folders`, which everyone may
use, searches only the HR and board folders; `hr-desk` is for the hr group alone.

An assistant narrows what its user may read and never widens it: through `restricted-folders` the outsider finds
nothing while each insider finds their own canary (the positive control); `hr-desk` is refused to the outsider at every
door (403 at the HTTP doors, a note to them alone in Slack, with no answer posted) while hana is answered through it,
her canary shown, at each of the same doors."""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.leaks.attempts import INSIDERS, OUTSIDER, Person
from tests.leaks.doors import Ask, Reply, dump, sse_events
from tests.services.slack.test_slack import signed

ASSISTANTS = """\
assistants:
  - name: everyone
    description: Everything each user may read.
  - name: restricted-folders
    description: Only the HR and board folders, for everyone (their access still applies).
    documents: ["*/hr/*", "*/board/*"]
    disclaimer: {en: "For reference only.", zh: "仅供参考。"}
  - name: hr-desk
    description: HR's own desk.
    groups: [hr]
    instructions: Answer as HR's desk.
    disclaimer: HR desk answers are for HR staff.
"""


def write_assistants(folder: Path) -> Path:
    path = folder / "assistants.yaml"
    path.write_text(ASSISTANTS, encoding="utf-8")
    return path


def ask_through(client: httpx.Client, assistant: str) -> Ask:
    """POST /v1/ask naming `assistant`; an answer through it must carry its disclaimer."""
    def ask(person: Person, question: str, conversation: str | None) -> Reply:
        r = client.post("/v1/ask", json={"question": question, "conversation_id": conversation,
                                         "assistant": assistant}, headers=person.headers)
        ok = r.status_code == 200
        if ok:
            body = r.json()
            assert body["assistant"] == assistant and body["disclaimer"], body
        return Reply(dump(r), r.json().get("conversation_id") if ok else None, ok)
    return ask


Door = Callable[[Person, str], httpx.Response]


def http_doors(client: httpx.Client, assistant: str) -> dict[str, Door]:
    """Each HTTP question door, asking through `assistant`: (person, question) -> the response."""
    def chat(stream: bool) -> Door:
        return lambda p, q: client.post("/v1/chat/completions", headers=p.headers, json={
            "model": assistant, "stream": stream, "messages": [{"role": "user", "content": q}]})
    return {
        "/v1/ask": lambda p, q: client.post("/v1/ask", json={"question": q, "assistant": assistant},
                                            headers=p.headers),
        "/v1/ask/stream": lambda p, q: client.post("/v1/ask/stream", json={"question": q, "assistant": assistant},
                                                   headers=p.headers),
        "chat-completions": chat(False),
        "chat-completions streamed": chat(True),
    }


def received_text(door: str, response: httpx.Response) -> str:
    """Everything a door's response showed; a stream's pieces joined (a text cut between two chunks is whole again)."""
    text = dump(response)
    if response.status_code != 200 or "stream" not in door:
        return text
    events = [json.loads(d) for _, d in sse_events(response.text) if d.strip() != "[DONE]"]
    if door.startswith("chat"):
        return text + "\n" + "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e.get("choices"))
    return text + "\n" + "\n".join(json.dumps(e, ensure_ascii=False) for e in events)


def slack_dm(client: httpx.Client, recorder, secret: str, person: Person, text: str, timeout_s: float = 60) -> list:
    """A direct message to the bot; the Web API calls the worker made for it (an answer posted, or a note to the
    asker alone)."""
    before = len(recorder.calls)
    event = {"type": "message", "channel_type": "im", "user": person.slack_id, "text": text,
             "channel": f"D0{person.slack_id}", "ts": f"{time.time():.6f}"}
    body = json.dumps({"type": "event_callback", "event_id": f"Ev{uuid.uuid4().hex}", "team_id": "T0LEAKS",
                       "event": event})
    response = client.post("/slack/events", content=body.encode(),
                           headers={**signed(body, secret), "Content-Type": "application/json"})
    assert response.status_code == 200, dump(response)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        calls = recorder.calls[before:]
        if any(path.endswith(("chat.postMessage", "chat.postEphemeral")) for path, _ in calls):
            return calls
        time.sleep(0.05)
    raise TimeoutError(f"no Slack reply within {timeout_s} s")


def check_refusals(client: httpx.Client, corpus, ledger, slack_api, slack_secret: str) -> None:
    """hr-desk: 403 for the outsider at every HTTP door and a refusal in Slack; hana answered at each, canary shown.
    The doors that list assistants (what the web page's picker shows, and /v1/models) list it only to hana."""
    salary, hana = corpus.secrets["salary"], INSIDERS["hr"]
    question = salary.questions[0]
    for door, call in http_doors(client, "hr-desk").items():
        refused = call(OUTSIDER, question)
        assert refused.status_code == 403, dump(refused)
        ledger.outside("assistants: refused", OUTSIDER, f"{door} through hr-desk", dump(refused))
        answered = call(hana, question)
        assert answered.status_code == 200, dump(answered)
        text = received_text(door, answered)
        assert "HR desk answers are for HR staff." in text, text[-2000:]
        assert ledger.inside("assistants: refused", hana, f"{door} through hr-desk", text, "salary").surfaced
    for person, listed in ((OUTSIDER, ["everyone", "restricted-folders"]),
                           (hana, ["everyone", "restricted-folders", "hr-desk"])):
        names = [a["name"] for a in client.get("/v1/assistants", headers=person.headers).json()["assistants"]]
        models = [m["id"] for m in client.get("/v1/models", headers=person.headers).json()["data"]]
        assert names == models == listed, (person.name, names, models)
    calls = slack_dm(client, slack_api, slack_secret, OUTSIDER, f"hr-desk: {question}")
    assert [p for p, _ in calls if p.endswith("chat.postMessage")] == [], calls  # nothing answered
    note = json.dumps(calls, ensure_ascii=False)
    assert "may not use the assistant 'hr-desk'" in note, note
    ledger.outside("assistants: refused", OUTSIDER, "slack DM through hr-desk", note)
    calls = slack_dm(client, slack_api, slack_secret, hana, f"hr-desk: {question}")
    posted = json.dumps(calls, ensure_ascii=False)
    assert "HR desk answers are for HR staff." in posted, posted[-2000:]
    assert ledger.inside("assistants: refused", hana, "slack DM through hr-desk", posted, "salary").surfaced
    assert not ledger.leaks("assistants: refused")
