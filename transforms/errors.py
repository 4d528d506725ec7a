"""Stable error codes for inputs that cannot become articles."""

from __future__ import annotations

EMPTY = "empty"  # zero bytes, or only whitespace after decoding
BINARY = "binary"  # not text: NUL bytes, control characters, known binary signatures
DECODE = "decode"  # bytes that no supported text encoding decodes
NO_BODY = "no_body"  # a header with no article text after it
READ = "read"  # the file could not be read at all (permissions, vanished)
TOO_LARGE = "too_large"  # the body is longer than --max-chars
JSON_INVALID = "json_invalid"  # truncated or malformed JSON, or JSON that is not an object
HEADER_INVALID = "header_invalid"  # a YAML front matter that does not parse to a mapping

ERROR_CODES = (EMPTY, BINARY, DECODE, NO_BODY, READ, TOO_LARGE, JSON_INVALID, HEADER_INVALID)


class InputError(Exception):
    """Raised by the pure parsing functions; the DoFns turn it into an `ErrorRecord`."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
