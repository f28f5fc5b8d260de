"""The rooms and staff arrangement in the demo: the Tianjin Binhai confirmed batch (its
site 滨海化工培训中心 and rooms were made by portal.demo._exams) gets a practical task, a
practical session on the last evaluation day in 总控实训室, a declared conflict (examiner
钱国华 and candidate 马晓东 are relatives) and the automatic arrangement of the whole
batch, all through the services. The computer-based session already under way keeps its
candidates and seats; the run gives it its site head, proctors and supervisor. The
practical panel is three of the four other examiners with its leader; 钱国华 stays out.

Login: `bh_examiner` (the practical panel's leader, linked to the roster) sees
"我的考务安排" and may declare a conflict of their own; `bh_admin` runs and adjusts the
arrangement at /exams/arrangement/."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role, User
from skilleval.accounts.services import user_create
from skilleval.batches.models import Application, Batch

from .models import ExamRoom, ExamSession, RoomKind, StaffAssignment, StaffConflict
from .services import arrangement, bank, cbt

ORGANISATION = "天津滨海石化装备有限公司"
SEED = 20_260_601
RUBRIC = "\n".join([
    "开车前准备|20|检查流程、阀门状态、仪表联锁，穿戴劳保用品",
    "进料与升温|30|按规程建立回流，控制塔釜升温速率",
    "调节与稳定|30|塔顶温度、压力、液位稳定在工艺指标内",
    "安全文明操作|20|无违章操作，异常及时处置并记录",
])


def demo_arrangement() -> None:
    batch = Batch.objects.filter(organisation__name=ORGANISATION, status=Batch.Status.PLAN_CONFIRMED).first()
    if batch is None:
        return
    from skilleval.portal.demo import DEMO_PASSWORD

    affairs = actor_for(User.objects.get(username="bh_admin"))
    bank_actor = actor_for(User.objects.get(username="bh_bank"))
    task = bank.practical_task_create(actor=bank_actor, data=bank.TaskData(
        code="HG4-P001", occupation_code="6-28-01-01", level=4, title="精馏塔开车与稳定操作",
        description="在总控实训装置上完成精馏塔开车，建立全回流后转入正常进料，将塔顶温度、压力、液位稳定在工艺指标内。",
        duration_minutes=120, rubric=RUBRIC))
    task = bank.practical_task_approve(actor=bank_actor, task=task)

    day = batch.last_exam_date
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    room = ExamRoom.objects.get(site__organisation=batch.organisation, kind=RoomKind.PRACTICAL, name="总控实训室")
    cbt.session_create(
        actor=affairs, batch=batch, batch_item=batch.items.first(), kind=ExamSession.Kind.PRACTICAL,
        practical_task=task, name="化工总控工四级操作技能考核", rooms=[room], starts_at=start,
        ends_at=start + dt.timedelta(minutes=150), duration_minutes=120)

    relative = batch.staff.get(role="examiner", name="钱国华")
    candidate = Application.objects.get(batch=batch, name="马晓东")
    arrangement.conflict_declare(actor=affairs, staff=relative, application=candidate,
                                 kind=StaffConflict.Kind.FAMILY, note="表兄弟")
    arrangement.arrangement_run(actor=affairs, batch=batch, seed=SEED)

    leader = StaffAssignment.objects.filter(session__batch=batch, duty=StaffAssignment.Duty.LEADER).select_related(
        "staff").first()
    if leader is not None and not User.objects.filter(username="bh_examiner").exists():
        user = user_create(actor=None, username="bh_examiner", full_name=leader.staff.name, password=DEMO_PASSWORD,
                           roles=[Role.EXAMINER], organisation=batch.organisation)
        arrangement.staff_account_link(actor=affairs, staff=leader.staff, user=user)
