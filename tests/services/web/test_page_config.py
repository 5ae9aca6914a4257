"""GET /web/config.json's content: the question limit and model name from the settings, the welcome and example
questions of the collection the page asks (the sample corpus's in demo mode), and a clear error for a broken file."""
from __future__ import annotations

import pytest
from fastapi import HTTPException

from services.settings import Settings
from services.web.page_config import page_config


def test_the_page_gets_the_limit_the_model_name_and_the_collections_welcome(tmp_path):
    welcome = tmp_path / "welcome.yaml"
    welcome.write_text("default:\n  welcome: Hello\n  examples:\n    - Where is the canteen?\nlegal:\n"
                       "  welcome: Ask Legal\n  examples:\n    - Which NDA template?\n    - Who signs?\n",
                       encoding="utf-8")
    settings = Settings(max_question_chars=1234, model_display_name="Acme Assistant", welcome_file=welcome,
                        collection="legal")
    config = page_config(settings)
    assert (config.max_question_chars, config.model_name, config.collection) == (1234, "Acme Assistant", "legal")
    assert config.welcome == "Ask Legal" and config.examples == ["Which NDA template?", "Who signs?"]
    other = page_config(settings.with_values(collection="finance"))
    assert other.welcome is None and other.examples == []  # a collection the file does not name: no examples


def test_demo_mode_shows_the_sample_corpus_examples_and_production_none():
    demo = page_config(Settings(demo_mode=True))
    assert "How do I report a phishing email?" in demo.examples and demo.welcome
    assert page_config(Settings(demo_mode=False, admin_token="x" * 32)).examples == []
    assert page_config(Settings()).model_name is None  # the page then names the model each answer came from


@pytest.mark.parametrize("text", ["- just\n- a list\n", "default:\n  examples: 7\n", "default: [unclosed\n"])
def test_a_broken_welcome_file_is_an_error_that_names_it(tmp_path, text):
    broken = tmp_path / "welcome.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(HTTPException) as caught:
        page_config(Settings(welcome_file=broken))
    assert caught.value.status_code == 500 and str(broken) in caught.value.detail
    assert "PERIMETER_WELCOME_FILE" in caught.value.detail
