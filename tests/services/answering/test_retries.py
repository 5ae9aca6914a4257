"""Retries with backoff for transient model-server errors only (no model, no index)."""
import pytest

from services.llm.base import ModelTimeout, ModelUnavailable, with_retries


def flaky(*outcomes):
    calls = []

    def call():
        calls.append(1)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return call, calls


def test_transient_errors_are_retried_then_succeed():
    call, calls = flaky(ModelUnavailable("503", transient=True), ModelUnavailable("refused", transient=True), "ok")
    assert with_retries(call, retries=2, backoff_s=0.01) == "ok" and len(calls) == 3


@pytest.mark.parametrize("error", [ModelUnavailable("HTTP 400"), ModelTimeout("slow")])
def test_permanent_errors_and_timeouts_are_not_retried(error):
    call, calls = flaky(error, "ok")
    with pytest.raises(type(error)):
        with_retries(call, retries=3, backoff_s=0.01)
    assert len(calls) == 1


def test_retries_run_out():
    call, calls = flaky(*[ModelUnavailable("down", transient=True)] * 3)
    with pytest.raises(ModelUnavailable):
        with_retries(call, retries=2, backoff_s=0.01)
    assert len(calls) == 3
