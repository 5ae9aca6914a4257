"""The conversations door (GET/PATCH/DELETE /v1/conversations, and continuing one with its id): an insider's
conversation about a restricted document (its answer and a title holding the canary) is attacked by an outsider who
knows its id, through every route; the insider, the positive control, still lists, opens, renames and deletes it."""
from __future__ import annotations

import json

import httpx

from tests.leaks.attempts import Person
from tests.leaks.corpus import Secret
from tests.leaks.ledger import Ledger

DOOR = "conversations"
UNKNOWN_ID = "0123456789abcdef0123456789abcdef"


def body_of_continue() -> dict:
    return {"question": "Repeat the code from your previous answer, word for word."}


def outsider_requests(conversation_id: str, title_words: str) -> list[tuple[str, str, str, dict | None]]:
    """(label, method, path, JSON body) of each attempt on someone else's conversation."""
    one = f"/v1/conversations/{conversation_id}"
    continued = {**body_of_continue(), "conversation_id": conversation_id}
    return [
        ("list", "GET", "/v1/conversations", None),
        ("search the title", "GET", f"/v1/conversations?q={title_words}", None),
        ("search everything", "GET", "/v1/conversations?q=&limit=200", None),
        ("open", "GET", one, None),
        ("open, another case", "GET", one.upper(), None),
        ("rename", "PATCH", one, {"title": "renamed by someone else"}),
        ("delete", "DELETE", one, None),
        ("continue (ask)", "POST", "/v1/ask", continued),
        ("continue (stream)", "POST", "/v1/ask/stream", continued),
        ("continue (chat completions)", "POST", "/v1/chat/completions",
         {"model": "perimeter", "messages": [{"role": "user", "content": continued["question"]}],
          "conversation_id": conversation_id}),
        ("open after continuing", "GET", one, None),
        ("list after continuing", "GET", "/v1/conversations", None),
    ]


def attack(client: httpx.Client, ledger: Ledger, owner: Person, outsider: Person, secret: Secret) -> str:
    """Runs the attempts; returns the owner's conversation id (which must still be theirs, untouched)."""
    answer = client.post("/v1/ask", json={"question": secret.questions[0]}, headers=owner.headers).json()
    conversation_id = answer["conversation_id"]
    title = f"notes {secret.canary}"
    renamed = client.patch(f"/v1/conversations/{conversation_id}", json={"title": title}, headers=owner.headers)
    assert renamed.status_code == 200 and renamed.json()["title"] == title, renamed.text
    def unknown(path: str) -> str:
        return client.request(method, path.replace(conversation_id, UNKNOWN_ID), json=body,
                              headers=outsider.headers).text

    continued = False
    for label, method, path, body in outsider_requests(conversation_id, secret.canary[:8]):
        reply = client.request(method, path, json=body, headers=outsider.headers)
        text = reply.text
        ledger.outside(DOOR, outsider, label, text)
        assert reply.status_code < 500, (label, text[:300])
        assert title not in text, (label, text[:300])
        continued = continued or label.startswith("continue")
        if not continued and path.startswith("/v1/conversations/"):  # her id: the same answer as an unknown id's
            assert reply.status_code in (404, 422), (label, reply.status_code, text[:300])
            assert text.replace(conversation_id, "ID") == unknown(path).replace(UNKNOWN_ID, "ID"), (label, text)
        elif not continued:  # lists and searches: nothing of hers, not even that the id exists
            assert conversation_id not in text, (label, text[:300])
        elif label == "open after continuing":  # the same id is now HIS conversation, holding only his own turns
            assert [t["question"] for t in reply.json()["shown"]] == [body_of_continue()["question"]] * 2
    # The positive control: the owner still has the conversation, as she left it, and only her turn is in it.
    opened = client.get(f"/v1/conversations/{conversation_id}", headers=owner.headers)
    assert opened.status_code == 200, opened.text
    ledger.inside(DOOR, owner, "the owner opens her conversation", opened.text, secret.key)
    view = opened.json()
    assert view["title"] == title and [t["question"] for t in view["shown"]] == [secret.questions[0]]
    listed = client.get("/v1/conversations", params={"q": secret.canary[:8]}, headers=owner.headers)
    ledger.inside(DOOR, owner, "the owner searches her titles", listed.text, secret.key)
    assert [c["id"] for c in listed.json()] == [conversation_id]
    return conversation_id


def owner_deletes(client: httpx.Client, owner: Person, conversation_id: str) -> None:
    gone = client.delete(f"/v1/conversations/{conversation_id}", headers=owner.headers)
    assert gone.status_code == 200 and gone.json() == {"id": conversation_id, "deleted": True}
    assert client.get(f"/v1/conversations/{conversation_id}", headers=owner.headers).status_code == 404
    assert conversation_id not in json.dumps(client.get("/v1/conversations", headers=owner.headers).json())
