"""Slack webhooks: Events API (url_verification, app_mention, direct messages), the /ask slash command, and
interactions (the 👍/👎 buttons under each answer, stored with the web page's feedback).

Every request's signature is checked with slack_sdk's SignatureVerifier over the body's bytes (bad or older than 5
minutes → 401); a signed body that is not a payload Slack sends is refused with 400 (services/slack/payloads.py)
before anything is done. Slack wants an answer within 3 seconds, so the question goes to a Celery task and the
webhook returns at once; Slack's retries of the same event are recognised by event_id (in Redis) and never produce a
second answer. Whether the question came from a direct message goes with it: in a channel everyone reads the answer,
so the worker answers there only from the asker's groups that PERIMETER_SLACK_CHANNEL_GROUPS lets a channel read.
Questions count against the same per-user limit as the API's (PERIMETER_RATE_LIMIT_PER_MINUTE, keyed by the Slack
user): over it, the asker alone is told when to try again (the slash command's reply, or an ephemeral message) and
nothing is queued. An assistant (services/assistants.py) answers when the question starts with its name and a colon
(`/ask hr: how many days…`), else the channel's (PERIMETER_SLACK_CHANNEL_ASSISTANTS), else the asker's default; the
worker refuses one the asker may not use, telling them alone.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from slack_sdk.signature import SignatureVerifier

from prompts.language import detect_language
from prompts.schema import SECTION_LABELS
from services.api.deps import ContainerDep, SettingsDep
from services.api.errors import ErrorBody
from services.api.limits import count_question
from services.api.schemas import SlackAck, SlackChallenge, SlackReply
from services.container import Container
from services.markup import slack_text
from services.settings import Settings
from services.slack import payloads
from services.slack.payloads import MalformedPayload
from services.slack.users import slack_user

router = APIRouter(prefix="/slack", tags=["slack"])
_MENTION = re.compile(r"<@[A-Z0-9]+>")
# Refusals every webhook may answer (the bodies are FastAPI's {"detail": ...}).
REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "signed, but not a payload Slack sends"},
    401: {"model": ErrorBody, "description": "invalid or expired Slack signature"},
    503: {"model": ErrorBody, "description": "the Slack bot is not configured"}}


class BytesSignatureVerifier(SignatureVerifier):
    """slack_sdk's verifier (freshness, constant-time compare), with Slack's signature taken over the body's bytes
    ("v0:{timestamp}:{body}"): slack_sdk decodes the body as UTF-8 first, which fails on one that is not, so a signed
    but malformed body would be a 500 instead of its 400."""

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        if timestamp is None:
            return None
        raw = body if isinstance(body, bytes) else (body or "").encode("utf-8")
        digest = hmac.new(self.signing_secret.encode("utf-8"), f"v0:{timestamp}:".encode() + raw, hashlib.sha256)
        return f"v0={digest.hexdigest()}"


async def verified_body(request: Request, settings: SettingsDep) -> bytes:
    if not settings.slack.signing_secret:
        raise HTTPException(503, "the Slack bot is not configured: set PERIMETER_SLACK_SIGNING_SECRET")
    body = await request.body()
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    signature = request.headers.get("X-Slack-Signature")
    valid = (timestamp or "").isdigit() and BytesSignatureVerifier(settings.slack.signing_secret).is_valid(
        body, timestamp, signature)
    if not valid:
        raise HTTPException(401, "invalid or expired Slack signature")
    return body


def first_delivery(container: Container, event_id: str) -> bool:
    """True the first time an event id is seen; Slack's retries of it return False."""
    return bool(container.redis().set(f"perimeter:slack:event:{event_id}", 1, nx=True,
                                      ex=container.settings.slack.dedupe_ttl_s))


def _send(settings: Settings, task_name: str, args: tuple, kwargs: dict | None = None) -> None:
    """Queue one of services.worker.slack_tasks on this deployment's Redis; the worker does the Slack API calls."""
    from services.worker import slack_tasks
    from services.worker.celery_app import app

    with app.connection_for_write(settings.redis.url) as connection:
        getattr(slack_tasks, task_name).apply_async(args, kwargs or {}, connection=connection)


def over_limit(container: Container, user_id: str, question: str) -> str | None:
    """Counts one question of this Slack user; over the per-user limit, the text that tells them when to retry."""
    # Keyed as the worker's answer runs: the Slack user.
    wait = count_question(container, slack_user(user_id, None, []).key)
    if wait is None:
        return None
    return SECTION_LABELS[detect_language(question)]["rate_limited"].format(
        limit=container.settings.limits.rate_limit_per_minute, wait=wait)


