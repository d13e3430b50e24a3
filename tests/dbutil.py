"""Databases for tests, for any test folder: SQLite always, PostgreSQL when
``TEST_DATABASE_URL`` is set.

Each PostgreSQL test gets a schema of its own (``t_<hex>``, reached through ``search_path``) that
is dropped afterwards, so test runs can share one server and run in parallel.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from interviewbot.store import normalise_url, upgrade
from interviewbot.store.db import scratch_schema

SQLITE = "sqlite"


def database_urls() -> list:
    """Parameters for ``@pytest.fixture(params=...)``: ``"sqlite"``, and the PostgreSQL URL of
    ``TEST_DATABASE_URL`` when it is set. Pass the value to :func:`fresh_database`."""
    params = [pytest.param(SQLITE, id="sqlite")]
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        params.append(pytest.param(normalise_url(url), id="postgresql"))
    return params


@contextmanager
def fresh_database(kind: str, *, migrate: bool = True) -> Iterator[str]:
    """The URL of an empty database, migrated to head unless ``migrate=False``; removed on exit.

    ``kind`` is ``"sqlite"`` (a file in a temporary folder) or a PostgreSQL URL. Dispose of
    engines made from the URL before leaving the block.
    """
    if kind == SQLITE:
        with tempfile.TemporaryDirectory(prefix="interviewbot-test-") as folder:
            url = f"sqlite:///{folder}/interviewbot.db"
            if migrate:
                upgrade(url)
            yield url
        return
    with scratch_schema(kind, prefix="t") as url:
        if migrate:
            upgrade(url)
        yield url
