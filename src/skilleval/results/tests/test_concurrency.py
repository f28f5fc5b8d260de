"""Score sheets and publicity under collision, on PostgreSQL with real concurrent
sessions (core/tests/collide.py): both calls are inside their transactions, queued on the
same row lock, when it opens, in a known order; both orders are run."""

import datetime as dt
from decimal import Decimal

import pytest

from skilleval.accounts.access import actor_for
from skilleval.batches.models import Batch
from skilleval.core.models import AuditEvent
from skilleval.core.tests.collide import row_gate

from ..models import Objection, Publicity, ScoreEntry, ScoreSheet
from ..services import publicity, scoring
from .factories import PASSING, build_results_world, published, score

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

CORRECTED = ["30", "20", "20"]  # the second examiner's second thoughts: 70 instead of 88


@pytest.fixture
def rw(jurisdictions):
    return build_results_world(jurisdictions["合肥市"])


def _locks(sheet):
    return AuditEvent.objects.filter(object_id=str(sheet.pk), summary__startswith="考评组长签字锁定评分表")


@pytest.mark.parametrize("leader_first", [False, True])
def test_an_examiner_correcting_while_the_leader_locks_the_sheet(rw, leader_first):
    application = rw.applications[0]
    attempt = rw.attempt("practical", application)
    sheet = score(rw, "practical", application, PASSING, sign=False)
    examiner = rw.examiners[1]

    def sign_off():
        return scoring.score_sheet_sign_off(actor=rw.leader, sheet=sheet)

    def correct():
        return scoring.score_entry_save(actor=examiner, attempt=attempt, scores=CORRECTED)

    with row_gate(ScoreSheet, sheet.pk) as gate:
        outcomes = gate.queue(*((sign_off, correct) if leader_first else (correct, sign_off)))
    signed, corrected = outcomes if leader_first else outcomes[::-1]
    assert signed.ok, signed.message
    sheet.refresh_from_db()
    entry = ScoreEntry.objects.get(sheet=sheet, examiner=rw.staff[1])
    assert sheet.status == ScoreSheet.Status.LOCKED and _locks(sheet).count() == 1
    if leader_first:  # the sheet was locked first: the correction is refused, the lock stands as signed
        assert corrected.message == "评分表已由考评组长签字锁定；如需修改，请提出更正申请，写明理由，经第二人审批。"
        assert entry.total == Decimal("88")
        assert sheet.combined_score == Decimal("89.3")
    else:  # the correction came first: the leader signed what was there, the correction included
        assert corrected.ok, corrected.message
        assert entry.total == Decimal("70")
        assert sheet.combined_score == Decimal("83.3")  # (90 + 70 + 90) / 3


def test_the_leader_locking_one_sheet_from_two_windows_locks_it_once(rw):
    sheet = score(rw, "practical", rw.applications[0], PASSING, sign=False)

    def sign_off():
        return scoring.score_sheet_sign_off(actor=rw.leader, sheet=sheet)

    with row_gate(ScoreSheet, sheet.pk) as gate:
        first, second = gate.queue(sign_off, sign_off)
    assert first.ok, first.message
    assert second.message.startswith("评分表已于 ") and second.message.endswith(" 签字锁定。")
    sheet.refresh_from_db()
    assert sheet.status == ScoreSheet.Status.LOCKED and _locks(sheet).count() == 1


@pytest.mark.parametrize("objection_first", [True, False])
def test_an_objection_arriving_as_publicity_closes(rw, objection_first):
    """The last minute of the period and the first of the next day: whichever comes first
    decides, and the publicity never closes with an objection still open."""
    row = published(rw)
    candidate = actor_for(rw.applications[1].person.user)

    def object_():
        return publicity.objection_raise(actor=candidate, batch=rw.batch, today=row.ends_on,
                                         text="本人实操考核得分与现场评分记录不一致，请复核。")

    def close():
        return publicity.publicity_close(actor=rw.manager, batch=rw.batch, today=row.ends_on + dt.timedelta(days=1))

    with row_gate(Batch, rw.batch.pk) as gate:
        outcomes = gate.queue(*((object_, close) if objection_first else (close, object_)))
    raised, closed = outcomes if objection_first else outcomes[::-1]
    row.refresh_from_db()
    if objection_first:
        assert raised.ok, raised.message
        assert closed.message == "还有 1 条公示异议未处理完毕，全部处理后才能结束公示。"
        assert row.status == Publicity.Status.OPEN
        assert Objection.objects.filter(batch=rw.batch, status=Objection.Status.OPEN).count() == 1
    else:
        assert closed.ok, closed.message
        assert raised.message == f"公示期已于 {row.ends_on.isoformat()} 结束，不再受理异议。"
        assert row.status == Publicity.Status.CLOSED
        assert not Objection.objects.filter(batch=rw.batch).exists()
