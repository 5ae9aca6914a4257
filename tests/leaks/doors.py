"""The HTTP front doors as one call each, ask(person, question, conversation) -> Reply, and the runner that plays every
attempt through a door for the outsider (and, where the attempt names a target, for an insider of its group)."""
from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from tests.leaks.attempts import INSIDERS, OUTSIDER, Attempt, Person
from tests.leaks.corpus import Corpus
from tests.leaks.ledger import Ledger


@dataclass
class Reply:
    text: str  # everything the caller received: status, headers, body (and streamed pieces joined)
    conversation: str | None = None
    answered: bool = True  # a real answer came (an error response would prove nothing)


Ask = Callable[[Person, str, str | None], Reply]


def dump(response: httpx.Response) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return f"HTTP {response.status_code}\n{headers}\n\n{response.text}"


def sse_events(text: str) -> list[tuple[str, str]]:
    events = []
    for block in text.split("\n\n"):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, "\n".join(data)))
    return events


def api_ask(client: httpx.Client) -> Ask:
    def ask(person: Person, question: str, conversation: str | None) -> Reply:
        r = client.post("/v1/ask", json={"question": question, "conversation_id": conversation}, headers=person.headers)
        ok = r.status_code == 200
        return Reply(dump(r), r.json().get("conversation_id") if ok else None, ok)
    return ask


def api_search(client: httpx.Client) -> Ask:
    def ask(person: Person, question: str, conversation: str | None) -> Reply:
        r = client.post("/v1/search", json={"question": question}, headers=person.headers)
        return Reply(dump(r), None, r.status_code == 200)
    return ask


def api_stream(client: httpx.Client) -> Ask:
    def ask(person: Person, question: str, conversation: str | None) -> Reply:
        r = client.post("/v1/ask/stream", json={"question": question, "conversation_id": conversation},
                        headers=person.headers)
        events = sse_events(r.text) if r.status_code == 200 else []
        # Token events split the text anywhere: joined, a canary cut in two is whole again.
        tokens = "".join(json.loads(d)["text"] for name, d in events if name == "token")
        first = json.loads(events[0][1]) if events and events[0][0] == "sources" else {}
        answered = any(name == "answer" for name, _ in events)
        return Reply(dump(r) + "\n" + tokens, first.get("conversation_id"), answered)
    return ask


def chat_completions(client: httpx.Client) -> Ask:
    """Alternates plain and streamed requests. A conversation is the message list its owner sent; someone else's
    conversation token can only be sent as the (ignored) `conversation_id` and OpenAI's `user` field."""
    histories: dict[str, tuple[str, list[dict]]] = {}
    counter = itertools.count()

    def ask(person: Person, question: str, conversation: str | None) -> Reply:
        n = next(counter)
        owner, earlier = histories.get(conversation or "", (person.name, []))
        messages = (earlier if owner == person.name else []) + [{"role": "user", "content": question}]
        body = {"model": "perimeter", "messages": messages, "stream": n % 2 == 1}
        if owner != person.name:
            body.update(conversation_id=conversation, user=owner)
        r = client.post("/v1/chat/completions", json=body, headers=person.headers)
        if body["stream"]:
            pieces = [json.loads(d) for _, d in sse_events(r.text) if d.strip() != "[DONE]" and r.status_code == 200]
            content = "".join(c["choices"][0]["delta"].get("content") or "" for c in pieces if c.get("choices"))
        else:
            content = r.json()["choices"][0]["message"]["content"] if r.status_code == 200 else ""
        token = f"chat-{n}"
        histories[token] = (person.name, messages + [{"role": "assistant", "content": content}])
        return Reply(dump(r) + "\n" + content, token, r.status_code == 200 and bool(content))
    return ask


def run_attempts(door: str, ask: Ask, corpus: Corpus, ledger: Ledger, attempts: list[Attempt], *,
                 conversations: bool = True, outsider: Person = OUTSIDER,
                 insiders: dict[str, Person] = INSIDERS) -> None:
    """Every attempt by the outsider; the same questions by an insider where they must show the canary. A borrowed
    conversation is one an insider just had about the target (so its history holds the canary); the insider's own
    follow-up in it must show the canary again, the outsider's must not."""
    for attempt in attempts:
        if attempt.kind == "borrowed" and conversations:
            assert attempt.target, attempt  # a borrowed conversation is always about a target
            secret = corpus.secrets[attempt.target]
            insider = insiders[secret.group]
            first = ask(insider, secret.questions[0], None)
            ledger.inside(door, insider, secret.questions[0], first.text, secret.key)
            reply = ask(outsider, attempt.question, first.conversation)
            ledger.outside(door, outsider, attempt, reply.text, reply.answered)
            ledger.inside(door, insider, attempt, ask(insider, attempt.question, first.conversation).text, secret.key)
            continue
        conversation, texts, answered = None, [], True
        for question in attempt.turns:
            reply = ask(outsider, question, conversation)
            conversation = reply.conversation if conversations else None
            texts.append(reply.text)
            answered = answered and reply.answered
        ledger.outside(door, outsider, attempt, "\n".join(texts), answered)
        if attempt.insider_sees_it:
            assert attempt.target, attempt  # what the insider must see
            insider = insiders[corpus.secrets[attempt.target].group]
            ledger.inside(door, insider, attempt, ask(insider, attempt.question, None).text, attempt.target)


def assert_door(ledger: Ledger, door: str, minimum: int = 30) -> None:
    counts = ledger.summary()[door]
    leaks = ledger.leaks(door)
    assert not leaks, f"{door}: {len(leaks)} responses showed restricted documents: {leaks[:5]}"
    assert counts["outsider_attempts"] >= minimum, counts
    refused = [r for r in ledger.rows if r.door == door and not r.answered]
    assert not refused, f"{door}: attempts that got no answer prove nothing: {refused[:5]}"
    blind = [r for r in ledger.rows if r.door == door and r.inside and not r.surfaced]
    assert not blind, f"{door}: the insider did not see the canary, so this door could hide a leak: {blind[:5]}"
    assert counts["insider_checks"] > 0, counts
