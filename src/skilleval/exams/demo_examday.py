"""The exam day in the demo: the Tianjin Binhai computer-based session (made by
portal.demo._exams) gets its staff on post, two candidates signed in (one by the
ticket's QR code, one by ID number), an absentee, a violation waiting for the quality
supervisor and an incident handled on the spot, the pre-exam meeting record, the
collection and sealing record, and the reference of the room's video recording, all
through the services.

Logins (password as every demo account): `bh_admin` (exam affairs: everything but the
supervisor's decisions and forms), `bh_proctor` 何静 (sign-in, absences, records of
the room), `bh_supervisor` 孙丽 (decides the violation, checklist, quality form)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role, User
from skilleval.accounts.services import user_create

from .models import Attempt, ExamSession, StaffAssignment
from .services import examday

BINHAI_STAFF = [
    ("bh_proctor", "何静", Role.PROCTOR, "天津滨海石化：监考人员（考试当天签到、缺考、违纪与突发事件、试卷封装记录）"),
    ("bh_supervisor", "孙丽", Role.QUALITY_SUPERVISOR, "天津滨海石化：内部质量督导员（认定违纪违规、督导检查表、质量督导记录表）"),
]


def _user(username: str, full_name: str, role: str, organisation) -> User:
    from skilleval.portal.demo import DEMO_PASSWORD

    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return user_create(actor=None, username=username, full_name=full_name, password=DEMO_PASSWORD, roles=[role],
                       organisation=organisation)


def _assign_staff(session: ExamSession) -> None:
    """The session's staff from the batch's roster, unless the arrangement already did it."""
    if session.staff_assignments.exists():
        return
    room = session.rooms.select_related("site").order_by("name").first()
    site = room.site if room else None
    roster = {(m.role, m.name): m for m in session.batch.staff.all()}
    Duty = StaffAssignment.Duty
    for (role, name), duty, in_room in ((("head", "杨振宇"), Duty.SITE_HEAD, False),
                                        (("proctor", "赵雪"), Duty.PROCTOR, True),
                                        (("proctor", "何静"), Duty.PROCTOR, True),
                                        (("supervisor", "孙丽"), Duty.SUPERVISOR, False)):
        member = roster.get((role, name))
        if member is not None:
            StaffAssignment.objects.create(session=session, staff=member, duty=duty, site=site,
                                           room=room if in_room else None, source=StaffAssignment.Source.MANUAL)


def _link_accounts(actor, session: ExamSession, users: dict) -> None:
    """Link the roster's proctor and supervisor to their logins (the arrangement's service),
    so that they find their own duties."""
    from .services import arrangement

    for member in session.batch.staff.filter(user__isnull=True):
        user = users.get((member.role, member.name))
        if user is not None and not session.batch.staff.filter(user=user).exists():
            arrangement.staff_account_link(actor=actor, staff=member, user=user)


def demo_examday() -> None:
    session = (ExamSession.objects.filter(batch__organisation__name="天津滨海石化装备有限公司",
                                          kind=ExamSession.Kind.THEORY_CBT)
               .select_related("batch__organisation").order_by("pk").first())
    if session is None:
        return
    organisation = session.batch.organisation
    affairs = actor_for(User.objects.get(username="bh_admin"))
    proctor_user = _user("bh_proctor", "何静", Role.PROCTOR, organisation)
    supervisor_user = _user("bh_supervisor", "孙丽", Role.QUALITY_SUPERVISOR, organisation)
    proctor = actor_for(proctor_user)
    _assign_staff(session)
    _link_accounts(affairs, session, {("proctor", "何静"): proctor_user, ("supervisor", "孙丽"): supervisor_user})
    now = timezone.now()
    lately = max(now - dt.timedelta(minutes=5), session.starts_at)
    room = session.rooms.order_by("name").first()

    examday.session_record_create(actor=affairs, session=session, kind="meeting", content={
        "held_at": session.starts_at - dt.timedelta(minutes=30), "place": "滨海化工培训中心二楼会议室",
        "host": "杨振宇（考点负责人）", "attendees": "赵雪、何静（监考人员），孙丽（质量督导员），韩冰（题库）",
        "training": True, "duties": True, "discipline": True, "manuals": True,
        "content": "学习考务手册和考场规则；演示扫码签到和缺考标记；明确两名监考人员分工；强调违纪违规由质量督导员认定。"})

    attempts = list(session.attempts.select_related("application__person").order_by("ticket_number"))
    if len(attempts) < 4:
        return
    first, second, _third, fourth = attempts[:4]  # the third has not arrived yet
    examday.attempt_check_in(actor=proctor, session=session, code=examday.ticket_qr_payload(first.ticket_number),
                             method=examday.QR, room=room)
    examday.attempt_check_in(actor=proctor, session=session, code=second.application.person.id_number,
                             method=examday.ID, room=room)
    examday.attempts_mark_absent(actor=proctor, session=session, attempt_ids=[fourth.pk])

    examday.incident_record(
        actor=proctor, session=session, kind="violation", category="携带违规物品进入考场", attempt=first,
        occurred_at=lately, description="开考后巡视发现考生座位下书包内有手机（已关机），当场交出保管。")
    examday.incident_record(
        actor=proctor, session=session, kind="incident", category="设备故障（考试机或实操设备）", room=room,
        occurred_at=lately, description="12号考试机死机，考生更换至备用机15号，答案已实时保存，耽误2分钟。",
        handling_note="在本场考试时间内补足2分钟。")

    examday.session_record_create(actor=proctor, session=session, kind="sealing", room=room, content={
        "received": 4, "issued": 2, "blank": 2, "collected": 2, "sealed_at": now, "sealed_by": "何静",
        "witnesses": "赵雪、孙丽", "seal_number": "BH-2026-FT-0001", "notes": "机考场次：回收草稿纸与签到表一并封装。"})
    examday.session_media_add(actor=affairs, session=session, kind="video", room=room,
                              reference="滨海培训中心 NVR-02 通道5（机房一）全场录像",
                              description="机房一全程监控录像")
    assert Attempt.objects.filter(session=session, checked_in_at__isnull=False).count() == 2
    assert examday.incidents_pending(session).count() == 1
