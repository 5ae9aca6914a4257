"""Structured logs: one JSON object a line (python-json-logger), each carrying the request id of the request it was
written during. Messages never hold document text or the model's analysis channel; the code that logs only logs
sizes, counts and error summaries."""
from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from services.observability import context

_HANDLER_NAME = "perimeter"


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or None outside a request) on every record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get()
        record.__dict__.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter("{levelname}{name}{message}{request_id}", style="{", timestamp="time",
                         rename_fields={"levelname": "level", "name": "logger"}, json_ensure_ascii=False)


def text_formatter() -> logging.Formatter:
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure_logging(log_format: str = "json", level: str = "INFO", stream=None) -> logging.Handler:
    """One handler on the root logger (replacing a previous one of ours and plain stream handlers such as
    basicConfig's); uvicorn's loggers hand their records to it, and its access log is off because the request
    middleware writes its own access line with the request id. Returns the handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(json_formatter() if log_format == "json" else text_formatter())
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    return handler
