"""`interviewbot practice`: an interview in the terminal over the websocket protocol.

`InterviewClient` speaks the protocol (message ids, retries, reconnecting and resuming);
`PracticeView` turns server frames into text; `run_practice` joins them to a terminal.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TextIO
from urllib.parse import urlsplit

from simple_websocket import Client, ConnectionClosed
from simple_websocket import ConnectionError as HandshakeRefused
from wsproto.utilities import ProtocolError as HandshakeGarbled

Frame = dict[str, Any]

PROTOCOL_VERSION = 1  # the protocol version this client speaks
DEFAULT_RESUME_FILE = Path("~/.interviewbot-session.json")
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # seconds before each reconnect or retry
RETRYABLE = frozenset({"server_error", "rate_limited"})  # errors that ask to send again
FINAL_REPLIES = frozenset({"question", "follow_up", "summary", "hint", "error"})
COMMANDS = ("/hint", "/skip", "/end", "/quit")

class _ReaderThread(threading.Thread):
    """The websocket's reader: a daemon, so that one stuck on a dead peer does not keep the
    process from exiting, and deaf to Ctrl-C. The kernel may hand SIGINT to any thread that does
    not block it; handled on this one, it would never interrupt the main thread waiting for the
    candidate's answer, and Ctrl-C would do nothing."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, daemon=True, **kwargs)

    def run(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        super().run()


class CannotConnect(Exception):
    """The server could not be reached, or did not speak the protocol."""


class ConnectionLost(Exception):
    """The connection dropped and every attempt to reconnect failed."""


class SessionRefused(Exception):
    """The server would not let this client continue its session."""

    def __init__(self, frame: Frame):
        super().__init__(f"[{frame.get('code')}] {frame.get('message')}")


class BadSaveFile(Exception):
    """A resume file that does not hold a session."""


class _Dropped(Exception):
    """The connection closed, or a reply did not come in time."""


class InterviewClient:
    """One interview over the websocket protocol, surviving dropped connections.

    Every message gets a fresh id. When a reply is lost the client reconnects, resumes the
    session and sends the same message again with the same id: the server applies a message
    once and replays its stored reply to a retry.
    """

    def __init__(self, url: str, notify: Callable[[str], None] = lambda _: None,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS,
                 connect_timeout: float = 10, reply_timeout: float = 30):
        self.url = url
        self.notify = notify
        self.retry_delays = retry_delays
        self.connect_timeout = connect_timeout
        self.reply_timeout = reply_timeout
        self.ws: Client | None = None
        self.session_id: str | None = None
        self.token: str | None = None
        self.open_turn: int | None = None
        self.finished = False

    # -- the messages ------------------------------------------------------------------
    def connect(self) -> None:
        self.ws = self._open()

    def start(self, areas: list[str] | str, count: int, mode: str,
              difficulty: int | None = None) -> list[Frame]:
        fields: dict[str, Any] = {"areas": areas, "count": count, "mode": mode}
        if difficulty is not None:
            fields["difficulty"] = difficulty
        frames = self._request("start", **fields)
        for frame in frames:
            if frame["type"] == "session":
                self.session_id, self.token = frame["session"], frame["token"]
        return frames

    def resume(self, session_id: str, token: str) -> list[Frame]:
        self.session_id, self.token = session_id, token
        return self._request("resume", session=session_id, token=token)

    def answer(self, text: str) -> list[Frame]:
        # Naming the turn makes the server refuse an answer meant for a question that has
        # since timed out, instead of filing it under the next one.
        turn = {} if self.open_turn is None else {"turn": self.open_turn}
        return self._request("answer", text=text, **turn)

    def hint(self) -> list[Frame]:
        return self._request("hint")

    def skip(self) -> list[Frame]:
        return self._request("skip")

    def end(self) -> list[Frame]:
        return self._request("end")

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close()
            except (ConnectionClosed, OSError):
                pass
            self.ws = None

    # -- sending and receiving -----------------------------------------------------------
    def _request(self, type_: str, **fields: Any) -> list[Frame]:
        """Send one message; return every frame up to its final reply (retrying as needed)."""
        message = {"type": type_, "id": uuid.uuid4().hex, **fields}
        frames: list[Frame] = []
        for attempt, delay in enumerate(self.retry_delays, 1):
            try:
                reply = self._exchange(message)
            except _Dropped:
                frames += self._reconnect()
                continue
            final = reply[-1]
            retryable = final["type"] == "error" and final["code"] in RETRYABLE
            if retryable and attempt < len(self.retry_delays):
                frames += reply[:-1]
                time.sleep(delay)
                continue
            # The reply first: what a resume said while reconnecting is news only where it is
            # newer (say, a mock question that timed out meanwhile).
            return self._track(reply + frames)
        raise ConnectionLost(self.url)

    def _exchange(self, message: Frame) -> list[Frame]:
        if self.ws is None:
            raise _Dropped
        try:
            self.ws.send(json.dumps(message))
        except (ConnectionClosed, OSError):
            raise _Dropped from None
        frames = []
        give_up = time.monotonic() + self.reply_timeout
        while True:
            frame = self._receive(give_up)
            if frame["type"] == "hello":
                _check_hello(frame)
                continue
            if frame["type"] == "error" and frame.get("code") == "idle_timeout":
                raise _Dropped  # the server closes the connection right after this
            reply_to = frame.get("reply_to")
            if reply_to not in (None, message["id"]):
                continue  # a late reply to a message that was already answered
            frames.append(frame)
            # Only one message is in flight, so an error naming none (rate_limited) is ours.
            if frame["type"] in FINAL_REPLIES and (reply_to or frame["type"] == "error"):
                return frames

    def _receive(self, give_up: float) -> Frame:
        remaining = give_up - time.monotonic()
        if remaining <= 0:
            raise _Dropped  # no reply in time: take the connection for dead
        try:
            raw = self.ws.receive(timeout=remaining)
        except ConnectionClosed:
            raise _Dropped from None
        if raw is None:
            raise _Dropped
        return json.loads(raw)

    def _track(self, frames: list[Frame]) -> list[Frame]:
        for frame in frames:
            if frame["type"] in ("question", "follow_up"):
                self.open_turn = max(frame["turn"], self.open_turn or 0)
            elif frame["type"] == "summary":
                self.open_turn, self.finished = None, True
        return frames

    # -- connections -----------------------------------------------------------------------
    def _open(self) -> Client:
        _check_url(self.url)
        previous = socket.getdefaulttimeout()
        # simple-websocket has no connect timeout: bound the connect and handshake this way.
        socket.setdefaulttimeout(self.connect_timeout)
        try:
            ws = Client.connect(self.url, thread_class=_ReaderThread)
        except (OSError, HandshakeRefused, HandshakeGarbled) as exc:
            raise CannotConnect(_reason(exc, self.connect_timeout)) from None
        finally:
            socket.setdefaulttimeout(previous)
        ws.sock.settimeout(None)  # frames may be minutes apart while someone thinks
        return ws

    def _reconnect(self) -> list[Frame]:
        """Connect again and resume; return the frames saying where the session stands."""
        self.close()
        self.notify("The connection was closed; reconnecting...")
        for delay in self.retry_delays:
            time.sleep(delay)
            try:
                self.ws = self._open()
                frames = self._resume_quietly()
            except (CannotConnect, _Dropped):
                self.close()
                continue
            if frames is not None:
                self.notify("Reconnected.")
                return frames
        raise ConnectionLost(self.url)

    def _resume_quietly(self) -> list[Frame] | None:
        """Resume after a reconnect, leaving out what is already on screen (None: try again)."""
        if self.session_id is None:
            return []
        frames = self._exchange({"type": "resume", "id": uuid.uuid4().hex,
                                 "session": self.session_id, "token": self.token})
        final = frames[-1]
        if final["type"] == "error":
            if final["code"] in RETRYABLE:
                return None
            raise SessionRefused(final)
        return [f for f in frames if f["type"] not in ("session", "transcript")]


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise CannotConnect("not a ws:// or wss:// URL")


def _check_hello(frame: Frame) -> None:
    if frame.get("protocol") != PROTOCOL_VERSION:
        raise CannotConnect(f"the server speaks protocol version {frame.get('protocol')}; "
                            f"this client speaks version {PROTOCOL_VERSION}")


def _reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} seconds"
    if isinstance(exc, HandshakeRefused):
        return f"the server answered HTTP {exc.status_code}, not a websocket (check the path)"
    if isinstance(exc, HandshakeGarbled):
        return "the server did not answer as a websocket server"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


