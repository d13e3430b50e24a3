"""Websocket load: many candidates doing full interviews at once, beside a do-nothing floor.

    .venv/bin/python bench/ws_load.py [--sessions 200] [--pairs 3] [--saturation 20]
    .venv/bin/python bench/ws_load.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

The server is started the way the Procfile starts it (its `release` command, then its `web`
command: gunicorn's gthread worker with the Procfile's options), bound to a loopback port, on a
fresh database: a SQLite file in a temporary folder, or a schema of its own on the PostgreSQL
server given by `--database` (dropped afterwards). `WEB_THREADS` is set to the number of
sessions plus a margin, since every open websocket holds one gunicorn thread.

Each candidate is a thread with its own websocket (websocket-client). It opens a connection,
starts an interview (`--count` questions in `--mode`), waits a think time drawn uniformly from
`--think` before every answer, answers every question and follow-up with 150–250 words of the
bank's example answer for it, and stops at the summary. Candidates start at random moments
within the first think time, so they do not move in lockstep.

The floor (bench/floor_app.py) is served by the same gunicorn command: a bare websocket
endpoint that answers every message with as many frames as an interview turn, of the sizes
measured on the real server, and does no work. Rounds alternate app, floor, floor, app, ...;
each pair gives a ratio of app p50 / floor p50, and the median ratio is reported (the machines
these run on are noisy). A saturation phase then runs the same candidates with no think time,
for `--saturation` seconds on each server, for turns per second.

Before the rounds, one answer goes to every question in the bank (the rater compiles a
question's rubric the first time it rates an answer to it), so the rounds measure a warm server.

Turn latency is the time from sending an answer to receiving the last frame of its reply,
including any retries (the candidates follow docs/protocol.md: after `rate_limited` or
`server_error` they send the same message again with the same id; both are counted). Each row
also shows the CPU time the server process used per turn, and how busy the whole machine was
and how much of that was neither the server nor the candidates (other programs, and the
PostgreSQL server): latency on a shared machine moves with that column, CPU per turn much less.
Afterwards every answer sent is looked up in the database: it must be stored in `turns`
exactly once, with its client message id and its text; the servers' logs are scanned for errors.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket
from sqlalchemy import func, select

from interviewbot.bank import load_bank
from interviewbot.store import Database, Turn
from interviewbot.store.db import scratch_schema

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REPLY_ENDS = ("question", "follow_up", "summary", "error")  # the last frame of a turn's reply
RECV_TIMEOUT = 120.0
MAX_ATTEMPTS = 5  # of one message, after rate_limited or server_error


# -- the server, as the Procfile starts it ----------------------------------------------------

def procfile_command(process: str, env: dict[str, str]) -> list[str]:
    """The Procfile's command for `process`, with ${VAR:-default} expanded from `env`."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            expanded = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}",
                              lambda m: env.get(m.group(1)) or (m.group(2) or ""), command)
            argv = shlex.split(expanded)
            if (BIN / argv[0]).exists():  # the virtualenv's gunicorn / interviewbot
                argv[0] = str(BIN / argv[0])
            return argv
    raise SystemExit(f"the Procfile has no '{process}' process")


