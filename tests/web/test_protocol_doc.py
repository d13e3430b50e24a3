"""docs/protocol.md stays true: its examples, field tables, limits and error codes are checked
against the code and against the frames a live server sends in a scripted session.

Markers in the document (HTML comments, invisible when rendered):
`<!-- client -->` / `<!-- server -->` before a ```json block, whose field table is the table
that follows it; `<!-- client-common -->`, `<!-- settings -->`, `<!-- close-codes -->` and
`<!-- error-codes -->` before a table.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import websocket

from interviewbot.engine import plan as plan_rules
from interviewbot.engine import protocol
from interviewbot.engine import session as session_rules
from interviewbot.engine.protocol import ProtocolError, hello_frame, parse_client_message

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "protocol.md"
SOURCE = ROOT / "interviewbot"

WEAK = ("At my last job we had some problems with customers and I worked hard with everyone to "
        "sort things out. We talked a lot and people were happier afterwards and it went well.")

# -- reading the document ----------------------------------------------------------------------

Row = dict[str, str]


@dataclass
class Example:
    side: str  # "client" or "server"
    line: int
    data: dict[str, Any]
    table: list[Row] | None  # the field table right after the example, if any

    @property
    def type(self) -> str:
        return self.data["type"]

    def where(self) -> str:
        return f"docs/protocol.md line {self.line} ({self.side} '{self.data.get('type')}')"


_MARKER = re.compile(r"^<!--\s*([a-z-]+)\s*-->\s*$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table_at(lines: list[str], i: int) -> tuple[list[Row] | None, int]:
    """The table starting at the first line from `i` that begins with '|', if only prose comes
    before it (no heading, code block or marker). Returns the rows and the line after it."""
    while i < len(lines):
        s = lines[i].strip()
        if s.startswith("|"):
            header = _cells(s)
            rows = []
            i += 2  # the header and the |---| line
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(dict(zip(header, _cells(lines[i]))))
                i += 1
            return rows, i
        if s.startswith(("#", "```", "<!--")):
            return None, i
        i += 1
    return None, i


def read_doc() -> tuple[list[Example], dict[str, list[Row]]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    examples: list[Example] = []
    tables: dict[str, list[Row]] = {}
    i = 0
    while i < len(lines):
        m = _MARKER.match(lines[i].strip())
        i += 1
        if not m:
            continue
        kind = m.group(1)
        if kind in ("client", "server"):
            assert lines[i].strip() == "```json", f"line {i + 1}: <!-- {kind} --> must precede a ```json block"
            end = lines.index("```", i + 1)
            data = json.loads("\n".join(lines[i + 1:end]))
            table, _ = _table_at(lines, end + 1)
            examples.append(Example(kind, i + 1, data, table))
            i = end + 1
        else:
            table, i = _table_at(lines, i)
            assert table is not None, f"line {i}: <!-- {kind} --> must precede a table"
            tables[kind] = table
    return examples, tables


def names(table: list[Row]) -> list[str]:
    """The backticked names in a table's first column."""
    found = []
    for row in table:
        m = re.match(r"`([^`]+)`", next(iter(row.values())))
        if m:
            found.append(m.group(1))
    return found


EXAMPLES, TABLES = read_doc()
CLIENT = [e for e in EXAMPLES if e.side == "client"]
SERVER = [e for e in EXAMPLES if e.side == "server"]


def test_the_document_has_examples_of_both_sides_and_its_tables():
    assert CLIENT and SERVER
    assert {"client-common", "settings", "close-codes", "error-codes"} <= set(TABLES)


# -- client messages ---------------------------------------------------------------------------

@pytest.mark.parametrize("example", CLIENT, ids=lambda e: f"line{e.line}-{e.data.get('type')}")
def test_client_example_passes_validation(example):
    try:
        msg = parse_client_message(json.dumps(example.data))
    except ProtocolError as exc:
        pytest.fail(f"{example.where()} is refused: [{exc.code}] {exc}")
    assert msg.type == example.type


def test_every_client_message_type_has_an_example():
    assert {e.type for e in CLIENT} == set(protocol.CLIENT_TYPES)


@pytest.mark.parametrize("kind", protocol.CLIENT_TYPES)
def test_client_field_table_lists_exactly_the_fields_the_server_accepts(kind):
    spec = protocol._FIELDS[kind]  # the validator's own table of fields
    tables = [e.table for e in CLIENT if e.type == kind and e.table is not None]
    if not spec:
        assert not tables, f"'{kind}' has no fields of its own, but the document gives it a field table"
        return
    assert len(tables) == 1, f"'{kind}' needs exactly one field table after one of its examples"
    table = tables[0]
    assert sorted(names(table)) == sorted(spec), f"fields of '{kind}'"
    required = {n for n, row in zip(names(table), table) if row["required"] == "yes"}
    assert required == {n for n, (_, needed) in spec.items() if needed}, f"required fields of '{kind}'"


