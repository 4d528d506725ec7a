import numpy as np
import pytest

from tests.helpers import fresh_cache
from transforms.parsing.language import _identifier, choose_language, detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The rail strike stranded thousands of commuters in Paris on Tuesday.", "en"),
        ("Des milliers de voyageurs sont restés bloqués mardi à Paris après la grève.", "fr"),
        ("Der Berliner Senat hat am Samstag einen neuen Mietendeckel beschlossen.", "de"),
        ("Miles de viajeros quedaron atrapados el martes en Madrid por la huelga.", "es"),
        ("Too short", None),
        ("", None),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text)[0] == language


def test_choose_language_prefers_confident_detection_and_warns_on_mismatch():
    english = "The central bank kept interest rates unchanged on Monday, citing slower inflation."
    assert choose_language("en", english) == ("en", None)
    choice = choose_language("fr", english)
    assert choice.language == "en"
    assert choice.warning.startswith("language_mismatch: header says 'fr', text is 'en'")
    assert choose_language("fr", "Bonjour") == ("fr", None)  # too short to detect: header wins
    assert choose_language(None, "ok") == (None, None)


TEXTS = [
    "The rail strike stranded thousands of commuters in Paris on Tuesday.",
    "Des milliers de voyageurs sont restés bloqués mardi à Paris après la grève.",
    "Der Berliner Senat hat am Samstag einen neuen Mietendeckel beschlossen.",
]


@pytest.fixture()
def fresh_identifier(tmp_path, monkeypatch):
    yield from fresh_cache(_identifier, tmp_path, monkeypatch)


def test_cached_model_scores_exactly_like_the_packaged_one(fresh_identifier):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    packaged = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    first = _identifier()  # decompresses into the cache
    (model_dir,) = fresh_identifier.iterdir()
    assert model_dir.name.startswith("py3langid-")
    assert sorted(p.name for p in model_dir.iterdir()) == sorted(
        f"{name}.npy" for name in ("classes", "nextmove", "nextmove_row", "out_feat", "pc", "ptc")
    )
    _identifier.cache_clear()
    second = _identifier()  # maps the cache
    assert isinstance(second.nb_ptc, np.memmap)
    for text in TEXTS:
        assert first.rank(text) == packaged.rank(text)
        assert second.rank(text) == packaged.rank(text)
    assert second.labels == packaged.labels


def test_unusable_cache_falls_back_to_the_packaged_model(fresh_identifier, caplog):
    fresh_identifier.write_text("a file where the cache directory should be")
    assert detect_language(TEXTS[1])[0] == "fr"
    assert not isinstance(_identifier().nb_ptc, np.memmap)
    assert "language model cache not used" in caplog.text