def loopback(argv: list[str]) -> list[str]:
    """Bind to the loopback interface instead of every interface."""
    return [re.sub(r"^0\.0\.0\.0:", "127.0.0.1:", a) for a in argv]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The Procfile's web process on a free loopback port (`app` replaces the application, for
    the floor); its output goes to a log file scanned afterwards."""

    APP = "interviewbot.web:create_app()"

    def __init__(self, name: str, env: dict[str, str], log_path: Path, app: str | None = None):
        self.name, self.log_path = name, log_path
        self.port = free_port()
        self.env = {**env, "PORT": str(self.port)}
        self.argv = loopback(procfile_command("web", self.env))
        if app is not None:
            if self.APP not in self.argv:
                raise SystemExit(f"the Procfile's web command does not serve {self.APP}")
            self.argv[self.argv.index(self.APP)] = app
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/interview"
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{name} server exited:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{name} server did not answer /healthz within 60 s")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the gunicorn master and its workers (Linux /proc)."""
        return sum(process_cpu(pid) for pid in [self.proc.pid, *child_pids(self.proc.pid)])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()

    def log_problems(self) -> list[str]:
        """Error lines in the server's output: the app's JSON logs and gunicorn's own."""
        problems = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    entry = json.loads(line)
                except ValueError:
                    entry = {}
                if entry.get("level") in ("error", "critical") or entry.get("status", 0) >= 500:
                    cause = [c for c in (entry.get("exc") or "").strip().splitlines()
                             if c.strip() and not c.startswith(("(Background", "[SQL", " "))][-1:]
                    problems.append(" ".join([entry.get("msg", line[:200]), *cause])[:400])
            elif re.search(r"\[(ERROR|CRITICAL)\]|Traceback", line):
                problems.append(line[:300])
        return problems


TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process; 0 when it is gone or /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def child_pids(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


class CpuMeter:
    """CPU used during a round: by the server under test, by this client, by everything else
    on the machine (other programs, and the PostgreSQL server)."""

    def __init__(self, server: Server):
        self.server = server
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float, float]:
        busy, total = machine_busy()
        own = os.times()
        return self.server.cpu_seconds(), own.user + own.system, busy, total

    def read(self) -> dict[str, float]:
        end = self._sample()
        server, client, busy, total = (b - a for a, b in zip(self.start, end))
        return {"server": server, "client": client,
                "other_pct": 100 * max(0.0, busy - server - client) / total if total else float("nan"),
                "busy_pct": 100 * busy / total if total else float("nan")}


@contextlib.contextmanager
def fresh_database(server_url: str | None, folder: Path) -> Iterator[str]:
    """A SQLite file in `folder`, or a new schema on the PostgreSQL server (dropped on exit)."""
    if not server_url:
        yield f"sqlite:///{folder}/interviewbot.db"
        return
    with scratch_schema(server_url, prefix="bench") as url:
        yield url


# -- the candidates ---------------------------------------------------------------------------

class Answers:
    """150–250 words of the example answer for a question, as a candidate might write."""

    def __init__(self) -> None:
        bank = load_bank(ROOT / "question_bank")
        self.examples = {q.id: q.example_answer.split() for q in bank.questions.values()}
        self.ids = sorted(self.examples)

    def text(self, question_id: str | None, rng: random.Random) -> str:
        words = self.examples.get(question_id) or self.examples[rng.choice(self.ids)]
        n = min(len(words), rng.randint(150, 250))
        start = rng.randint(0, len(words) - n)
        return " ".join(words[start:start + n])


@dataclass
class Sent:
    session: str
    msg_id: str
    text: str
    acked: bool = False


@dataclass
class Tally:
    """What one group of candidates saw."""

    latencies: list[float] = field(default_factory=list)   # seconds, per turn
    done_at: list[float] = field(default_factory=list)     # monotonic time each turn completed
    starts: list[float] = field(default_factory=list)      # seconds, connect + start
    errors: Counter = field(default_factory=Counter)
    rate_limited: int = 0
    sessions: int = 0                                      # reached the end of their interview
    turns_per_session: list[int] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    reply_sizes: list[list[int]] = field(default_factory=list)
    start_sizes: list[list[int]] = field(default_factory=list)

    def merge(self, other: Tally) -> None:
        for name in ("latencies", "done_at", "starts", "turns_per_session", "sent", "reply_sizes", "start_sizes"):
            getattr(self, name).extend(getattr(other, name))
        self.errors.update(other.errors)
        self.rate_limited += other.rate_limited
        self.sessions += other.sessions