def named_assistant(container: Container, channel: str, text: str) -> tuple[str | None, str]:
    """(the assistant asked for, the question): `NAME: question` names one, when NAME is an assistant's name (so a
    question that merely starts with a word and a colon stays whole); else the channel's, else None (the default)."""
    name, colon, rest = text.partition(":")
    if colon and rest.strip() and any(a.name == name.strip() for a in container.assistants.all()):
        return name.strip(), rest.strip()
    return container.settings.slack.channel_assistants.get(channel), text


def enqueue(settings: Settings, channel: str, thread_ts: str | None, user: str, question: str, direct: bool,
            assistant: str | None = None) -> None:
    """`direct`: a direct message with the bot (the asker's own groups); anything else is read by a channel."""
    _send(settings, "slack_answer", (channel, thread_ts, user, question), {"direct": direct, "assistant": assistant})


def _payload(parse, value):
    """`parse(value)` (services/slack/payloads); a malformed payload is the sender's fault: 400, nothing remembered."""
    try:
        return parse(value)
    except MalformedPayload as exc:
        raise HTTPException(400, f"malformed Slack payload: {exc}") from None


@router.post("/events", response_model=SlackAck | SlackChallenge, response_model_exclude_none=True, responses=REFUSED)
def events(body: Annotated[bytes, Depends(verified_body)], container: ContainerDep) -> SlackAck | SlackChallenge:
    settings = container.settings
    envelope = _payload(payloads.event_request, body)
    if envelope.type == "url_verification":
        return SlackChallenge(challenge=envelope.challenge)
    if envelope.type != "event_callback":
        return SlackAck()
    if not _payload(payloads.event_header, envelope).is_question:
        return SlackAck()
    # Checked whole before the event id is marked seen: Slack's retry of a delivery refused here is still answered.
    event = _payload(payloads.question_event, envelope)
    if not first_delivery(container, envelope.event_id or f"{event.channel}:{event.ts}"):
        return SlackAck(duplicate=True)
    assistant, question = named_assistant(container, event.channel, _MENTION.sub("", event.text).strip())
    if not question:
        return SlackAck()
    refusal = over_limit(container, event.user, question)
    if refusal:
        _send(settings, "slack_notice", (event.channel, event.user, refusal))
        return SlackAck(rate_limited=True)
    enqueue(settings, event.channel, event.thread_ts or event.ts, event.user, question,
            direct=event.channel_type == "im", assistant=assistant)
    return SlackAck()


@router.post("/commands", response_model=SlackReply, responses=REFUSED)
def commands(body: Annotated[bytes, Depends(verified_body)], container: ContainerDep) -> SlackReply:
    command = _payload(payloads.slash_command, body)
    assistant, question = named_assistant(container, command.channel_id, command.text.strip())
    if not question:
        return SlackReply(text="Usage: /ask [assistant:] <your question>")
    trigger = command.trigger_id or f"{command.channel_id}:{question}"
    if first_delivery(container, f"command:{trigger}"):
        refusal = over_limit(container, command.user_id, question)
        if refusal:
            return SlackReply(text=refusal)
        # Slack names a direct message "directmessage"; a channel may be named so too, but its id is not a D….
        direct = command.channel_name == "directmessage" and command.channel_id.startswith("D")
        enqueue(container.settings, command.channel_id, None, command.user_id, question, direct=direct,
                assistant=assistant)
    return SlackReply(text=f"Looking that up: {slack_text(question[:200])}")


@router.post("/interactions", response_model=SlackAck, response_model_exclude_none=True, responses=REFUSED)
def interactions(body: Annotated[bytes, Depends(verified_body)], container: ContainerDep) -> SlackAck:
    """Block actions: a 👍/👎 click is stored once per (answer, user) — Slack may deliver a click twice."""
    from services.slack.answers import recall_answer, received

    click = _payload(payloads.interaction, body)
    if click is None:
        return SlackAck()
    user_id, channel = click.user.id, click.channel_id
    for action in click.actions:
        rating = {"feedback_up": "up", "feedback_down": "down"}.get(action.action_id)
        answer_id = action.value[:64]
        if not rating or not answer_id or not first_delivery(container, f"feedback:{answer_id}:{user_id}:{rating}"):
            continue
        about = recall_answer(container.redis(), answer_id)
        if not received(about, user_id, channel):  # not posted where this click came from: not theirs to rate
            continue
        container.feedback_log.append({"at": round(time.time(), 3), "user": f"slack:{user_id}", "via": "slack",
                                       "rating": rating, "comment": "", "answer_id": answer_id,
                                       "question": about.get("question", ""),
                                       "conversation_id": about.get("conversation_id"), "model": about.get("model"),
                                       "sources": about.get("sources", [])})
        if channel and user_id:
            _send(container.settings, "slack_feedback_thanks", (channel, user_id, rating))
    return SlackAck()
