"""Answering Slack questions off the request path: the webhook acknowledges at once, this task posts the answer."""
from __future__ import annotations

import uuid

from slack_sdk import WebClient

from services.answering import AskPipeline
from services.assistants import AssistantForbidden, UnknownAssistant
from services.slack.answers import remember_answer
from services.slack.blocks import answer_blocks, fallback_text
from services.slack.users import is_direct_message, reading_in_channel, slack_email, slack_user
from services.worker.celery_app import app, worker_container


def pipeline() -> AskPipeline:
    """The worker's pipeline (its conversations in Redis: services/worker/celery_app.worker_container)."""
    return worker_container().pipeline


def slack_client() -> WebClient:
    settings = worker_container().settings
    return WebClient(token=settings.slack.bot_token, base_url=settings.slack.api_url)


@app.task(name="perimeter.slack_answer", acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True,
          max_retries=3)
def slack_answer(channel: str, thread_ts: str, user_id: str, question: str, direct: bool | None = None,
                 assistant: str | None = None) -> str:
    """Answer in the thread; the thread is the conversation, so follow-ups there see its earlier turns.

    Everyone in a channel reads the answer, so there it uses only the asker's groups that channels may read
    (slack_channel_groups); the asker's own groups only in a direct message with the bot. `direct` is what the
    webhook saw; tasks queued without it (by an older API) go by the channel id. Either way a channel id that is not
    a direct message's is answered for the channel.

    `assistant`: the one asked for (none: the default of whoever reads the answer). One they may not use is refused,
    to the asker alone, and nothing is answered: in a channel it is the channel's groups that must allow it."""
    settings = worker_container().settings
    direct = is_direct_message(channel) and (direct is None or bool(direct))
    asker = slack_user(user_id, settings.slack.users_file, settings.slack.default_groups)
    directory = worker_container().directory
    if directory is not None:  # the same groups as at the other doors (services/auth/directory.py)
        email = slack_email(user_id, settings.slack.users_file) or ""
        asker = directory.apply(asker, list(settings.auth.admin_groups), looked_up_as=email)
    user = asker if direct else reading_in_channel(asker, settings.slack.channel_groups)
    try:
        chosen = worker_container().assistants.choose(assistant, user)
    except (AssistantForbidden, UnknownAssistant) as exc:
        slack_client().chat_postEphemeral(channel=channel, user=user_id, text=f"Not answered: {exc}.")
        return ""
    response = pipeline().answer(question, user, conversation_id=f"slack:{channel}:{thread_ts}", assistant=chosen)
    withheld = set(asker.groups) - set(user.groups)  # the asker might find more in a direct message
    answer_id = uuid.uuid4().hex
    remember_answer(worker_container().redis(), answer_id, {
        "question": question, "conversation_id": response.conversation_id, "model": response.model,
        "sources": [s.doc_id for s in response.sources], "slack_user": user_id,
        "channel": channel})  # who received it: that channel's members (services/slack/answers.received)
    slack_client().chat_postMessage(channel=channel, thread_ts=thread_ts, text=fallback_text(response),
                                    blocks=answer_blocks(response, answer_id, direct_message_hint=bool(withheld)),
                                    # No previews: Slack would fetch a URL a document or the model put in the text.
                                    unfurl_links=False, unfurl_media=False)
    return answer_id


@app.task(name="perimeter.slack_feedback_thanks", acks_late=True, autoretry_for=(ConnectionError,),
          retry_backoff=True, max_retries=3)
def slack_feedback_thanks(channel: str, user_id: str, rating: str) -> None:
    """Tell the clicker (only them) that their rating was stored."""
    slack_notice(channel, user_id, f"Thanks, your {'👍' if rating == 'up' else '👎'} was recorded.")


@app.task(name="perimeter.slack_notice", acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True,
          max_retries=3)
def slack_notice(channel: str, user_id: str, text: str) -> None:
    """A message only the asker sees (e.g. that they asked too often)."""
    slack_client().chat_postEphemeral(channel=channel, user=user_id, text=text)
