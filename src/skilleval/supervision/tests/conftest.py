"""Fixtures of the supervision tests: a Tianjin jurisdiction ready for a random inspection,
and a Hefei batch filed in its archive."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.exams.models import SessionMedia, SessionRecord

from ..services import archives as archive_services
from ..services import inspections as services
from .factories import add_sessions, at, evaluated_batch, filed, inspectors, record_results

YEAR = timezone.localdate().year - 1
TODAY = timezone.localdate()
FIRST = TODAY - dt.timedelta(days=500)


@pytest.fixture
def tianjin(db, jurisdictions):
    """Tianjin (share 30%): two organisations, ten sessions on ten days of last year, an
    authority and three inspectors, one of whom declared a conflict with 滨海."""
    jurisdiction = jurisdictions["天津市"]
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdiction, full_name="马丽"))
    binhai = filed(jurisdiction, "天津滨海测试石化有限公司")
    gangwan = filed(jurisdiction, "天津港湾测试机械有限公司")
    first, last = dt.date(YEAR, 3, 2), dt.date(YEAR, 11, 30)
    a = evaluated_batch(binhai, first=first, last=last, authority=authority)
    b = evaluated_batch(gangwan, first=first, last=last, authority=authority, name="港湾车工认定")
    sessions = add_sessions(a.batch, [at(dt.date(YEAR, 3 + n, 5)) for n in range(6)])
    sessions += add_sessions(b.batch, [at(dt.date(YEAR, 3 + n, 12)) for n in range(4)])
    pool = inspectors(jurisdiction)
    services.conflict_declare(actor=authority, inspector=pool[0], organisation=binhai, reason="近三年在该单位任职")
    return {"jurisdiction": jurisdiction, "authority": authority, "binhai": binhai, "gangwan": gangwan,
            "sessions": sessions, "inspectors": pool, "batches": (a, b)}


@pytest.fixture
def world(db, jurisdictions):
    """A Hefei batch evaluated about 16 months ago, with a session, its supervisor checklist and
    video, committee-approved results and an accepted report; filed in its archive the day after
    the evaluation ended (so the 1-year video retention has run out, paper and electronic not)."""
    org = filed(jurisdictions["合肥市"], "合肥档案测试机械有限公司")
    evaluated = evaluated_batch(org, first=FIRST, levels=(5, 4), per_level=2)
    session = add_sessions(evaluated.batch, [at(FIRST)])[0]
    user = evaluated.manager.user
    SessionRecord.objects.create(session=session, kind=SessionRecord.Kind.SUPERVISOR_CHECKLIST, content={},
                                 recorded_by=user, recorded_at=at(FIRST, 11))
    SessionMedia.objects.create(session=session, kind=SessionMedia.Kind.VIDEO, reference="NVR-01 通道3 09:00-11:00",
                                keep_until=FIRST + dt.timedelta(days=366), uploaded_by=user)
    record_results(evaluated, passed=3)
    archived_on = evaluated.batch.last_exam_date + dt.timedelta(days=1)
    archive = archive_services.archive_compile(actor=evaluated.manager, batch=evaluated.batch, today=archived_on)
    return {"org": org, "evaluated": evaluated, "archive": archive, "manager": evaluated.manager,
            "archived_on": archived_on}


