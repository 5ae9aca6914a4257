"""Assistants (issue 26) without a server: the file's validation and reloading, who may use which, the scope's rule,
the extra instructions after the fixed rules (chat and harmony), the model name, the settings."""
from __future__ import annotations

import os

import pytest

from prompts.build import EXTRA_HEADING, PromptSource, build_messages, instructions
from prompts.harmony import render_prompt
from retrieval.scope import DocumentScope
from services.assistants import (
    AssistantCatalog,
    AssistantForbidden,
    AssistantsError,
    UnknownAssistant,
    load_assistants,
)
from services.identity import User
from services.llm.base import with_model
from services.settings import Settings
from tests.fakes import ScriptedModel

TWO = """\
assistants:
  - name: hr
    title: HR policies
    documents: ["leave-policy*"]
    instructions: Say when a rule depends on the country.
    disclaimer: {en: Check with HR., zh: 请咨询人事部。}
    examples: ["How many days of leave?"]
    groups: [all]
  - name: legal
    sources: [contracts]
    disclaimer: 仅供参考，不能替代专业意见。
    groups: [legal]
    model: acme-legal-lora
"""
EMPLOYEE = User("eve", ["all"], via="proxy")
LAWYER = User("lou", ["legal"], via="proxy")


def write(path, text):
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a new mtime even within one tick
    return path


def test_the_file_is_read_in_order_with_languages_and_scopes(tmp_path):
    hr, legal = load_assistants(write(tmp_path / "a.yaml", TWO))
    assert (hr.name, hr.label, legal.label) == ("hr", "HR policies", "legal")
    assert hr.scope == DocumentScope((), ("leave-policy*",)) and legal.scope == DocumentScope(("contracts",), ())
    assert (hr.disclaimer_in("zh"), hr.disclaimer_in("en")) == ("请咨询人事部。", "Check with HR.")
    # One text is for every language; instructions likewise.
    assert legal.disclaimer_in("en") == legal.disclaimer_in("zh") == "仅供参考，不能替代专业意见。"
    assert hr.instructions_in("zh") == "Say when a rule depends on the country." and legal.instructions_in("en") == ""
    assert legal.model == "acme-legal-lora" and hr.model is None


@pytest.mark.parametrize("text,expected", [
    ("assistants: [{name: hr, colour: blue}]", "assistants[0] (hr).colour: Extra inputs are not permitted"),
    ("assistants: [{name: hr}, {name: hr}]", "two assistants are named hr"),
    ("assistants: [{name: hr, disclaimer: {fr: Attention}}]", "assistants[0] (hr).disclaimer: Value error, "
                                                              "languages are en and zh"),
    ("assistants: [{name: 'H R'}]", "assistants[0] (H R).name: String should match pattern"),
    ("assistants: []", "assistants: List should have at least 1 item"),
    ("assistants: [{name: hr", "not valid YAML"),
])
def test_a_bad_file_is_refused_naming_the_assistant_and_field(tmp_path, text, expected):
    path = write(tmp_path / "a.yaml", text)
    with pytest.raises(AssistantsError) as caught:
        load_assistants(path)
    assert str(caught.value).startswith(f"{path}: ") and expected in str(caught.value), str(caught.value)
    with pytest.raises(AssistantsError, match="cannot read it"):
        load_assistants(tmp_path / "missing.yaml")


def test_changes_are_read_again_and_a_bad_change_keeps_the_assistants_in_use(tmp_path):
    path = write(tmp_path / "a.yaml", TWO)
    catalog = AssistantCatalog(path)
    catalog.check()
    assert [a.name for a in catalog.all()] == ["hr", "legal"]
    write(path, TWO + "  - name: it\n")
    assert [a.name for a in catalog.all()] == ["hr", "legal", "it"] and catalog.error is None
    write(path, TWO + "  - name: it\n    groups: all\n")  # a string where a list belongs
    assert [a.name for a in catalog.all()] == ["hr", "legal", "it"]
    assert "assistants[2] (it).groups" in (catalog.error or "")
    write(path, TWO)
    assert [a.name for a in catalog.all()] == ["hr", "legal"] and catalog.error is None
    broken = AssistantCatalog(write(tmp_path / "b.yaml", "assistants: nope"))
    with pytest.raises(AssistantsError):  # at start-up (Container.start) a bad file stops the process
        broken.check()


def test_who_may_use_which_and_the_default(tmp_path):
    catalog = AssistantCatalog(write(tmp_path / "a.yaml", TWO))
    assert [a.name for a in catalog.usable_by(EMPLOYEE)] == ["hr"]
    assert [a.name for a in catalog.usable_by(LAWYER)] == ["legal"]
    assert catalog.choose(None, EMPLOYEE).name == "hr" and catalog.choose(None, LAWYER).name == "legal"
    assert catalog.choose("legal", LAWYER).name == "legal"
    with pytest.raises(AssistantForbidden, match="'eve' may not use the assistant 'legal'"):
        catalog.choose("legal", EMPLOYEE)
    with pytest.raises(UnknownAssistant, match="no assistant is named 'tax'"):
        catalog.choose("tax", EMPLOYEE)
    assert catalog.choose(None, User("nobody", ["visitors"])) is None  # none of theirs: answered as without any
    none = AssistantCatalog(None)
    assert none.all() == [] and none.choose(None, EMPLOYEE) is None
    with pytest.raises(UnknownAssistant):
        none.choose("hr", EMPLOYEE)