class ReplyError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Candidate:
    """One websocket, one interview. `turns` is set for the floor, which never ends by itself."""

    def __init__(self, url: str, answers: Answers, rng: random.Random, tally: Tally, tag: str,
                 think: tuple[float, float], plan: dict[str, Any], turns: int | None = None,
                 stop: threading.Event | None = None):
        self.url, self.answers, self.rng, self.tally, self.tag = url, answers, rng, tally, tag
        self.think, self.plan, self.turns, self.stop = think, plan, turns, stop
        self.ws: websocket.WebSocket | None = None

    def pause(self) -> None:
        low, high = self.think
        if high > 0:
            time.sleep(self.rng.uniform(low, high))

    def request(self, msg: dict[str, Any]) -> tuple[list[dict[str, Any]], list[int], float]:
        """Send one message and read its reply, as docs/protocol.md tells a client to: after
        `rate_limited` or `server_error`, send it again a little later with the same id. Every
        such error is counted; the latency runs from the first attempt to the final reply."""
        raw = json.dumps(msg)
        started = time.perf_counter()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self.ws.send(raw)
            frames, sizes = [], []
            while True:
                data = self.ws.recv()
                frame = json.loads(data)
                if frame.get("reply_to") != msg["id"]:
                    continue  # unasked frames (none are expected here)
                frames.append(frame)
                sizes.append(len(data.encode()))
                if frame["type"] in REPLY_ENDS:
                    break
            last = frames[-1]
            if last["type"] != "error":
                return frames, sizes, time.perf_counter() - started
            if last["code"] == "rate_limited":
                self.tally.rate_limited += 1
            elif last["code"] == "server_error":
                self.tally.errors["error frame: server_error (retried)"] += 1
            else:
                break
            time.sleep(0.5 * attempt)
        raise ReplyError(last["code"])

    def run(self) -> None:
        turns = 0
        try:
            started = time.perf_counter()
            self.ws = websocket.create_connection(self.url, timeout=RECV_TIMEOUT, skip_utf8_validation=True)
            hello = json.loads(self.ws.recv())
            assert hello["type"] == "hello", hello
            frames, sizes, _ = self.request({"type": "start", "id": f"{self.tag}-start", **self.plan})
            self.tally.starts.append(time.perf_counter() - started)
            self.tally.start_sizes.append(sizes)
            session = frames[0].get("session", "")
            prompt = frames[-1]
            while prompt["type"] != "summary" and (self.turns is None or turns < self.turns):
                self.pause()
                if self.stop is not None and self.stop.is_set():
                    return
                msg_id = f"{self.tag}-a{turns}"
                text = self.answers.text(prompt.get("question_id"), self.rng)
                sent = Sent(session, msg_id, text)
                self.tally.sent.append(sent)
                msg = {"type": "answer", "id": msg_id, "text": text}
                if "turn" in prompt:
                    msg["turn"] = prompt["turn"]
                frames, sizes, elapsed = self.request(msg)
                sent.acked = True
                turns += 1
                self.tally.latencies.append(elapsed)
                self.tally.done_at.append(time.monotonic())
                self.tally.reply_sizes.append(sizes)
                prompt = frames[-1]
            self.tally.sessions += 1
            self.tally.turns_per_session.append(turns)
        except ReplyError as exc:
            self.tally.errors[f"error frame: {exc.code}"] += 1
        except Exception as exc:  # a timeout, a dropped connection: counted, not hidden
            self.tally.errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
        finally:
            if self.ws is not None:
                with contextlib.suppress(Exception):
                    self.ws.close()


