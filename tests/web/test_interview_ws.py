"""The interview protocol through a real server, a real websocket client and a real database."""
from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
import websocket
from sqlalchemy import func, select

from interviewbot.store import ClientMessage, InterviewSession, Turn

WEAK = ("At my last job we had some problems with customers and I worked hard with everyone to "
        "sort things out. We talked a lot and people were happier afterwards and it went well.")


def example(server, question_id):
    return server.app.extensions["bank"].questions[question_id].example_answer


def count(server, model, **where):
    with server.app.extensions["db"].session() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q)


def start(client, **fields):
    fields.setdefault("areas", ["budgeting"])
    fields.setdefault("count", 2)
    frames = client.request("start", ("question", "error"), **fields)
    session = next(f for f in frames if f["type"] == "session")
    return session, frames[-1]


def test_full_practice_session_with_feedback_follow_up_and_summary(server, connect):
    c = connect(server.ws_url)
    session, q1 = start(c, areas=["budgeting", "escalation"], count=2)
    assert session["token"] and session["mode"] == "practice"
    assert (q1["index"], q1["total"], q1["turn"]) == (1, 2, 0)
    assert q1["area"] in ("budgeting", "escalation") and q1["text"]

    feedback, follow_up = c.request("answer", ("follow_up",), text=WEAK)
    assert feedback["type"] == "feedback" and feedback["turn"] == 0
    assert feedback["band"] <= 2 and feedback["missed"] and "star" in feedback
    assert follow_up["parent"] == 0 and follow_up["index"] == 1

    feedback, q2 = c.request("answer", ("question",), text=WEAK)
    assert feedback["turn"] == 1 and q2["index"] == 2

    feedback, summary = c.request("answer", ("summary",), text=example(server, q2["question_id"]))
    assert feedback["band"] >= 4
    assert feedback["concepts"][0]["evidence"] or feedback["concepts"][1]["evidence"]
    assert summary["asked"] == 2 and summary["answered"] == 2
    assert summary["strongest"] == q2["area"] and summary["weakest"] == q1["area"]
    assert count(server, Turn, session_id=session["session"]) == 3


def test_mock_session_gives_feedback_only_in_the_summary(server, connect):
    c = connect(server.ws_url)
    session, q1 = start(c, count=2, mode="mock", time_limit=120)
    assert q1["deadline"]
    (q2,) = c.request("answer", ("question",), text=WEAK)
    assert q2["index"] == 2
    (summary,) = c.request("answer", ("summary",), text=example(server, q2["question_id"]))
    assert [f["turn"] for f in summary["feedback"]] == [0, 1]
    assert summary["feedback"][1]["band"] >= 4


def test_mock_deadline_moves_on_by_itself(server, connect):
    c = connect(server.ws_url)
    session, q1 = start(c, count=2, mode="mock", time_limit=30)
    service = server.app.extensions["interviews"]
    real_clock = service.clock
    service.clock = lambda: real_clock() + timedelta(seconds=41)  # silent past the deadline and its grace
    c.send("ping")
    frames = c.recv_until("question")
    assert [f["type"] for f in frames] == ["pong", "question"] and frames[-1]["index"] == 2
    with server.app.extensions["db"].session() as s:
        status = s.scalar(select(Turn.status).where(Turn.session_id == session["session"], Turn.position == 0))
    assert status == "timed_out"


def test_hint_skip_and_end(server, connect):
    c = connect(server.ws_url)
    start(c, count=3)
    (hint,) = c.request("hint", ("hint",))
    assert hint["concepts"] and hint["strong_answer"]
    (q2,) = c.request("skip", ("question",))
    assert q2["index"] == 2
    (summary,) = c.request("end", ("summary",))
    assert summary["asked"] == 2 and summary["answered"] == 0
    (error,) = c.request("answer", ("error",), text="too late")
    assert error["code"] == "session_finished"


