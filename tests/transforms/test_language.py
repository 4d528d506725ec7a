import pytest

from transforms.language import choose_language, detect_language


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