# -- showing frames --------------------------------------------------------------------------
class PracticeView:
    """Server frames as plain text; notes and problems go to the error stream."""

    def __init__(self, out: TextIO, err: TextIO):
        self.out, self.err = out, err
        self.shown_turn: int | None = None
        self.questions_seen = 0  # main questions in the transcript of a resumed session

    def show(self, frames: list[Frame]) -> None:
        for frame in frames:
            render = getattr(self, f"_show_{frame['type']}", None)
            if render is not None:
                render(frame)
        self.out.flush()

    def note(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def ask_for_answer(self) -> None:
        print("\nYour answer (finish with an empty line):", file=self.out, flush=True)

    def _print(self, *lines: str) -> None:
        for line in lines:
            print(line, file=self.out)

    def _show_session(self, f: Frame) -> None:
        plan = f["plan"]
        verb = "Resumed" if f.get("resumed") else "Started"
        self._print(f"{verb} a {f['mode']} interview: {plan['count']} question(s) "
                    f"on {', '.join(plan['areas'])}.")
        if f["mode"] == "mock":
            self._print(f"Mock interview: {_clock(plan['time_limit'])} per answer; "
                        "feedback comes at the end.")
        self._print("Answer in as many lines as you like and finish with an empty line.",
                    f"Instead of an answer you can type {', '.join(COMMANDS)}.")

    def _show_transcript(self, f: Frame) -> None:
        if f["kind"] == "question":
            self.questions_seen += 1
        label = f"Question {self.questions_seen}" if f["kind"] == "question" else "  follow-up"
        score = f", score {f['feedback']['score']}/100" if "feedback" in f else ""
        self._print(f"Earlier: {label} {f['status']}{score}: {_first_line(f['text'])}")

    def _show_question(self, f: Frame) -> None:
        if self.shown_turn is not None and f["turn"] <= self.shown_turn:
            return  # already on screen: replayed by a resume or a retry after a reconnect
        if f.get("reply_to") is None and self.shown_turn is not None:
            self._print("", "Time is up for that answer; the interviewer moves on.")
        self.shown_turn = f["turn"]
        if f["type"] == "question":
            heading = f"Question {f['index']} of {f['total']} ({f['area']}, {f['kind']})"
        else:
            heading = f"Follow-up on question {f['index']}: the interviewer asks"
        self._print("", heading, "-" * len(heading), f["text"].strip())
        if f.get("deadline"):
            self._print(f"Time limit: answer by {_local_time(f['deadline'])} "
                        f"({_clock(_seconds_left(f['deadline']))} left).")

    _show_follow_up = _show_question

    def _show_feedback(self, f: Frame) -> None:
        self._print("", *feedback_lines(f))

    def _show_hint(self, f: Frame) -> None:
        self._print("", "Hint: a strong answer covers " + "; ".join(f["concepts"]) + ".")
        self._print(*(f"  - {point}" for point in f["strong_answer"]))

    def _show_error(self, f: Frame) -> None:
        self._print("", f"Error [{f['code']}]: {f['message']}")

    def _show_summary(self, f: Frame) -> None:
        self._print("", *summary_lines(f))


def feedback_lines(f: Frame) -> list[str]:
    late = " (answered after the time limit)" if f.get("late") else ""
    lines = [f"Feedback: score {f['score']}/100, band {f['band']} - {f['meaning']}{late}"]
    hits = [c for c in f.get("concepts", []) if c["hit"]]
    missed = [c["label"] for c in f.get("concepts", []) if not c["hit"]]
    if hits:
        lines.append("  Concepts you covered:")
        for c in hits:
            words = ", ".join(dict.fromkeys(f'"{e["text"]}"' for e in c["evidence"]))
            lines.append(f"    + {c['label']}: {words}")
    if missed:
        lines.append("  Concepts missed: " + "; ".join(missed))
    star = f.get("star", {})
    present = [e for e, v in star.items() if v["present"]]
    absent = [e for e, v in star.items() if not v["present"]]
    lines.append(f"  STAR present: {', '.join(present) or 'none'}; "
                 f"missing: {', '.join(absent) or 'none'}")
    lines += [f"  * {tip}" for tip in f.get("feedback", [])]
    return lines


def summary_lines(f: Frame) -> list[str]:
    lines = ["Summary", "=======",
             f"Overall: {f['score']}/100 (band {f['band']}); answered {f['answered']} "
             f"of {f['asked']} question(s) asked, {f['planned']} planned."]
    for area, score in sorted(f["areas"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {area:<14}{score:>4}  {'#' * (score // 5)}")
    if f.get("strongest") and f["strongest"] != f["weakest"]:
        lines.append(f"Strongest area: {f['strongest']}; weakest: {f['weakest']}.")
    nxt = f.get("next") or {}
    if nxt.get("areas"):
        focus = f" - focus on {'; '.join(nxt['focus'])}" if nxt.get("focus") else ""
        lines.append(f"Practise next: {', '.join(nxt['areas'])}{focus}.")
    if nxt.get("plan"):
        plan = nxt["plan"]
        lines.append(f"  interviewbot practice --areas {','.join(plan['areas'])} "
                     f"--count {plan['count']}")
    numbers = {q["turn"]: i for i, q in enumerate(f.get("questions", []), 1)}
    for fb in f.get("feedback", []):  # a mock interview's feedback, held back until now
        lines += ["", f"Question {numbers.get(fb['turn'], '?')}", *feedback_lines(fb)]
    return lines


def _first_line(text: str, width: int = 70) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 3] + "..."


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _local_time(value: str) -> str:
    return _parse_time(value).astimezone().strftime("%H:%M:%S")


def _seconds_left(value: str) -> int:
    return max(0, round((_parse_time(value) - datetime.now(timezone.utc)).total_seconds()))


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


# -- the terminal --------------------------------------------------------------------------
def read_reply(inp: TextIO) -> str | None:
    """An answer (lines up to an empty line or the end of input) or a command; None at the end."""
    lines: list[str] = []
    while True:
        line = inp.readline()
        if not line:
            break
        line = line.rstrip("\r\n")
        if not line.strip():
            if lines:
                break
            continue  # blank lines before an answer starts
        if not lines and line.strip().startswith("/"):
            return line.strip().lower()
        lines.append(line)
    return "\n".join(lines) if lines else None


def run_practice(*, url: str, areas: str, count: int, mode: str, difficulty: int | None,
                 resume_file: Path | None, stdin: TextIO | None = None,
                 stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run an interview in the terminal; 0 when it finished or was left to resume, 1 on an
    unrecoverable error, 130 on Ctrl-C."""
    view = PracticeView(stdout or sys.stdout, stderr or sys.stderr)
    path = (resume_file or DEFAULT_RESUME_FILE).expanduser()
    client = InterviewClient(url, notify=view.note)
    try:
        saved = _load_saved(path, view) if resume_file else None
        client.connect()
        if saved:
            frames = client.resume(saved["session"], saved["token"])
        else:
            frames = client.start(_parse_areas(areas), count, mode, difficulty)
        if frames[-1]["type"] == "error":  # the server would not start or resume it
            view.show(frames)
            return 1
        if not saved:
            _save(path, url, client, view)
        return _converse(client, view, stdin or sys.stdin, path, frames)
    except CannotConnect as exc:
        view.note(f"Cannot connect to {url}: {exc}")
    except ConnectionLost:
        view.note(f"Lost the connection to {url} and could not reconnect."
                  f"{_resume_hint(client, path)}")
    except (SessionRefused, BadSaveFile) as exc:
        view.note(f"Cannot continue the session: {exc}")
    except KeyboardInterrupt:
        view.note(f"\nStopped.{_resume_hint(client, path)}")
        return 130
    finally:
        client.close()
    return 1


def _converse(client: InterviewClient, view: PracticeView, inp: TextIO, path: Path,
              frames: list[Frame]) -> int:
    while True:
        view.show(frames)
        if client.finished:
            path.unlink(missing_ok=True)  # nothing left to resume
            return 0
        view.ask_for_answer()
        reply = read_reply(inp)
        if reply is None or reply == "/quit":
            view.note(f"Leaving the interview.{_resume_hint(client, path)}")
            return 0
        if reply.startswith("/"):
            command = {"/hint": client.hint, "/skip": client.skip, "/end": client.end}.get(reply)
            if command is None:
                view.note(f"Unknown command {reply}; the commands are {', '.join(COMMANDS)}.")
                frames = []
                continue
            frames = command()
        else:
            frames = client.answer(reply)


def _resume_hint(client: InterviewClient, path: Path) -> str:
    if client.session_id is None or client.finished:
        return ""
    return f" Continue later with: interviewbot practice --url {client.url} --resume {path}"


def _parse_areas(areas: str) -> list[str] | str:
    if areas.strip().lower() == "all":
        return "all"
    return [a.strip() for a in areas.split(",") if a.strip()]


def _load_saved(path: Path, view: PracticeView) -> dict[str, str] | None:
    if not path.exists():
        view.note(f"No saved session in {path}; starting a new one.")
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadSaveFile(f"cannot read {path}: {exc}") from None
    needed = ("session", "token")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in needed):
        raise BadSaveFile(f"{path} does not hold a saved session")
    return data


def _save(path: Path, url: str, client: InterviewClient, view: PracticeView) -> None:
    """Keep what resuming needs; the token is a secret, so only the owner may read the file."""
    data = json.dumps({"url": url, "session": client.session_id, "token": client.token})
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(data + "\n")
    except OSError as exc:
        view.note(f"Could not save the session to {path} ({exc.strerror}); it cannot be resumed.")
