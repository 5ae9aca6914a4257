"""Answering Slack questions off the request path: the webhook acknowledges at once, this task posts the answer."""
from __future__ import annotations

import uuid

from slack_sdk import WebClient

from services.settings import get_settings
from services.slack.blocks import answer_blocks, fallback_text
from services.slack.users import slack_user
from services.worker.celery_app import app

settings = get_settings()
_pipeline = None


def pipeline():
    global _pipeline
    if _pipeline is None:
        from services.components import build_pipeline

        _pipeline = build_pipeline(settings)
    return _pipeline


def slack_client() -> WebClient:
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)


@app.task(name="perimeter.slack_answer", acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True,
          max_retries=3)
def slack_answer(channel: str, thread_ts: str, user_id: str, question: str) -> str:
    """Answer in the thread; the thread is the conversation, so follow-ups there see its earlier turns."""
    user = slack_user(user_id, settings.slack_users_file, settings.slack_default_groups)
    response = pipeline().ask(question, user, conversation_id=f"slack:{channel}:{thread_ts}")
    answer_id = uuid.uuid4().hex
    slack_client().chat_postMessage(channel=channel, thread_ts=thread_ts, text=fallback_text(response),
                                    blocks=answer_blocks(response, answer_id), unfurl_links=False)
    return answer_id