def test_common_client_fields_are_accepted_on_every_message():
    table = TABLES["client-common"]
    assert {"type", "id"} <= set(names(table))
    required = {n for n, row in zip(names(table), table) if row["required"] == "yes"}
    assert required == {"type", "id"}
    for name in set(names(table)) - {"type", "id"}:
        parse_client_message(json.dumps({"type": "ping", "id": "x", name: 1}))
    with pytest.raises(ProtocolError) as no_id:
        parse_client_message(json.dumps({"type": "ping"}))
    assert no_id.value.code == "invalid_field"


# -- server frames -----------------------------------------------------------------------------

def test_hello_example_is_the_servers_hello():
    (hello,) = [e.data for e in SERVER if e.type == "hello"]
    assert hello == hello_frame(idle_timeout=900.0, rate=5.0, burst=20)


def field_tables() -> dict[str, list[Row]]:
    """Frame type -> its one field table."""
    found: dict[str, list[list[Row]]] = {}
    for e in SERVER:
        if e.table is not None:
            found.setdefault(e.type, []).append(e.table)
    for kind in {e.type for e in SERVER}:
        assert len(found.get(kind, [])) == 1, f"server frame '{kind}' needs exactly one field table"
    return {kind: tables[0] for kind, tables in found.items()}


def run_scripted_session(server, connect, monkeypatch) -> list[dict[str, Any]]:
    """Every frame a practice session, a resume, a timed mock interview and a few mistakes bring."""
    frames: list[dict[str, Any]] = []
    service = server.app.extensions["interviews"]

    # Practice: hint, an answer that earns a follow-up, the follow-up, then a dropped connection.
    c = connect(server.ws_url)
    frames.append(c.hello)
    started = c.request("start", ("question",), areas=["budgeting", "escalation"], count=2)
    session = started[0]
    frames += started
    frames += c.request("hint", ("hint",))
    # A coach starts watching (the watcher's socket publishes this on the session's channel).
    server.app.extensions["live"].publish(f"session:{session['session']}", {
        "type": "watching", "session": session["session"], "observers": 1})
    frames += c.recv_until("watching")
    frames += c.request("answer", ("follow_up",), text=WEAK, turn=0)
    frames += c.request("answer", ("question",), text=WEAK)
    c.close()
    c = connect(server.ws_url)
    frames += c.request("resume", ("question",), session=session["session"], token=session["token"])
    frames += c.request("end", ("summary",))
    frames += c.request("answer", ("error",), text=WEAK)  # session_finished
    c.send_raw("not json")
    frames.append(c.recv())
    frames += c.request("ping", ("pong",))

    # Mock: a late answer, then two deadlines the server acts on by itself.
    m = connect(server.ws_url)
    started = m.request("start", ("question",), areas=["budgeting"], count=3, mode="mock", time_limit=30)
    mock = started[0]
    frames += started
    frames += m.request("hint", ("error",))  # not_in_mock
    real_clock = service.clock
    time.sleep(0.2)  # let the server settle into waiting for turn 0's deadline
    late = plan_rules.TIME_LIMITS.start + session_rules.LATE_GRACE.total_seconds() + 1
    monkeypatch.setattr(service, "clock", lambda: real_clock() + timedelta(seconds=late))
    frames += m.request("answer", ("question",), text=WEAK, turn=0)
    for step, until in ((1, "question"), (2, "summary")):
        shift = late + step * (plan_rules.TIME_LIMITS.start + 1)
        monkeypatch.setattr(service, "clock", lambda shift=shift: real_clock() + timedelta(seconds=shift))
        m.send("ping")  # wakes the server; it sees the deadline has passed
        frames += m.recv_until(until)
    monkeypatch.setattr(service, "clock", real_clock)
    r = connect(server.ws_url)
    frames += r.request("resume", ("summary",), session=mock["session"], token=mock["token"])
    return frames


