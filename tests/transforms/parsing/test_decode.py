import codecs

import pytest

from transforms.errors import InputError
from transforms.parsing.decode import decode_bytes


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Plain ‘quoted’ text".encode(), "Plain ‘quoted’ text"),
        (codecs.BOM_UTF8 + b"BOM text", "BOM text"),
        (codecs.BOM_UTF16_LE + "Wide “text”".encode("utf-16-le"), "Wide “text”"),
        (codecs.BOM_UTF16_BE + "Big end".encode("utf-16-be"), "Big end"),
        (
            "The minister said “no” to the plan’s critics, and the debate went on for hours.".encode(
                "cp1252"
            ),
            "The minister said “no” to the plan’s critics, and the debate went on for hours.",
        ),
        # Tabs, vertical tabs, form feeds and CRs are text, however many there are.
        (b"a\tb\tc\td\n\x0b\x0c\re\tf\t", "a\tb\tc\td\n\x0b\x0c\re\tf\t"),
    ],
)
def test_decode_bytes_decodes_supported_encodings(data, expected):
    assert decode_bytes(data) == expected


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b" \n\t \r\n", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"%PDF-1.7\n%...", "binary"),
        (b"\x89PNG\r\n\x1a\n", "binary"),
        (codecs.BOM_UTF8 + b"  \n", "empty"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08 control soup \x0e\x0f\x10\x11\x12\x13", "binary"),
    ],
)
def test_decode_bytes_rejects_with_stable_code(data, code):
    with pytest.raises(InputError) as caught:
        decode_bytes(data)
    assert caught.value.code == code
    assert caught.value.message  # a sentence for people, checked for presence of text
