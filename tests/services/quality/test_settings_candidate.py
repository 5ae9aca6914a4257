"""A settings change as a candidate: `perimeter eval --candidate-env FILE` asks the golden set with the changed
settings (another model server, another prompts folder) and compares it with the last accepted run. A model server
that answers badly (a recording stand-in with an empty answer) is refused, exit 1; one that answers as the accepted
one did (a second echo model server) passes; both decisions are in the gate list the analytics page shows."""
from __future__ import annotations

import json

import pytest

from services.quality.gate import decisions
from tests.leaks.echo_model import EchoModelServer
from tests.quality_support import quality_corpus_fixture  # noqa: F401  (registers the fixture)
from tests.recording_model_server import RecordingModelServer

pytestmark = pytest.mark.integration
EMPTY_ANSWER = json.dumps({"restatement": "A question.", "points": [], "conclusion": "I cannot say.",
                           "suggestions": []})
MARKER = "PROMPTS-FOLDER-MARKER-3141"


def test_a_worse_model_is_refused_and_an_equal_one_passes(quality_corpus, tmp_path, capsys):
    from services.cli import build_parser

    seed = tmp_path / "seed.jsonl"
    seed.write_text("".join(json.dumps(c) + "\n" for c in (
        {"id": "soup", "question": "When is soup served in the canteen?", "expected_sources": ["menu.md"],
         "answer_keywords": ["Fridays"]},
        {"id": "pay", "question": "When is pay day?", "expected_sources": ["pay.md"], "answer_keywords": ["25th"],
         "groups": ["hr", "all"]})))
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "instructions_en.md").write_text(f"{MARKER}: answer from the sources only, as JSON.\n"
                                                "{{quote_rule}}{{point_quotes}}\n")

    def run(*argv: str) -> tuple[int, str]:
        args = build_parser().parse_args(["eval", *argv])
        code = args.func(args, settings)
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    with EchoModelServer() as echo, EchoModelServer() as same, RecordingModelServer(EMPTY_ANSWER) as bad:
        settings = quality_corpus.settings.with_values(golden_seed=seed, llm_url=echo.url, llm_retries=0)
        code, out = run("--accept")
        assert code == 0 and "accepted as the baseline" in out, out

        (tmp_path / "bad.env").write_text(f"PERIMETER_LLM_URL={bad.url}\nPERIMETER_PROMPTS_DIR={prompts}\n")
        code, out = run("--candidate-env", str(tmp_path / "bad.env"))
        assert code == 1, out
        assert "REFUSED (worse:" in out and "facts" in out and "gate=fail" in out, out
        assert f"PERIMETER_LLM_URL={bad.url}" in out
        system = [b["messages"][0]["content"] for b in bad.bodies("/v1/chat/completions")]
        assert system and all(MARKER in s for s in system)  # the candidate's prompts folder reached the model

        (tmp_path / "same.env").write_text(f"# the same model, another server\nPERIMETER_LLM_URL={same.url}\n")
        code, out = run("--candidate-env", str(tmp_path / "same.env"))
        assert code == 0 and "passed" in out and "gate=pass" in out, out
        assert same.requests >= 2

        (tmp_path / "reindex.env").write_text("PERIMETER_EMBEDDING_MODEL=other\n")
        code, out = run("--candidate-env", str(tmp_path / "reindex.env"))
        assert code == 2 and "needs a re-index" in out, out

    passed, refused = decisions(settings.storage.data_dir)[:2]
    assert (refused.kind, refused.published, passed.kind, passed.published) == ("settings", False, "settings", True)
    assert refused.candidate == "bad.env" and set(refused.changes) == {"PERIMETER_LLM_URL", "PERIMETER_PROMPTS_DIR"}
    assert passed.comparison.baseline == refused.comparison.baseline  # both against the accepted run; nothing switched


def test_an_embedded_model_setting_may_be_tried_an_embedding_one_may_not():
    from services.quality.settings_candidate import CandidateSettingsError, candidate_settings
    from services.settings import Settings

    changed, shown = candidate_settings(Settings(), {"PERIMETER_EMBEDDED_ANSWER_FORM": "text"})
    assert changed.embedded.answer_form == "text" and shown == {"PERIMETER_EMBEDDED_ANSWER_FORM": "text"}
    with pytest.raises(CandidateSettingsError, match="needs a re-index"):
        candidate_settings(Settings(), {"PERIMETER_EMBEDDING_MODEL": "other"})