def run_group(target: str, url: str, answers: Answers, clients: int, seed: int, tag: str,
              think: tuple[float, float], plan: dict[str, Any], floor_turns: list[int],
              duration: float | None = None) -> tuple[Tally, float]:
    """`clients` candidates; with `duration`, each keeps starting new interviews until it ends.
    Returns the merged tally and the wall time."""
    tallies = [Tally() for _ in range(clients)]
    stop = threading.Event()

    def candidate(i: int) -> None:
        rng = random.Random(seed * 100_003 + i)
        if think[1] > 0:
            time.sleep(rng.uniform(0, think[1]))  # arrive at random moments, not in lockstep
        n = 0
        while True:
            turns = floor_turns[(i + n) % len(floor_turns)] if target == "floor" else None
            Candidate(url, answers, rng, tallies[i], f"{tag}c{i}s{n}", think, plan, turns,
                      stop if duration else None).run()
            n += 1
            if duration is None or stop.is_set():
                return

    threads = [threading.Thread(target=candidate, args=(i,), daemon=True) for i in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    if duration:
        time.sleep(duration)
        stop.set()
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    tally = Tally()
    for t in tallies:
        tally.merge(t)
    if duration:  # count only the turns that completed inside the window
        window = [(d, lat) for d, lat in zip(tally.done_at, tally.latencies) if d - began <= duration]
        tally.done_at = [d for d, _ in window]
        tally.latencies = [lat for _, lat in window]
        wall = duration
    return tally, wall


def warm_up(url: str, answers: Answers, mode: str) -> Tally:
    """Answer every question in the bank once, in interviews of up to 20 questions at once."""
    ids = answers.ids
    chunks = [ids[i:i + 20] for i in range(0, len(ids), 20)]
    tallies = [Tally() for _ in chunks]
    threads = [threading.Thread(target=Candidate(
        url, answers, random.Random(i), tallies[i], f"warm{i}", (0.25, 0.3),  # within WS_RATE
        {"areas": "all", "count": len(chunk), "questions": chunk, "mode": mode}).run)
        for i, chunk in enumerate(chunks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tally = Tally()
    for t in tallies:
        tally.merge(t)
    return tally


# -- figures ----------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))]


def ms(seconds: float) -> str:
    return f"{1000 * seconds:8.1f}"


def check_database(db_url: str, sent: list[Sent]) -> dict[str, int]:
    """Every answer sent must be in `turns` exactly once, with its client message id and text."""
    db = Database(db_url)
    try:
        with db.session() as s:
            rows = s.execute(select(Turn.session_id, Turn.client_msg_id, Turn.answer_text)
                             .where(Turn.client_msg_id.is_not(None))).all()
            answered = s.scalar(select(func.count()).select_from(Turn).where(Turn.answer_text.is_not(None)))
    finally:
        db.dispose()
    stored = Counter((r.session_id, r.client_msg_id) for r in rows)
    texts = {(r.session_id, r.client_msg_id): r.answer_text for r in rows}
    keys = {(a.session, a.msg_id) for a in sent}
    acked = [a for a in sent if a.acked]
    return {
        "sent": len(sent),
        "acknowledged": len(acked),
        "stored exactly once": sum(1 for a in sent if stored[(a.session, a.msg_id)] == 1
                                   and texts[(a.session, a.msg_id)] == a.text),
        "lost (acknowledged, not stored)": sum(1 for a in acked if stored[(a.session, a.msg_id)] == 0),
        "duplicated": sum(1 for n in stored.values() if n > 1),
        "wrong text": sum(1 for a in sent if stored[(a.session, a.msg_id)] and texts[(a.session, a.msg_id)] != a.text),
        "stored without a client id": answered - len(rows),
        "stored, never sent": sum(1 for k in stored if k not in keys),
    }


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=200, help="concurrent candidates (default 200)")
    parser.add_argument("--pairs", type=int, default=3,
                        help="pairs of rounds, app and floor, in the order AF FA AF ... (default 3)")
    parser.add_argument("--count", type=int, default=5, help="questions per interview (default 5)")
    parser.add_argument("--mode", choices=("practice", "mock"), default="practice")
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 3.0), metavar=("MIN", "MAX"),
                        help="think time before each answer, seconds, uniform (default 0.5 3)")
    parser.add_argument("--saturation", type=float, default=20,
                        help="seconds of no-think-time load on each server (default 20; 0 skips)")
    parser.add_argument("--database", help="a PostgreSQL server URL; a fresh schema is made on it "
                                           "(default: a fresh SQLite file)")
    parser.add_argument("--threads", type=int, help="WEB_THREADS (default: sessions + 16)")
    parser.add_argument("--workers", type=int, default=1, help="WEB_CONCURRENCY (default 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--logs", type=Path, help="keep the servers' logs in this folder")
    args = parser.parse_args()

    answers = Answers()
    plan = {"areas": "all", "count": args.count, "mode": args.mode}
    think = tuple(args.think)
    threads = args.threads or args.sessions + 16
    with tempfile.TemporaryDirectory(prefix="ws-load-") as tmp, \
            fresh_database(args.database, Path(tmp)) as db_url:
        folder = Path(tmp)
        logs = args.logs or folder
        logs.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DATABASE_URL": db_url, "INTERVIEWBOT_INSTANCE": str(folder),
               "INTERVIEWBOT_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
               "WEB_THREADS": str(threads), "WEB_CONCURRENCY": str(args.workers)}
        env.pop("REDIS_URL", None)
        release = procfile_command("release", env)
        subprocess.run(release, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        app = Server("app", env, logs / "app.log")
        floor = None
        try:
            # Warm-up: one interview per chunk of the bank, so that every question has been
            # answered once (the rater compiles a rubric on its first use); the replies give the
            # frame sizes the floor sends.
            warm = warm_up(app.ws_url, answers, args.mode)
            if warm.sessions < -(-len(answers.ids) // 20) or not warm.reply_sizes:
                raise SystemExit(f"warm-up failed: {dict(warm.errors)}\n" + "\n".join(app.log_problems()[:5]))
            frames_per_turn = Counter(len(s) for s in warm.reply_sizes).most_common(1)[0][0]
            sizes = [round(statistics.median(s[k] for s in warm.reply_sizes if len(s) == frames_per_turn))
                     for k in range(frames_per_turn)]
            start_sizes = [round(statistics.median(s[k] for s in warm.start_sizes))
                           for k in range(len(warm.start_sizes[0]))]
            floor_env = {**env, "FLOOR_FRAMES": ",".join(map(str, sizes)),
                         "FLOOR_START_FRAMES": ",".join(map(str, start_sizes)),
                         "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"), env.get("PYTHONPATH")]))}
            floor = Server("floor", floor_env, logs / "floor.log", app="floor_app:create_app()")

            print(f"machine:  {machine()}")
            print(f"database: {'PostgreSQL (fresh schema)' if args.database else 'SQLite (fresh file, WAL)'}")
            print(f"release:  {shlex.join(release)}")
            print(f"app:      WEB_THREADS={threads} WEB_CONCURRENCY={args.workers} {shlex.join(app.argv)}")
            print(f"floor:    {shlex.join(floor.argv)}  (reply frames per turn: {sizes} bytes)")
            print(f"load:     {args.sessions} candidates, {args.mode} mode, {args.count} questions, "
                  f"think time uniform {think[0]}–{think[1]} s; the app's rate limit is "
                  f"WS_RATE={env.get('WS_RATE', '5')}/s, WS_BURST={env.get('WS_BURST', '20')}")
            print(f"warm-up:  {len(warm.latencies)} answers, one to every question in the bank")
            print()
            print(f"{'round':>5}  {'target':<7}{'sessions':>8}{'turns':>7}{'turns/s':>8}{'p50 ms':>9}"
                  f"{'p99 ms':>9}{'max ms':>9}{'errors':>7}{'srv CPU ms/turn':>16}{'busy %':>7}{'other %':>8}")
            all_sent = list(warm.sent)
            results: dict[str, list[Tally]] = {"app": [], "floor": []}
            floor_turns = [1 + args.count]  # until the first app round says how many
            errors: Counter = Counter({f"warm-up: {k}": v for k, v in warm.errors.items()})
            rate_limited = Counter({"warm-up": warm.rate_limited})

            def row(label: str, target: str, tally: Tally, wall: float, cpu: dict[str, float]) -> None:
                lat = tally.latencies
                print(f"{label:>5}  {target:<7}{tally.sessions:>8}{len(lat):>7}{len(lat) / wall:>8.1f}"
                      f"{ms(pct(lat, 50))}{ms(pct(lat, 99))}{ms(max(lat, default=0))}"
                      f"{sum(tally.errors.values()):>7}{1000 * cpu['server'] / max(1, len(lat)):>16.2f}"
                      f"{cpu['busy_pct']:>7.0f}{cpu['other_pct']:>8.0f}")

            n = 0
            for pair in range(args.pairs):
                for target in (("app", "floor") if pair % 2 == 0 else ("floor", "app")):
                    n += 1
                    server = app if target == "app" else floor
                    meter = CpuMeter(server)
                    tally, wall = run_group(target, server.ws_url, answers, args.sessions, args.seed + n,
                                            f"r{n}", think, plan, floor_turns)
                    cpu = meter.read()
                    if target == "app":
                        all_sent += tally.sent
                        floor_turns = tally.turns_per_session or floor_turns
                    errors.update({f"{target}: {k}": v for k, v in tally.errors.items()})
                    rate_limited[target] += tally.rate_limited
                    results[target].append(tally)
                    row(str(n), target, tally, wall, cpu)
            ratios = [pct(a.latencies, 50) / pct(f.latencies, 50) for a, f in zip(results["app"], results["floor"])]
            app_lat = [x for t in results["app"] for x in t.latencies]
            floor_lat = [x for t in results["floor"] for x in t.latencies]
            print()
            print(f"all rounds: app p50 {ms(pct(app_lat, 50)).strip()} ms, p99 {ms(pct(app_lat, 99)).strip()} ms; "
                  f"floor p50 {ms(pct(floor_lat, 50)).strip()} ms, p99 {ms(pct(floor_lat, 99)).strip()} ms")
            print(f"app p50 / floor p50, per pair: {', '.join(f'{r:.2f}' for r in ratios)}; "
                  f"median {statistics.median(ratios):.2f}")
            app_starts = [x for t in results["app"] for x in t.starts]
            print(f"app connect + start: p50 {ms(pct(app_starts, 50)).strip()} ms, "
                  f"p99 {ms(pct(app_starts, 99)).strip()} ms")

            if args.saturation > 0:
                print()
                print(f"saturation: {args.sessions} candidates, no think time, {args.saturation:g} s on each server")
                for target in ("app", "floor"):
                    server = app if target == "app" else floor
                    meter = CpuMeter(server)
                    tally, wall = run_group(target, server.ws_url, answers, args.sessions, args.seed + 999,
                                            f"sat-{target}", (0, 0), plan, floor_turns, args.saturation)
                    cpu = meter.read()
                    if target == "app":
                        all_sent += tally.sent
                    errors.update({f"saturation {target}: {k}": v for k, v in tally.errors.items()})
                    rate_limited[f"saturation {target}"] += tally.rate_limited
                    row("sat", target, tally, wall, cpu)
        finally:
            app.stop()
            if floor is not None:
                floor.stop()

        print()
        print(f"errors: {sum(errors.values())}" + (f" {dict(errors)}" if errors else ""))
        print(f"rate_limited replies (retried with the same id): {sum(rate_limited.values())}"
              + (f" {dict(+rate_limited)}" if +rate_limited else ""))
        check = check_database(db_url, all_sent)
        print("database: " + ", ".join(f"{k} {v}" for k, v in check.items()))
        for server in (app, floor):
            if server is None:
                continue
            problems = server.log_problems()
            print(f"{server.name} server log: {len(problems)} error lines")
            for line in problems[:5]:
                print(f"    {line}")


if __name__ == "__main__":
    main()
