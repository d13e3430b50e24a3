"""The `interviewbot` command: serve the app, check and list banks, rate an answer."""
from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

import click

from .bank import DIFFICULTIES, BankError, load_bank
from .rating import AnswerTooLong, rate

DEFAULT_BANK = Path(__file__).resolve().parent.parent / "question_bank"


def bank_path() -> Path:
    return Path(os.environ.get("INTERVIEWBOT_BANK", DEFAULT_BANK))


def _load_or_exit(path: Path):
    try:
        return load_bank(path)
    except BankError as exc:
        for issue in exc.issues:
            click.echo(str(issue), err=True)
        click.echo(f"{len(exc.issues)} error(s); the bank was not loaded.", err=True)
        sys.exit(1)


@click.group()
@click.version_option(package_name="interviewbot")
def main() -> None:
    """Interview practice for Customer Service Director roles."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reload on code changes and show tracebacks.")
def serve(host: str, port: int, debug: bool) -> None:
    """Run the development server (threaded, so websockets work)."""
    from .web import create_app

    app = create_app()
    click.echo(f"interviewbot on http://{host}:{port}/")
    app.run(host=host, port=port, debug=debug, threaded=True, use_reloader=debug)


@main.group()
def db() -> None:
    """Database commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database (DATABASE_URL, default SQLite under instance/) up to date."""
    from .store import database_url, upgrade
    from .web import instance_path

    Path(instance_path()).mkdir(parents=True, exist_ok=True)
    url = database_url(instance_path())
    upgrade(url)
    click.echo(f"database is up to date: {_redacted(url)}")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.group()
def user() -> None:
    """Account commands (the first admin, coaches)."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["candidate", "coach", "admin"]), default="candidate", show_default=True)
@click.password_option(help="Prompted for (twice) when not given.")
def user_create(email: str, role: str, password: str) -> None:
    """Create an account."""
    from .store import Database, database_url, upgrade
    from .store.accounts import AccountError, create_user
    from .web import instance_path

    Path(instance_path()).mkdir(parents=True, exist_ok=True)
    url = database_url(instance_path())
    upgrade(url)
    db = Database(url)
    try:
        created = create_user(db, email, password, role)
    except AccountError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{exc.field}")
    finally:
        db.dispose()
    click.echo(f"created {created.role} {created.email}")


@main.group()
def bank() -> None:
    """Question bank commands."""


@main.command()
@click.option("--url", default="ws://127.0.0.1:8000/ws/interview", show_default=True,
              help="The server's interview websocket.")
@click.option("--areas", default="all", show_default=True, help="Comma-separated area ids, or 'all'.")
@click.option("--count", default=5, show_default=True, type=int, help="Number of questions.")
@click.option("--mode", type=click.Choice(["practice", "mock"]), default="practice", show_default=True)
@click.option("--difficulty", type=click.IntRange(1, 3), help="Prefer questions of this difficulty.")
@click.option("--resume", "resume_file", type=click.Path(path_type=Path),
              help="File holding a session to resume (written when a session starts).")
def practice(url: str, areas: str, count: int, mode: str, difficulty: int | None,
             resume_file: Path | None) -> None:
    """Practise an interview in the terminal, over the same websocket protocol as the browser."""
    from .practice_client import run_practice

    sys.exit(run_practice(url=url, areas=areas, count=count, mode=mode, difficulty=difficulty,
                          resume_file=resume_file))


@bank.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--answers/--no-answers", default=None,
              help="Also list, per question, the rubric concepts no stored answer has hit and those "
                   "every answer hits [default: on when DATABASE_URL is set or the database file exists].")
def bank_check(path: Path | None, answers: bool | None) -> None:
    """Lint a bank: exit 1 listing every error, 0 with a summary per area and kind."""
    path = path or bank_path()
    loaded = _load_or_exit(path)
    counts = Counter((q.area, q.kind) for q in loaded.questions.values())
    levels = Counter((q.area, q.difficulty) for q in loaded.questions.values())
    click.echo(f"{path}: {len(loaded.questions)} questions in {len(loaded.areas)} areas "
               f"from {len(loaded.files)} file(s), version {loaded.version}")
    click.echo(f"{'area':<14}{'behavioural':>12}{'situational':>12}   difficulty 1/2/3   concepts")
    for area in loaded.areas.values():
        b, s = counts[(area.id, "behavioural")], counts[(area.id, "situational")]
        d = "/".join(str(levels[(area.id, n)]) for n in DIFFICULTIES)
        click.echo(f"{area.id:<14}{b:>12}{s:>12}   {d:>16}   {len(area.concepts):>8}")
    if answers is None:
        answers = _database_available()
    if answers:
        _report_concept_hits(loaded)


def _database_available() -> bool:
    from .web import instance_path

    return bool(os.environ.get("DATABASE_URL", "").strip()) or \
        (Path(instance_path()) / "interviewbot.db").exists()


