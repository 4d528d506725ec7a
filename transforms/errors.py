"""Stable error codes for inputs that cannot become articles, and the exception that carries
one out of the pure parsing functions (the stages turn it into an `ErrorRecord` row)."""

from __future__ import annotations

from schemas import ErrorRecord

EMPTY = "empty"  # zero bytes, or only whitespace after decoding
BINARY = "binary"  # not text: NUL bytes, control characters, known binary signatures
DECODE = "decode"  # bytes that no supported text encoding decodes
NO_BODY = "no_body"  # a header with no article text after it
READ = "read"  # the file could not be read at all (permissions, vanished)
TOO_LARGE = "too_large"  # the body is longer than --max-chars
JSON_INVALID = "json_invalid"  # truncated or malformed JSON, or JSON that is not an object
HEADER_INVALID = "header_invalid"  # a YAML front matter that does not parse to a mapping
INTERNAL = "internal"  # an unexpected failure while processing one record (a bug, not bad input)

ERROR_CODES = (
    EMPTY, BINARY, DECODE, NO_BODY, READ, TOO_LARGE, JSON_INVALID, HEADER_INVALID, INTERNAL,
)  # fmt: skip


class InputError(Exception):
    """Raised by the pure parsing functions; the DoFns turn it into an `ErrorRecord`."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def record(self, source_path: str, run_id: str = "") -> ErrorRecord:
        return ErrorRecord(source_path, self.code, self.message, run_id)
