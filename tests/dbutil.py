"""Databases for tests, for any test folder: SQLite always, PostgreSQL when
``TEST_DATABASE_URL`` is set.

Each PostgreSQL test gets a schema of its own (``t_<hex>``, reached through ``search_path``) that
is dropped afterwards, so test runs can share one server and run in parallel.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from interviewbot.store import normalise_url, upgrade

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
    with _postgres_schema(kind) as url:
        if migrate:
            upgrade(url)
        yield url


@contextmanager
def _postgres_schema(server_url: str) -> Iterator[str]:
    schema = f"t_{secrets.token_hex(8)}"
    admin = create_engine(normalise_url(server_url), poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            yield _with_search_path(server_url, schema)
        finally:
            with admin.begin() as connection:
                connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


def _with_search_path(server_url: str, schema: str) -> str:
    url = make_url(normalise_url(server_url))
    options = url.query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    options = f"{options} -csearch_path={schema}".strip()
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)
