"""Client messages are validated with stable error codes; frames carry reply_to."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interviewbot.engine.protocol import (MAX_ANSWER_CHARS, MAX_FRAME_CHARS, ProtocolError,
                                          parse_client_message)


def parse(obj):
    return parse_client_message(json.dumps(obj))


def code_of(raw):
    with pytest.raises(ProtocolError) as info:
        parse_client_message(raw if isinstance(raw, (str, bytes)) else json.dumps(raw))
    return info.value.code, info.value.reply_to


def test_valid_messages_parse():
    m = parse({"type": "start", "id": "c1", "areas": ["vision"], "count": 3, "mode": "mock"})
    assert (m.type, m.id, m.fields) == ("start", "c1", {"areas": ["vision"], "count": 3, "mode": "mock"})
    assert parse({"type": "answer", "id": "c2", "text": "hello", "turn": 0}).fields["turn"] == 0
    assert parse({"type": "ping", "id": "p"}).type == "ping"


@pytest.mark.parametrize("raw, expected", [
    ("not json", ("bad_json", None)),
    (b"\x00\x01", ("binary_frame", None)),
    ([1, 2], ("bad_message", None)),
    ({"id": "a"}, ("bad_message", "a")),
    ({"type": "dance", "id": "a"}, ("unknown_type", "a")),
    ({"type": "ping"}, ("invalid_field", None)),
    ({"type": "ping", "id": 7}, ("invalid_field", None)),
    ({"type": "ping", "id": "x" * 81}, ("invalid_field", None)),
    ({"type": "answer", "id": "a"}, ("missing_field", "a")),
    ({"type": "answer", "id": "a", "text": 5}, ("invalid_field", "a")),
    ({"type": "answer", "id": "a", "text": "   "}, ("empty_answer", "a")),
    ({"type": "answer", "id": "a", "text": "x" * (MAX_ANSWER_CHARS + 1)}, ("too_large", "a")),
    ({"type": "start", "id": "a", "areas": ["vision"], "count": True}, ("invalid_field", "a")),
    ({"type": "start", "id": "a", "areas": [1], "count": 2}, ("invalid_field", "a")),
    ({"type": "start", "id": "a", "areas": ["vision"], "count": "3"}, ("invalid_field", "a")),
    ({"type": "resume", "id": "a", "session": "s"}, ("missing_field", "a")),
    ({"type": "skip", "id": "a", "extra": 1}, ("invalid_field", "a")),
    ({"type": "start", "id": "a", "areas": "budgeting", "count": 2}, ("invalid_field", "a")),
    ({"type": "ping", "id": "a", "v": 2}, ("unsupported_version", "a")),
])
def test_bad_messages_get_stable_codes(raw, expected):
    assert code_of(raw) == expected


def test_oversized_frame_is_refused_before_parsing():
    assert code_of("x" * (MAX_FRAME_CHARS + 1))[0] == "too_large"


def test_deeply_nested_json_is_bad_json_not_a_crash():
    assert code_of("[" * 50_000)[0] == "bad_json"


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4)))
def test_any_json_either_parses_or_is_a_protocol_error(value):
    try:
        parse_client_message(json.dumps(value))
    except ProtocolError as exc:
        assert exc.code


@pytest.mark.parametrize("message", [
    {"type": "answer", "id": "a", "text": "my answer\x00"},
    {"type": "resume", "id": "a", "session": "s\x00", "token": "t"},
    {"type": "start", "id": "a", "areas": ["vision\x00"], "count": 1},
])
def test_nul_characters_are_refused_in_any_field(message):
    assert code_of(message) == ("invalid_field", "a")


def test_nul_in_the_id_gets_no_reply_to():
    assert code_of({"type": "ping", "id": "a\x00"}) == ("invalid_field", None)
