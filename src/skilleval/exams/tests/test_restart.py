"""A server restart during a computer-based exam loses no saved answer (SQLite and
PostgreSQL). The candidate answers through the pages; then the server "restarts": every
database connection is dropped, the per-process autosave caches and Django's cache are
emptied, and the candidate comes back with a new client (the same browser cookie, and
separately a fresh sign-in from another computer). Every answer is there at its version,
the timer runs on from the deadline stored on the server, and saving continues."""

import re

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ..models import Answer, Attempt
from ..services import cbt
from .test_cbt import build_world, item_of, make_paper, make_session, save, sign_in

pytestmark = pytest.mark.django_db(transaction=True)  # committed rows: the "restart" drops the connections

ANSWERS = {  # item code -> (what the candidate sends, versions sent: the last one stands)
    "CG5-S1": (["B"], 2),
    "CG5-S2": (["A"], 1),
    "CG5-M1": (["A", "C"], 3),
    "CG5-T1": (["false"], 1),
    "CG5-Q1": (["用跟刀架，减小吃刀量，保持充分冷却"], 4),
}


def _restart() -> None:
    connections.close_all()
    cbt.autosave_caches_clear()
    cache.clear()


def _remaining(page: str) -> int:
    return int(re.search(r'data-testid="timer" data-remaining="(\d+)"', page).group(1))


def _shows_every_answer(page: str, attempt: Attempt) -> None:
    for code, (response, version) in ANSWERS.items():
        pk = item_of(attempt, code).pk
        assert f'id="q-{pk}" data-testid="question"' in page
        assert re.search(rf'id="q-{pk}"[^>]*data-version="{version}"', page), code
        if code == "CG5-Q1":
            assert f">{response[0]}</textarea>" in page
        elif code == "CG5-T1":
            assert f'id="q{pk}-f" checked' in page
        else:
            for key in response:
                assert f'id="q{pk}-{key}" checked' in page, (code, key)


def test_a_restart_during_the_exam_loses_no_saved_answer_and_the_clock_runs_on(client, jurisdictions):
    world = build_world(jurisdictions["合肥市"], candidates=2)
    attempt = cbt.seats_assign(actor=world.manager, session=make_session(world, minutes=90),
                               paper=make_paper(world))[0]
    sign_in(client, world, attempt)
    client.post(reverse("exams:cbt_start"))
    for code, (response, last) in ANSWERS.items():
        pk = item_of(attempt, code).pk
        for version in range(1, last + 1):  # earlier versions first, as the page sends them
            value = response if version == last else ["C"] if code != "CG5-Q1" else ["草稿"]
            assert save(client, pk, value, version).status_code == 200
    attempt.refresh_from_db()
    deadline = attempt.deadline_at
    saved = {a.paper_item_id: (a.response, a.version) for a in Answer.objects.filter(attempt=attempt)}
    assert len(saved) == len(ANSWERS)

    _restart()
    browser = Client()
    browser.cookies = client.cookies  # the candidate's browser kept its cookie
    page = browser.get(reverse("exams:cbt_exam")).content.decode()
    _shows_every_answer(page, attempt)
    left = (deadline - timezone.now()).total_seconds()
    assert left - 5 <= _remaining(page) <= left + 1  # counted from the stored deadline
    assert _remaining(page) < 90 * 60  # not a new 90 minutes
    browser.post(reverse("exams:cbt_start"))  # pressing "start" again changes nothing
    attempt.refresh_from_db()
    assert attempt.deadline_at == deadline and attempt.status == Attempt.Status.IN_PROGRESS
    assert {a.paper_item_id: (a.response, a.version) for a in Answer.objects.filter(attempt=attempt)} == saved

    # Saving goes on: a newer version is taken, a stale one sent before the restart is ignored.
    single = item_of(attempt, "CG5-S1").pk
    assert save(browser, single, ["D"], 3).status_code == 200
    assert save(browser, single, ["A"], 1).status_code == 200
    assert Answer.objects.get(attempt=attempt, paper_item_id=single).response == "D"

    # From another computer (no cookie): signing in again brings the same paper and answers.
    _restart()
    other = Client()
    sign_in(other, world, attempt)
    page = other.get(reverse("exams:cbt_exam")).content.decode()
    assert f'id="q{single}-D" checked' in page
    assert _remaining(page) <= (deadline - timezone.now()).total_seconds() + 1
    other.post(reverse("exams:cbt_submit"))
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED
    assert Answer.objects.filter(attempt=attempt).count() == len(ANSWERS)
