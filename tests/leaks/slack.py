"""Slack as its users reach it: signed Events API webhooks (mentions in a channel thread, direct messages) and the /ask
slash command, answered by a real Celery worker that posts to a local stand-in for Slack's Web API. What counts as
received: the webhook's own reply and every Web API call made while the question was answered."""
from __future__ import annotations

import itertools
import json
import time
import uuid
from urllib.parse import urlencode

import httpx

from tests.leaks.attempts import Person
from tests.leaks.doors import Reply, dump
from tests.test_slack import signed

def users_yaml(people: list[Person]) -> str:
    """slack_users_file: Slack user id → groups."""
    return "users:\n" + "".join(f"  {p.slack_id}: [{', '.join(p.groups)}]\n" for p in people)


class SlackDoor:
    """A conversation is "mention|channel|thread", "dm|channel|thread" or "cmd|channel" (the slash command answers in
    the channel, where the conversation is the channel)."""

    def __init__(self, client: httpx.Client, recorder, secret: str, timeout_s: float = 60):
        self.client, self.recorder, self.secret, self.timeout_s = client, recorder, secret, timeout_s
        self._n = itertools.count(1)
        self.last_calls: list = []

    def _post(self, path: str, body: str, content_type: str) -> httpx.Response:
        return self.client.post(path, content=body.encode("utf-8"),
                                headers={**signed(body, self.secret), "Content-Type": content_type})

    def ask(self, person: Person, question: str, conversation: str | None) -> Reply:
        n = next(self._n)
        kind, channel, thread = (conversation.split("|") + [""])[:3] if conversation else (
            ("mention", "C0LEAKS", ""), ("dm", f"D0{person.slack_id}", ""), ("cmd", f"C0CMD{n}", ""))[n % 3]
        before = len(self.recorder.calls)
        if kind == "cmd":
            form = urlencode({"command": "/ask", "text": question, "user_id": person.slack_id, "channel_id": channel,
                              "trigger_id": f"trigger-{uuid.uuid4().hex}"})
            response = self._post("/slack/commands", form, "application/x-www-form-urlencoded")
            token = f"cmd|{channel}"
        else:
            ts = f"{1700000000 + n}.000100"
            thread = thread or ts
            event = {"type": "app_mention", "user": person.slack_id, "text": f"<@U0BOT> {question}",
                     "channel": channel, "ts": ts, "thread_ts": thread}
            if kind == "dm":
                event.update(type="message", channel_type="im", text=question)
            body = json.dumps({"type": "event_callback", "event_id": f"Ev{uuid.uuid4().hex}", "team_id": "T0LEAKS",
                               "event": event})
            response = self._post("/slack/events", body, "application/json")
            token = f"{kind}|{channel}|{thread}"
        assert response.status_code == 200, dump(response)
        calls = self._wait_for_answer(before)
        self.last_calls = calls
        return Reply(dump(response) + "\n" + json.dumps(calls, ensure_ascii=False), token)

    def last_answer_id(self) -> str:
        """The answer id behind the 👍/👎 buttons of the last answer posted."""
        (post,) = [body for path, body in self.last_calls if path.endswith("chat.postMessage")]
        (actions,) = [b for b in post["blocks"] if b["type"] == "actions"]
        return actions["elements"][0]["value"]

    def click(self, person: Person, answer_id: str, channel: str = "C0LEAKS") -> str:
        """`person` presses 👎 under an answer; everything they are sent back (the thanks is posted by the worker)."""
        before = len(self.recorder.calls)
        payload = {"type": "block_actions", "user": {"id": person.slack_id}, "channel": {"id": channel},
                   "actions": [{"action_id": "feedback_down", "block_id": f"feedback:{answer_id}", "value": answer_id}]}
        form = urlencode({"payload": json.dumps(payload)})
        response = self._post("/slack/interactions", form, "application/x-www-form-urlencoded")
        assert response.status_code == 200, dump(response)
        deadline = time.monotonic() + self.timeout_s
        while not self.recorder.calls[before:] and time.monotonic() < deadline:
            time.sleep(0.05)
        return dump(response) + "\n" + json.dumps(self.recorder.calls[before:], ensure_ascii=False)

    def _wait_for_answer(self, before: int) -> list:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            calls = self.recorder.calls[before:]
            if any(path.endswith("chat.postMessage") for path, _ in calls):
                return calls
            time.sleep(0.05)
        raise TimeoutError(f"no Slack answer within {self.timeout_s} s")