def test_a_scope_matches_source_names_paths_and_file_names():
    scope = DocumentScope(("contracts",), ("leave-policy*", "*/hr/*"))
    assert scope.matches("/srv/docs/leave-policy-zh.html", "")
    assert scope.matches("/srv/docs/hr/salaries.md", "")
    assert scope.matches("/srv/docs/nda.pdf", "contracts")
    assert not scope.matches("/srv/docs/it-security-policy.md", "handbook")
    assert not scope.matches("", "")  # a chunk that says nothing of its origin is outside every scope
    assert scope.admits({"source": "/x/leave-policy.docx"}) and not scope.admits({"source": "/x/kyc.docx"})
    assert DocumentScope().everything and DocumentScope().matches("", "")
    # A mail's attachment: in scope by its mail's name or path, or by its own name.
    assert scope.matches("/srv/docs/leave-policy-2027.eml#attachment/1/calendar.xlsx", "")
    assert scope.matches("/srv/mail/decision.eml#attachment/2/leave-policy-draft.docx", "")
    assert not scope.matches("/srv/mail/decision.eml#attachment/1/calendar.xlsx", "")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_extra_instructions_follow_the_fixed_rules_and_reach_harmony_s_developer_message(language):
    sources = [PromptSource(1, "Leave policy", "UK employees get 25 days of annual leave.")]
    plain = build_messages("How many days?", sources, language)
    assert plain[0]["content"] == instructions(language)
    extra = "Always end with: ask HR about your own case."
    messages = build_messages("How many days?", sources, language, extra_instructions=extra)
    system = messages[0]["content"]
    fixed = instructions(language).rstrip()
    # The fixed rules come whole and first; the assistant's only add to them, under a heading saying so.
    assert system.startswith(fixed) and system.index(EXTRA_HEADING[language]) > len(fixed) - 1
    assert system.rstrip().endswith(extra)
    prompt = render_prompt(messages, {"type": "object"})
    developer = prompt.split("<|start|>developer<|message|>", 1)[1].split("<|end|>", 1)[0]
    assert extra in developer and developer.index(extra) > developer.index(EXTRA_HEADING[language])
    assert "UK employees get 25 days" not in developer  # the sources stay in the user message


def test_the_model_name_is_asked_for_on_a_copy_of_the_backend():
    model = ScriptedModel("{}")
    named = with_model(model, "acme-hr-lora")
    assert named.name == "acme-hr-lora" and model.name == "scripted"
    assert named.replies is model.replies  # the same client and state, another model name
    assert with_model(model, None) is model and with_model(model, "scripted") is model


def test_settings_name_the_file_and_the_slack_channels(tmp_path, monkeypatch):
    settings = Settings(assistants_file=tmp_path / "a.yaml", slack_channel_assistants={"C0HR": "hr"})
    env = settings.environment("assistants_file", "slack_channel_assistants")
    assert env == {"PERIMETER_ASSISTANTS_FILE": str(tmp_path / "a.yaml"),
                   "PERIMETER_SLACK_CHANNEL_ASSISTANTS": '{"C0HR": "hr"}'}
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    again = Settings()
    assert again.answers.assistants_file == tmp_path / "a.yaml" and again.slack.channel_assistants == {"C0HR": "hr"}


def test_the_sample_assistants_hold_their_questions_sources():
    """samples/assistants.yaml (what `make run` serves) and the `assistant` of each sample question: its scope holds
    the question's expected sources, each assistant has questions, and every sample document is some one's."""
    from tests.conftest import REPO, SAMPLES, load_questions

    assistants = {a.name: a for a in load_assistants(REPO / "samples" / "assistants.yaml")}
    assert list(assistants) == ["all", "hr", "it", "regulations"] and assistants["all"].scope is None
    assert assistants["regulations"].label == "法规参考"
    assert assistants["regulations"].disclaimer_in("zh") == "仅供参考，不能替代专业意见。"
    questions = load_questions()
    for q in questions:
        scope = assistants[q["assistant"]].scope
        assert scope is not None and all(scope.matches(str(SAMPLES / s), "") for s in q["expected_sources"]), q["id"]
    assert {q["assistant"] for q in questions} == set(assistants) - {"all"}
    for path in SAMPLES.iterdir():
        owners = [a.name for a in assistants.values() if a.scope is not None and a.scope.matches(str(path), "")]
        assert len(owners) == 1, (path.name, owners)