def with_nested_feedback(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The frames, plus the feedback frames nested in transcripts and summaries."""
    out = list(frames)
    for f in frames:
        if f["type"] == "transcript" and "feedback" in f:
            out.append(f["feedback"])
        if f["type"] == "summary":
            out += f.get("feedback", [])
    return out


def test_server_examples_match_frames_from_a_live_session(server, connect, monkeypatch):
    tables = field_tables()
    live: dict[str, list[dict[str, Any]]] = {}
    for frame in with_nested_feedback(run_scripted_session(server, connect, monkeypatch)):
        live.setdefault(frame["type"], []).append(frame)

    problems = []
    documented = {e.type for e in SERVER}
    for kind in sorted(set(live) - documented):
        problems.append(f"the server sends '{kind}' frames; the document has no example of one")
    for kind in sorted(documented - set(live)):
        problems.append(f"the document shows '{kind}' frames; the scripted session never got one")

    for e in SERVER:
        table = tables.get(e.type, [])
        fields = set(names(table))
        required = {n for n, row in zip(names(table), table) if row["present"] == "always"}
        if set(e.data) - fields:
            problems.append(f"{e.where()}: {sorted(set(e.data) - fields)} not in its field table")
        if required - set(e.data):
            problems.append(f"{e.where()}: lacks {sorted(required - set(e.data))}, which the table says are always present")

    for kind, frames in sorted(live.items()):
        if kind not in tables:
            continue
        table = tables[kind]
        fields = set(names(table))
        required = {n for n, row in zip(names(table), table) if row["present"] == "always"}
        for f in frames:
            if set(f) - fields:
                problems.append(f"live '{kind}' has undocumented {sorted(set(f) - fields)}: {json.dumps(f)[:300]}")
            if required - set(f):
                problems.append(f"live '{kind}' lacks {sorted(required - set(f))} that the document says are always there")
        for name in sorted(fields - required):
            if not any(name in f for f in frames):
                problems.append(f"'{kind}.{name}' is documented but never sent in the scripted session")
            if all(name in f for f in frames):
                problems.append(f"'{kind}.{name}' is documented as optional but was always sent")
    assert not problems, "\n".join(problems)


# -- limits, settings and closing --------------------------------------------------------------

ENVIRONMENT_SETTINGS = ("ALLOW_GUESTS", "WS_IDLE_TIMEOUT", "WS_RATE", "WS_BURST")


def _value(cell: str) -> tuple[Any, ...]:
    words = cell.strip("` ").lower()
    if words in ("true", "false"):
        return (words == "true",)
    return tuple(float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", cell))


def test_limits_and_settings_table_matches_the_code(make_app, monkeypatch):
    for name in ENVIRONMENT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    config = make_app().config
    sock = config["SOCK_SERVER_OPTIONS"]
    actual: dict[str, tuple[Any, ...]] = {
        "MAX_FRAME_CHARS": (protocol.MAX_FRAME_CHARS,),
        "MAX_ANSWER_CHARS": (protocol.MAX_ANSWER_CHARS,),
        "MAX_ID_CHARS": (protocol.MAX_ID_CHARS,),
        "SOCK_SERVER_OPTIONS.max_message_size": (sock["max_message_size"],),
        "SOCK_SERVER_OPTIONS.ping_interval": (sock["ping_interval"],),
        "MAX_QUESTIONS": (plan_rules.MAX_QUESTIONS,),
        "DEFAULT_TIME_LIMIT": (plan_rules.DEFAULT_TIME_LIMIT,),
        "TIME_LIMITS": (plan_rules.TIME_LIMITS.start, plan_rules.TIME_LIMITS.stop - 1),
        "LATE_GRACE": (session_rules.LATE_GRACE.total_seconds(),),
        **{name: (config[name],) for name in ENVIRONMENT_SETTINGS},
    }
    table = TABLES["settings"]
    documented = {n: _value(row["value"]) for n, row in zip(names(table), table)}
    assert set(documented) == set(actual), "the settings the table lists"
    for name, value in actual.items():
        assert documented[name] == value, f"{name}: the document says {documented[name]}, the code {value}"


def test_a_message_over_the_websocket_limit_closes_with_the_documented_code(server, connect):
    documented = {int(next(iter(row.values()))) for row in TABLES["close-codes"]}
    assert 1009 in documented
    limit = server.app.config["SOCK_SERVER_OPTIONS"]["max_message_size"]
    c = connect(server.ws_url)
    c.send_raw("x" * (limit + 1))
    opcode, data = c.ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert int.from_bytes(data[:2], "big") == 1009


# -- error codes -------------------------------------------------------------------------------

_RAISED = re.compile(r"\b(?:ProtocolError|Refusal|error_frame|PlanError)\(\s*[\"']([a-z_]+)[\"']")


def codes_in_source() -> set[str]:
    return {code for path in SOURCE.rglob("*.py")
            for code in _RAISED.findall(path.read_text(encoding="utf-8"))}


def test_error_table_lists_exactly_the_codes_the_code_can_send():
    in_code = codes_in_source()
    assert {"bad_json", "session_not_found", "server_error"} <= in_code, "the source search is broken"
    documented = names(TABLES["error-codes"])
    assert len(documented) == len(set(documented)), "a code is listed twice"
    assert not in_code - set(documented), f"codes missing from the error table: {sorted(in_code - set(documented))}"
    assert not set(documented) - in_code, f"codes the code never sends: {sorted(set(documented) - in_code)}"


def test_error_examples_use_documented_codes():
    documented = set(names(TABLES["error-codes"]))
    for e in SERVER:
        if e.type == "error":
            assert e.data["code"] in documented, e.where()