def _report_concept_hits(loaded) -> None:
    """For authors: concepts that stored answers never hit (phrases too narrow, or a concept
    nobody thinks of) and concepts every answer hits (too easy to earn)."""
    from sqlalchemy.exc import SQLAlchemyError

    from .store import Database, database_url
    from .store.coaching import concept_hit_stats
    from .web import instance_path

    url = database_url(instance_path())
    db = Database(url)
    try:
        stats = concept_hit_stats(db, loaded)
    except SQLAlchemyError as exc:
        click.echo(f"stored answers could not be read from {_redacted(url)}: {exc.__class__.__name__}", err=True)
        return
    finally:
        db.dispose()
    answered = {qid: st for qid, st in stats.items() if st["answers"]}
    total = sum(st["answers"] for st in answered.values())
    click.echo("")
    click.echo(f"stored answers: {total} to {len(answered)} of {len(stats)} questions ({_redacted(url)})")
    labels = {qid: {c.id: c.label for c in q.rubric.concepts} for qid, q in loaded.questions.items()}
    for qid, st in answered.items():
        if not st["never_hit"] and not st["always_hit"]:
            continue
        click.echo(f"{qid} ({st['answers']} answer{'' if st['answers'] == 1 else 's'})")
        if st["never_hit"]:
            click.echo("  never hit:  " + "; ".join(f"{c} ({labels[qid].get(c, c)})" for c in st["never_hit"]))
        if st["always_hit"]:
            click.echo("  always hit: " + "; ".join(f"{c} ({labels[qid].get(c, c)})" for c in st["always_hit"]))


@bank.command("list")
@click.option("--area", help="Only questions whose main area is AREA.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
def bank_list(area: str | None, as_json: bool) -> None:
    """List the questions of the bank."""
    loaded = _load_or_exit(bank_path())
    if area and area not in loaded.areas:
        raise click.BadParameter(f"unknown area '{area}' (known: {', '.join(loaded.areas)})",
                                 param_hint="--area")
    questions = [q for q in loaded.questions.values() if not area or q.area == area]
    if as_json:
        click.echo(json.dumps([
            {"id": q.id, "area": q.area, "also": list(q.also), "kind": q.kind,
             "difficulty": q.difficulty, "text": q.text.strip(), "source": q.source}
            for q in questions
        ], indent=2, ensure_ascii=False))
        return
    for q in questions:
        first_line = " ".join(q.text.split())
        click.echo(f"{q.id:<44} {q.area:<13} {q.kind:<11} d{q.difficulty}  {first_line[:70]}")


@main.command("rate")
@click.option("--question", "question_id", help="Rate against this question's rubric.")
@click.option("--area", help="Rate against this area's shared rubric.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def rate_command(question_id: str | None, area: str | None, fmt: str) -> None:
    """Rate an answer read from standard input. With neither option: against every area."""
    if question_id and area:
        raise click.UsageError("give --question or --area, not both")
    loaded = _load_or_exit(bank_path())
    if question_id:
        if question_id not in loaded.questions:
            raise click.BadParameter(f"no question '{question_id}' in the bank", param_hint="--question")
        subject = loaded.questions[question_id]
    elif area:
        if area not in loaded.areas:
            raise click.BadParameter(f"unknown area '{area}' (known: {', '.join(loaded.areas)})",
                                     param_hint="--area")
        subject = loaded.areas[area].rubric
    else:
        subject = loaded.all_areas_rubric
    raw = sys.stdin.buffer.read()
    answer = raw.decode("utf-8", errors="replace")
    try:
        rating = rate(subject, answer)
    except AnswerTooLong as exc:
        raise click.ClickException(str(exc))
    if fmt == "json":
        click.echo(json.dumps(rating.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_rating(rating))


def format_rating(rating) -> str:
    lines = [f"Score {rating.score}/100 — band {rating.band}: {rating.meaning}", ""]
    for area, score in sorted(rating.areas.items(), key=lambda kv: -kv[1]):
        bar = "#" * (score // 5)
        lines.append(f"  {area:<14}{score:>4}  {bar}")
    lines.append("")
    for c in rating.concepts:
        if c.hit:
            words = ", ".join(dict.fromkeys(f"\"{s.text}\"" for s in c.evidence))
            lines.append(f"  + {c.label} [{c.area}/{c.id}, weight {c.weight}]: {words}")
    for c in rating.concepts:
        if not c.hit:
            note = " (negated: " + ", ".join(f"\"{s.text}\"" for s in c.negated) + ")" if c.negated else ""
            lines.append(f"  - {c.label} [{c.area}/{c.id}, weight {c.weight}]{note}")
    star = " ".join(f"{e[0].upper()}{'✓' if spans else '✗'}" for e, spans in rating.star.items())
    lines += ["", f"STAR: {star}   words: {rating.words}   filler: {len(rating.filler)}", ""]
    lines += [f"• {f}" for f in rating.feedback]
    return "\n".join(lines)


@main.command()
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Remove guest sessions idle longer than this many days "
                   "[default: GUEST_RETENTION_DAYS, else 30].")
def purge(days: int | None) -> None:
    """Remove old guest sessions (sessions without an account) with their answers."""
    from .store import Database, database_url, upgrade
    from .store.sessions import purge_expired_guest_sessions
    from .web import instance_path

    if days is None:
        days = int(os.environ.get("GUEST_RETENTION_DAYS", 30))
    Path(instance_path()).mkdir(parents=True, exist_ok=True)
    url = database_url(instance_path())
    upgrade(url)
    db = Database(url)
    try:
        removed = purge_expired_guest_sessions(db, days)
    finally:
        db.dispose()
    click.echo(f"removed {removed} guest session(s) idle for more than {days} day(s)")
