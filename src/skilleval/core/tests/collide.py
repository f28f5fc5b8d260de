"""Harness for the concurrency and fault tests on PostgreSQL (marked `postgresql`; the
root conftest deselects them on SQLite and says so).

Two users colliding are two threads, each with its own database connection (Django
opens one per thread), calling the real services. To make them collide for certain and
in a known order, a third session — a `Gate` — holds a lock that both need: each call
is started only when the previous one is blocked on that lock inside its transaction
(seen in `pg_stat_activity`), then the gate opens and PostgreSQL lets them through in
the order they queued. The same gate, holding a table lock, freezes a background job in
the middle of its write transaction so a test can kill its connection there
(`pg_terminate_backend`) or kill the process that runs it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import connections

from skilleval.core.errors import DomainError

from .test_worker import _database_url

WAIT_SECONDS = 120


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        """The Chinese message a user would read (DomainError), else the error's text."""
        if isinstance(self.error, DomainError):
            return self.error.message
        return "" if self.error is None else f"{type(self.error).__name__}: {self.error}"


class Racer(threading.Thread):
    """Runs one call in its own thread and database connection, keeping its outcome."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.outcome = Outcome()

    def run(self) -> None:
        try:
            self.outcome.value = self.call()
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever happened
            self.outcome.error = exc
        finally:
            connections.close_all()


def _connect(autocommit: bool) -> psycopg.Connection:
    return psycopg.connect(_database_url(), autocommit=autocommit)


class Gate:
    """Another session holding a lock (`sql`, run in its own transaction) until `open()`.

        with Gate("SELECT 1 FROM batches_application WHERE id = %s FOR UPDATE", [pk]) as gate:
            first, second = gate.queue(accept, reject)
    """

    holders: set[int] = set()  # every gate's own session, never counted as a waiter

    def __init__(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
        self.sql, self.params = sql, params
        self.holder: psycopg.Connection | None = None
        self.monitor: psycopg.Connection | None = None
        self._taking: threading.Thread | None = None
        self.pid = 0

    def _connect(self) -> None:
        self.holder = _connect(autocommit=False)
        self.monitor = _connect(autocommit=True)
        self.pid = self.holder.info.backend_pid
        Gate.holders.add(self.pid)

    def behind(self) -> Gate:
        """Ask for the lock without waiting for it (it may queue behind a transaction that
        holds a conflicting one, and block everyone who asks after); `held()` waits for it."""
        self._connect()
        assert self.holder is not None
        self._taking = threading.Thread(target=self.holder.execute, args=(self.sql, self.params), daemon=True)
        self._taking.start()
        return self

    def held(self) -> None:
        assert self._taking is not None
        self._taking.join(WAIT_SECONDS)
        assert not self._taking.is_alive(), "the gate never got its lock"

    def __enter__(self) -> Gate:
        if self.holder is None:
            self._connect()
            assert self.holder is not None
            self.holder.execute(self.sql, self.params)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.open()
        for conn in (self.holder, self.monitor):
            if conn is not None:
                conn.close()
        Gate.holders.discard(self.pid)

    def open(self) -> None:
        if self._taking is not None:
            self.held()
        if self.holder is not None and not self.holder.closed:
            self.holder.rollback()

    def waiting(self) -> list[int]:
        """Backend pids of this database waiting on a lock (queued behind the gate)."""
        assert self.monitor is not None and self.holder is not None
        rows = self.monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "ORDER BY query_start").fetchall()
        return [pid for (pid,) in rows if pid not in Gate.holders]

    def wait_for(self, count: int, *, racers: list[Racer] | None = None, exclude: set[int] | None = None) -> list[int]:
        """Wait until `count` sessions (not in `exclude`) are blocked behind the gate."""
        racers, exclude = racers or [], exclude or set()
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            pids = [p for p in self.waiting() if p not in exclude]
            if len(pids) >= count:
                return pids
            finished = [r.outcome for r in racers if not r.is_alive()]
            if finished:
                raise AssertionError(f"a call finished before reaching the lock: {finished[0].message}")
            time.sleep(0.02)
        raise AssertionError(f"fewer than {count} sessions reached the lock in {WAIT_SECONDS}s")

    def queue(self, *calls: Callable[[], Any]) -> list[Outcome]:
        """Start the calls one after the other, each once the previous one waits behind the
        gate; open it; return their outcomes in the order they queued (and ran)."""
        racers: list[Racer] = []
        for count, call in enumerate(calls, start=1):
            racer = Racer(call)
            racer.start()
            racers.append(racer)
            self.wait_for(count, racers=racers)
        self.open()
        for racer in racers:
            racer.join(WAIT_SECONDS)
            assert not racer.is_alive(), "a call did not finish after the gate opened"
        return [racer.outcome for racer in racers]

    def statement(self, pid: int) -> tuple[str, bool]:
        """What a session is running, and whether its transaction has written anything yet."""
        assert self.monitor is not None
        row = self.monitor.execute("SELECT query, backend_xid IS NOT NULL FROM pg_stat_activity WHERE pid = %s",
                                   [pid]).fetchone()
        assert row is not None, f"session {pid} is gone"
        return row[0], row[1]

    def kill_waiting(self, times: int, *, racers: list[Racer]) -> list[str]:
        """Kill the connection of the session waiting behind the gate, `times` times (each
        retry comes back to the gate); returns the statement each was killed in."""
        killed: set[int] = set()
        statements = []
        for _time in range(times):
            pid = self.wait_for(1, racers=racers, exclude=killed)[0]
            query, wrote = self.statement(pid)
            statements.append(query if wrote else f"(nothing written yet) {query}")
            self.terminate(pid)
            killed.add(pid)
        return statements

    def terminate(self, pid: int) -> None:
        """Kill a session's connection, as a database restart or a network cut would."""
        assert self.monitor is not None
        self.monitor.execute("SELECT pg_terminate_backend(%s)", [pid])


def table_gate(model: Any) -> Gate:
    """A gate that lets nobody insert into the model's table (SHARE lock): a write
    transaction reaching that insert waits there, with everything before it written."""
    return Gate(f'LOCK TABLE "{model._meta.db_table}" IN SHARE MODE')


def row_gate(model: Any, pk: int) -> Gate:
    return Gate(f'SELECT 1 FROM "{model._meta.db_table}" WHERE id = %s FOR UPDATE', [pk])
