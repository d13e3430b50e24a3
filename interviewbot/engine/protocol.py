"""The websocket protocol: client messages validated on the way in, server frames built on the
way out. Pure functions; `docs/protocol.md` documents every message.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .session import Action, Ask, Feedback, Hint, Refusal, Summary

PROTOCOL_VERSION = 1
MAX_ANSWER_CHARS = 20_000
MAX_FRAME_CHARS = 64_000  # a frame larger than this is refused before it is parsed
MAX_ID_CHARS = 80

CLIENT_TYPES = ("start", "answer", "hint", "skip", "end", "resume", "ping")


class ProtocolError(ValueError):
    """A message the server cannot act on; the connection stays open."""

    def __init__(self, code: str, message: str, reply_to: str | None = None):
        super().__init__(message)
        self.code = code
        self.reply_to = reply_to


@dataclass(frozen=True)
class ClientMessage:
    type: str
    id: str
    fields: dict[str, Any]


# field -> (accepted types, required)
_FIELDS: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    "start": {"areas": ((list, str), True), "count": ((int,), True), "mode": ((str,), False),
              "difficulty": ((int, type(None)), False), "time_limit": ((int,), False),
              "questions": ((list,), False)},
    "answer": {"text": ((str,), True), "turn": ((int,), False)},
    "resume": {"session": ((str,), True), "token": ((str,), True)},
    "hint": {}, "skip": {}, "end": {}, "ping": {},
}
_TYPE_NAMES = {list: "a list", str: "a string", int: "an integer", type(None): "null"}


def parse_client_message(raw: str | bytes) -> ClientMessage:
    if isinstance(raw, (bytes, bytearray)):
        raise ProtocolError("binary_frame", "binary frames are not supported; send JSON text")
    if len(raw) > MAX_FRAME_CHARS:
        raise ProtocolError("too_large", f"message is {len(raw):,} characters; the limit is {MAX_FRAME_CHARS:,}")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", "message is not valid JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("bad_message", "message must be a JSON object with a 'type'")
    msg_id = data.get("id")
    reply_to = (msg_id if isinstance(msg_id, str) and 0 < len(msg_id) <= MAX_ID_CHARS and "\x00" not in msg_id
                else None)
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("bad_message", "message must have a string 'type'", reply_to)
    if kind not in _FIELDS:
        raise ProtocolError("unknown_type", f"unknown message type '{kind[:40]}'; "
                                            f"expected one of {', '.join(CLIENT_TYPES)}", reply_to)
    if reply_to is None:
        raise ProtocolError("invalid_field", f"'id' must be a string of 1–{MAX_ID_CHARS} characters")
    if "v" in data and data["v"] != PROTOCOL_VERSION:
        raise ProtocolError("unsupported_version", f"this server speaks protocol {PROTOCOL_VERSION}", reply_to)
    spec = _FIELDS[kind]
    fields = {}
    for name, value in data.items():
        if name in ("type", "id", "v"):
            continue
        if name not in spec:
            raise ProtocolError("invalid_field", f"'{kind}' has no field '{name[:40]}'", reply_to)
        types, _ = spec[name]
        # bool is an int in Python, never in this protocol
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            expected = " or ".join(_TYPE_NAMES[t] for t in types)
            raise ProtocolError("invalid_field", f"'{name}' must be {expected}", reply_to)
        if _has_nul(value):  # no database text type can hold it, and no person types it
            raise ProtocolError("invalid_field", f"'{name}' contains a NUL character", reply_to)
        fields[name] = value
    for name, (_, required) in spec.items():
        if required and name not in fields:
            raise ProtocolError("missing_field", f"'{kind}' needs '{name}'", reply_to)
    if kind == "answer":
        if len(fields["text"]) > MAX_ANSWER_CHARS:
            raise ProtocolError("too_large", f"answer is {len(fields['text']):,} characters; "
                                             f"the limit is {MAX_ANSWER_CHARS:,}", reply_to)
        if not fields["text"].strip():
            raise ProtocolError("empty_answer", "the answer is empty; send 'skip' to skip a question", reply_to)
    if kind == "start" and isinstance(fields["areas"], str) and fields["areas"] != "all":
        raise ProtocolError("invalid_field", "'areas' must be a list of area ids or \"all\"", reply_to)
    if kind == "start" and isinstance(fields["areas"], list) and not all(isinstance(a, str) for a in fields["areas"]):
        raise ProtocolError("invalid_field", "'areas' must be a list of area ids or \"all\"", reply_to)
    if kind == "start" and not all(isinstance(q, str) for q in fields.get("questions", [])):
        raise ProtocolError("invalid_field", "'questions' must be a list of question ids", reply_to)
    return ClientMessage(kind, msg_id, fields)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, list) and any(isinstance(v, str) and "\x00" in v for v in value)


def error_frame(code: str, message: str, reply_to: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if reply_to is not None:
        frame["reply_to"] = reply_to
    return frame


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def frames_for(actions: list[Action], reply_to: str | None) -> list[dict[str, Any]]:
    """Server frames for the engine's actions, each tagged with the client message it answers."""
    frames = []
    for action in actions:
        frame = _frame(action)
        if reply_to is not None:
            frame["reply_to"] = reply_to
        frames.append(frame)
    return frames


def _frame(action: Action) -> dict[str, Any]:
    if isinstance(action, Ask):
        t, q = action.turn, action.question
        return {
            "type": "question" if t.kind == "question" else "follow_up",
            "turn": t.position, "index": action.index, "total": action.total,
            "question_id": q.id, "area": q.area, "kind": q.kind, "difficulty": q.difficulty,
            "text": t.prompt, "deadline": _iso(t.deadline),
            **({"parent": t.parent_position, "concept": t.concept} if t.kind == "follow_up" else {}),
        }
    if isinstance(action, Feedback):
        return feedback_frame(action.turn.position, action.rating)
    if isinstance(action, Hint):
        return {"type": "hint", "turn": action.turn.position, "concepts": action.concepts,
                "strong_answer": action.strong_answer}
    if isinstance(action, Summary):
        return {"type": "summary", **action.summary}
    if isinstance(action, Refusal):
        return error_frame(action.code, action.message)
    raise TypeError(f"no frame for {action!r}")


def feedback_frame(turn: int, rating: dict[str, Any]) -> dict[str, Any]:
    keys = ("score", "band", "meaning", "areas", "concepts", "missed", "star", "words",
            "filler", "specifics", "caps", "feedback", "late", "combined")
    return {"type": "feedback", "turn": turn, **{k: rating[k] for k in keys if k in rating}}


def hello_frame(idle_timeout: float, rate: float, burst: int) -> dict[str, Any]:
    return {"type": "hello", "protocol": PROTOCOL_VERSION,
            "limits": {"answer_chars": MAX_ANSWER_CHARS, "frame_chars": MAX_FRAME_CHARS,
                       "idle_timeout": idle_timeout, "messages_per_second": rate, "burst": burst}}