def test_retried_answer_is_stored_once_and_answered_from_storage(server, connect):
    c = connect(server.ws_url)
    session, q1 = start(c, count=2)
    first = c.request("answer", ("follow_up", "question"), text=WEAK, id="answer-1")
    again = c.request("answer", ("follow_up", "question"), text=WEAK, id="answer-1")
    assert again == first
    assert count(server, Turn, session_id=session["session"], client_msg_id="answer-1") == 1
    assert count(server, ClientMessage, session_id=session["session"], client_msg_id="answer-1") == 1


def test_resume_after_a_dropped_connection_continues_where_it_stood(server, connect):
    c = connect(server.ws_url)
    session, q1 = start(c, count=2)
    c.request("answer", ("follow_up",), text=WEAK)
    c.close()

    c2 = connect(server.ws_url)
    frames = c2.request("resume", ("follow_up",), session=session["session"], token=session["token"])
    kinds = [f["type"] for f in frames]
    assert kinds == ["session", "transcript", "follow_up"]
    assert frames[1]["answer"] == WEAK and frames[1]["feedback"]["turn"] == 0
    assert frames[-1]["turn"] == 1
    feedback, q2 = c2.request("answer", ("question",), text=WEAK)
    assert q2["index"] == 2


def test_retry_of_an_answer_sent_before_a_disconnect_is_not_stored_twice(server, connect):
    c = connect(server.ws_url)
    session, q1 = start(c, count=2)
    c.send("answer", text=WEAK, id="a-1")
    c.close()  # the reply may or may not have arrived: the client cannot know
    c2 = connect(server.ws_url)
    c2.request("resume", ("follow_up", "question"), session=session["session"], token=session["token"])
    c2.request("answer", ("follow_up", "question"), text=WEAK, id="a-1")
    assert count(server, Turn, session_id=session["session"], client_msg_id="a-1") == 1


def test_a_retry_waiting_on_the_session_lock_gets_the_replies_of_the_original(server, connect, monkeypatch):
    """The retry arrives on a second connection while the original holds the session's lock
    (paused while it rates the answer); once the original commits, the retry is answered from
    storage and nothing is stored twice."""
    import interviewbot.store.interviews as interviews

    holding, release = threading.Event(), threading.Event()

    class PausedInterview(interviews.Interview):
        def answer(self, *args, **kw):
            if not holding.is_set():
                holding.set()
                assert release.wait(10)
            return super().answer(*args, **kw)

    monkeypatch.setattr(interviews, "Interview", PausedInterview)
    c1, c2 = connect(server.ws_url), connect(server.ws_url)
    session, q1 = start(c1, count=2)
    c2.request("resume", ("question",), session=session["session"], token=session["token"])
    c1.send("answer", text=WEAK, turn=0, id="raced")
    assert holding.wait(10)
    c2.send("answer", text=WEAK, turn=0, id="raced")
    time.sleep(0.5)  # the retry is now waiting for the lock
    release.set()
    first, again = c1.recv_until("follow_up", "question"), c2.recv_until("follow_up", "question")
    assert again == first and first[0]["type"] == "feedback"
    assert count(server, Turn, session_id=session["session"], client_msg_id="raced") == 1
    assert count(server, ClientMessage, session_id=session["session"], client_msg_id="raced") == 1
    assert count(server, Turn, session_id=session["session"]) == 2


@pytest.mark.parametrize("token", ["wrong", ""])
def test_resume_with_a_wrong_token_is_refused(server, connect, token):
    c = connect(server.ws_url)
    session, _ = start(c)
    other = connect(server.ws_url)
    (error,) = other.request("resume", ("error",), session=session["session"], token=token)
    assert error["code"] == "session_not_found"
    (error,) = other.request("answer", ("error",), text="sneaky")
    assert error["code"] == "out_of_order"


def test_resume_of_an_unknown_session_is_refused(server, connect):
    c = connect(server.ws_url)
    (error,) = c.request("resume", ("error",), session="does-not-exist", token="x")
    assert error["code"] == "session_not_found"


