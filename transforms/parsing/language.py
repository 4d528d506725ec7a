"""Language identification with py3langid, whose model ships inside the package.

py3langid stores its model LZMA-compressed and decompresses it on every load, the largest fixed
cost of a process after the imports (see docs/performance.md). The first load therefore keeps
the decompressed arrays as `.npy` files in a cache directory (`NEWSBEAM_CACHE_DIR`, else
`$XDG_CACHE_HOME/newsbeam`, else `~/.cache/newsbeam`), keyed by the model file's digest; later
loads map them, and the pages are shared by every worker process. An unwritable cache only
costs the time: the model is then loaded the packaged way.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

from transforms.cache import cache_dir

MIN_CONFIDENCE = 0.8
MIN_WORDS = 4
_SAMPLE_CHARS = 1000
# The arrays of py3langid's model file (py3langid.modelio); `nextmove*` are the DFA tables.
_MODEL_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")
_LOG = logging.getLogger(__name__)


class LanguageChoice(NamedTuple):
    language: str | None
    warning: str | None


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import _to_array

    model_file = Path(MODEL_DIR) / MODEL_FILE
    try:
        arrays = _cached_model(model_file)
    except (OSError, ValueError, KeyError) as err:
        _LOG.warning("language model cache not used (%s); loading the packaged model", err)
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return LanguageIdentifier(
        arrays["ptc"],
        arrays["pc"],
        arrays["classes"].tolist(),
        _to_array(arrays["nextmove"]),
        arrays["out_feat"].tolist(),
        norm_probs=True,
        tk_row=_to_array(arrays["nextmove_row"]),
    )


def _cached_model(model_file: Path) -> dict:
    """The model's arrays, memory-mapped from the cache; written there on first use."""
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()[:16]
    target = cache_dir() / f"py3langid-{digest}"
    if not target.is_dir():
        _write_cache(model_file, target)
    return {name: _load_array(target / f"{name}.npy") for name in _MODEL_ARRAYS}


def _load_array(path: Path):
    import numpy as np

    return np.load(path, mmap_mode="r", allow_pickle=False)


def _write_cache(model_file: Path, target: Path) -> None:
    """Decompresses once into a temporary directory renamed into place: a reader never sees
    half a cache, and of two processes filling it at once the second's copy is dropped."""
    import lzma

    import numpy as np

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        with np.load(io.BytesIO(lzma.decompress(model_file.read_bytes()))) as model:
            for name in _MODEL_ARRAYS:
                np.save(staging / f"{name}.npy", model[name], allow_pickle=False)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already once renamed
    _LOG.info("language model decompressed into %s (once; later runs map it)", target)


def detect_language(text: str) -> tuple[str | None, float]:
    """ISO 639-1 code and probability; None when the text is too short or the model unsure."""
    sample = text[:_SAMPLE_CHARS]
    if len(sample.split()) < MIN_WORDS:
        return None, 0.0
    language, probability = _identifier().classify(sample)
    return (language if probability >= MIN_CONFIDENCE else None), float(probability)


def choose_language(header_language: str | None, text: str) -> LanguageChoice:
    """The detected language when confident, else the header's; a disagreement is a warning."""
    detected, probability = detect_language(text)
    if detected is None:
        return LanguageChoice(header_language, None)
    if header_language and header_language != detected:
        return LanguageChoice(
            detected,
            f"language_mismatch: header says {header_language!r}, text is {detected!r} "
            f"(p={probability:.2f})",
        )
    return LanguageChoice(detected, None)
