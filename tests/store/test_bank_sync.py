"""Storing the loaded bank: every process does it on start, often several at the same moment."""
from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from interviewbot.bank import load_bank
from interviewbot.store import Database
from interviewbot.store.interviews import sync_bank
from interviewbot.store.models import BankQuestion

BANK = load_bank(Path(__file__).resolve().parents[2] / "question_bank")


def test_processes_starting_together_store_each_question_once(db_url):
    # One Database per "process": separate pools, as separate servers would have.
    databases = [Database(db_url) for _ in range(6)]
    start, errors = threading.Barrier(len(databases)), []

    def boot(db: Database) -> None:
        start.wait()
        try:
            sync_bank(db, BANK)
        except Exception as exc:  # a duplicate key here is a server that fails to boot
            errors.append(exc)

    threads = [threading.Thread(target=boot, args=(db,)) for db in databases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert errors == []
        with databases[0].session() as s:
            assert s.scalar(select(func.count()).select_from(BankQuestion)) == len(BANK.questions)
            assert set(s.scalars(select(BankQuestion.bank_version))) == {BANK.version}
    finally:
        for db in databases:
            db.dispose()
