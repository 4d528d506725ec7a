"""Bytes to text: BOMs, UTF-8, legacy single-byte encodings, and binary detection."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from transforms.errors import BINARY, DECODE, EMPTY, InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BINARY_SIGNATURES = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"PK\x03\x04",  # zip, docx, xlsx
    b"\x1f\x8b",  # gzip
    b"\x7fELF",
)
_SNIFF_BYTES = 8192
_MAX_CONTROL_RATIO = 0.05
# C0 controls other than \t \n \v \f \r (0x09-0x0d), counted by one regex scan.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f]")


def decode_bytes(data: bytes) -> str:
    """Decodes a raw file's bytes to text, or raises `InputError` (empty, binary, decode)."""
    if not data.strip():
        raise InputError(EMPTY, "the file is empty or contains only whitespace")
    text = _decode_with_bom(data)
    if text is None:
        _reject_binary(data)
        text = _decode_without_bom(data)
    if _control_ratio(text[:_SNIFF_BYTES]) > _MAX_CONTROL_RATIO:
        raise InputError(BINARY, "the file decodes to mostly control characters; it is not text")
    if not text.strip():
        raise InputError(EMPTY, "the file contains only whitespace")
    return text


def _decode_with_bom(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as err:
                raise InputError(
                    DECODE, f"the file starts with a {encoding} BOM but {err}"
                ) from err
    return None


def _reject_binary(data: bytes) -> None:
    head = data[:_SNIFF_BYTES]
    if head.startswith(_BINARY_SIGNATURES):
        raise InputError(
            BINARY, "the file has the signature of a binary format (PDF, image, archive)"
        )
    if b"\x00" in head:
        raise InputError(BINARY, "the file contains NUL bytes and no UTF-16 BOM; it is not text")


def _decode_without_bom(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise InputError(DECODE, "the bytes are not UTF-8 and no known text encoding fits them")
    return str(best)


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    return len(_CONTROLS.findall(text)) / len(text)