@pytest.mark.parametrize("raw, code", [
    ("this is not json", "bad_json"),
    (b"\x00\x01binary", "binary_frame"),
    (json.dumps({"type": "sing", "id": "x"}), "unknown_type"),
    (json.dumps({"type": "start", "id": "x", "areas": ["budgeting"], "count": "two"}), "invalid_field"),
    (json.dumps({"type": "answer", "id": "x", "text": "before start"}), "out_of_order"),
    (json.dumps({"type": "start", "id": "x", "areas": ["cooking"], "count": 2}), "unknown_area"),
    (json.dumps({"type": "answer", "id": "x", "text": "y" * 20_001}), "too_large"),
    (json.dumps({"type": "start", "id": "x", "areas": ["budgeting"]}), "missing_field"),
])
def test_bad_input_gets_an_error_and_the_connection_stays_usable(server, connect, raw, code):
    c = connect(server.ws_url)
    c.send_raw(raw)
    error = c.recv()
    assert error["type"] == "error" and error["code"] == code and error["message"]
    (pong,) = c.request("ping", ("pong",))
    session, q1 = start(c)
    assert q1["type"] == "question"


def test_oversized_answer_in_a_session_is_refused_and_nothing_is_stored(server, connect):
    c = connect(server.ws_url)
    session, _ = start(c)
    (error,) = c.request("answer", ("error",), text="y" * 20_001)
    assert error["code"] == "too_large"
    assert count(server, Turn, session_id=session["session"], status="answered") == 0
    feedback, _ = c.request("answer", ("follow_up", "question"), text=WEAK)
    assert feedback["type"] == "feedback"


def test_guests_can_be_turned_off(start_server, connect):
    server = start_server(ALLOW_GUESTS=False)
    c = connect(server.ws_url)
    (error,) = c.request("start", ("error",), areas=["budgeting"], count=2)
    assert error["code"] == "sign_in_required"
    assert count(server, InterviewSession) == 0


def test_message_flood_is_rate_limited(start_server, connect):
    server = start_server(WS_RATE=1, WS_BURST=3)
    c = connect(server.ws_url)
    for _ in range(6):
        c.send("ping")
    frames = [c.recv() for _ in range(6)]
    assert [f["type"] for f in frames].count("pong") == 3
    assert {f["code"] for f in frames if f["type"] == "error"} == {"rate_limited"}


def test_idle_connection_is_closed_cleanly(start_server, connect):
    server = start_server(WS_IDLE_TIMEOUT=0.5)
    c = connect(server.ws_url)
    error = c.recv()
    assert error["code"] == "idle_timeout"
    opcode, data = c.ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert int.from_bytes(data[:2], "big") == 1000


def test_watchers_receive_each_answer_and_its_feedback_live(server, connect):
    c = connect(server.ws_url)
    session, q1 = start(c, count=2)
    with server.app.extensions["live"].subscribe(f"session:{session['session']}") as watch:
        c.request("answer", ("follow_up",), text=WEAK, id="live-1")
        event = watch.get(5)
        c.request("answer", ("follow_up", "question"), text=WEAK, id="live-1")  # a retry: not announced
        assert watch.get(0.5) is None
    assert event["type"] == "update"
    assert event["turns"][0] == {"turn": 0, "kind": "question", "question_id": q1["question_id"],
                                 "text": q1["text"], "status": "answered", "answer": WEAK}
    assert [f["type"] for f in event["frames"]] == ["feedback", "follow_up"]
    assert "token" not in json.dumps(event)


def test_an_id_reused_for_another_message_is_refused(server, connect):
    c = connect(server.ws_url)
    c.send("start", areas=["budgeting"], count=2, id="same")
    frames = c.recv_until("question")
    (error,) = c.request("answer", ("error",), text=WEAK, id="same")
    assert error["code"] == "duplicate_id" and "token" not in error
    assert count(server, Turn, status="answered") == 0


def test_unsupported_protocol_version_is_refused(server, connect):
    c = connect(server.ws_url)
    (error,) = c.request("ping", ("error",), v=2)
    assert error["code"] == "unsupported_version"
    assert c.hello["protocol"] == 1 and c.hello["limits"]["idle_timeout"] == 900
