"""What Slack sends, as models. A correctly signed request that does not parse into them is malformed: the webhook
answers 400 before it remembers anything of it (an event id marked seen would make Slack's retry of a good delivery
look like a duplicate), and before a missing field can fail deep in the route as a 500.

Only what Perimeter reads is required; Slack adds fields all the time, and those are ignored."""
from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.api.unicode import invalid_unicode_message, lone_surrogate

SlackId = Annotated[str, Field(min_length=1, max_length=255)]  # a user, channel or message id (ts): never empty


class MalformedPayload(ValueError):
    """The request was signed by Slack's secret but is not a payload Slack sends (→ 400)."""


class _Slack(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EventEnvelope(_Slack):
    """The body of every Events API request."""
    type: str
    challenge: str | None = None  # url_verification
    event_id: str | None = None
    event: dict[str, Any] | None = None  # event_callback: read as EventHeader, then as a QuestionEvent when it is one


class EventHeader(_Slack):
    """What tells a question from everything else the bot is subscribed to."""
    type: str
    channel_type: str | None = None
    subtype: str | None = None
    bot_id: str | None = None

    @property
    def is_question(self) -> bool:
        """A mention of the bot, or a message in a direct message with it; never a bot's post, an edit or a join."""
        asked = self.type == "app_mention" or (self.type == "message" and self.channel_type == "im")
        return asked and not self.bot_id and not self.subtype


class QuestionEvent(_Slack):
    user: SlackId
    channel: SlackId
    ts: SlackId
    thread_ts: str | None = None
    channel_type: str | None = None
    text: str = ""


class SlashCommand(_Slack):
    user_id: SlackId
    channel_id: SlackId
    text: str = ""
    channel_name: str = ""
    trigger_id: str = ""


class SlackUser(_Slack):
    id: SlackId


class SlackChannel(_Slack):
    id: str = ""


class Container(_Slack):
    channel_id: str = ""


class Action(_Slack):
    action_id: str = ""
    value: str = ""


class BlockActions(_Slack):
    """A click on a button under an answer (the 👍/👎 pair)."""
    type: str
    user: SlackUser
    channel: SlackChannel | None = None
    container: Container | None = None
    actions: list[Action] = Field(default_factory=list)

    @property
    def channel_id(self) -> str:
        return (self.channel.id if self.channel else "") or (self.container.channel_id if self.container else "")


def _json(text: str, what: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        raise MalformedPayload(f"{what} is not JSON") from None
    where = lone_surrogate(value, what)
    if where:
        raise MalformedPayload(invalid_unicode_message(where))
    return value


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPayload("the body is not UTF-8") from None


def _form(body: bytes) -> dict[str, str]:
    """A form body: percent-escapes must decode as UTF-8 too (the default would put U+FFFD in their place)."""
    try:
        return dict(parse_qsl(_utf8(body), keep_blank_values=True, encoding="utf-8", errors="strict"))
    except UnicodeDecodeError:
        raise MalformedPayload("a form field is not UTF-8") from None


def _valid(model: type[BaseModel], value: Any, what: str):
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or what}: {e['msg']}" for e in exc.errors())
        raise MalformedPayload(f"{what}: {problems}") from None


def event_request(body: bytes) -> EventEnvelope:
    envelope = _valid(EventEnvelope, _json(_utf8(body), "the body"), "the event request")
    if envelope.type == "url_verification" and envelope.challenge is None:
        raise MalformedPayload("a url_verification without its challenge")
    return envelope


def event_header(envelope: EventEnvelope) -> EventHeader:
    return _valid(EventHeader, envelope.event or {}, "the event")


def question_event(envelope: EventEnvelope) -> QuestionEvent:
    return _valid(QuestionEvent, envelope.event, "the event")


def slash_command(body: bytes) -> SlashCommand:
    return _valid(SlashCommand, _form(body), "the command")


def interaction(body: bytes) -> BlockActions | None:
    """The click of a block action; None for an interaction of another kind (nothing to do)."""
    payload = _json(_form(body).get("payload", ""), "the form field 'payload'")
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise MalformedPayload("the form field 'payload' is not an interaction")
    if payload["type"] != "block_actions":
        return None
    return _valid(BlockActions, payload, "the interaction")
