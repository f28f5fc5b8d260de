"""Random inspections (双随机一公开): the draw reaches the profile's yearly share with random
sessions and random inspectors, never an inspector with a declared conflict, reproducibly
from the recorded seed; a sample that cannot reach the share says why and saves nothing;
findings are recorded with the checklist and published, a rectification demand entering the
credit record; another authority and the organisation before publication see nothing.
Authority supervisors at a batch's key steps and their reports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent, Notification
from skilleval.orgs.models import Sanction

from ..catalogue import supervision as supervision_category
from ..models import Inspection, InspectionPlan, InspectorConflict, SupervisorVisit
from ..sampling import InspectorSlot, SessionSlot, draw_sample, pool_from_json
from ..selectors import inspection_coverage, inspections_published, inspections_visible_to, plan_reproduces
from ..services import inspections as services
from .factories import add_sessions, at, evaluated_batch, filed, inspectors

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1
ALL_OK = {key: {"result": "ok", "note": ""} for key, _label in services.CHECKLIST}


def draw(t, **kwargs):
    values = {"period_start": dt.date(YEAR, 1, 1), "period_end": dt.date(YEAR, 12, 31)}
    values.update(kwargs)
    return services.inspection_draw(actor=t["authority"], **values)


def test_the_draw_reaches_the_share_and_never_sends_a_conflicted_inspector(tianjin):
    plan = draw(tianjin)
    inspections = list(plan.inspections.prefetch_related("inspectors"))
    assert plan.required_percent == plan.percent == 30
    assert len(inspections) == plan.target == 3  # 30% of 10 sessions
    conflicted = tianjin["inspectors"][0]
    for inspection in inspections:
        assert inspection.inspectors.count() == 2
        if inspection.organisation == tianjin["binhai"]:
            assert conflicted not in inspection.inspectors.all()
    coverage = inspection_coverage(tianjin["jurisdiction"], YEAR)
    assert (coverage.sessions, coverage.inspected, coverage.met) == (10, 3, True)
    assert coverage.percent == 30.0
    assert AuditEvent.objects.filter(object_type="supervision.inspectionplan", object_id=str(plan.pk)).exists()


def test_the_same_seed_draws_the_same_sample_and_the_plan_can_be_checked(tianjin):
    with transaction.atomic():
        first = draw(tianjin, seed=20260501)
        picked = [(i.session_id, sorted(x.pk for x in i.inspectors.all())) for i in first.inspections.all()]
        transaction.set_rollback(True)
    assert not InspectionPlan.objects.exists()
    again = draw(tianjin, seed=20260501)
    assert [(i.session_id, sorted(x.pk for x in i.inspectors.all())) for i in again.inspections.all()] == picked
    assert again.seed == 20260501 and again.seed_entered
    assert plan_reproduces(again)
    sessions, pool = pool_from_json(again.pool)
    assert len(sessions) == 10 and {i.id for i in pool if i.conflicts} == {tianjin["inspectors"][0].pk}


def test_the_pure_draw_skips_conflicts_and_overlaps():
    start = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
    sessions = [SessionSlot(1, 10, start, start + dt.timedelta(hours=2)),
                SessionSlot(2, 20, start + dt.timedelta(hours=1), start + dt.timedelta(hours=3))]
    inspectors_ = [InspectorSlot(100, frozenset({10})), InspectorSlot(101), InspectorSlot(102)]
    result = draw_sample(seed=7, sessions=sessions, inspectors=inspectors_, target=2, per_session=1)
    assert len(result.picked) == 2
    chosen = dict(result.picked)
    assert 100 not in chosen[1]  # conflicted with organisation 10
    assert set(chosen[1]).isdisjoint(chosen[2])  # overlapping sessions never share an inspector
    assert draw_sample(seed=7, sessions=sessions, inspectors=inspectors_, target=2, per_session=1).picked == \
        result.picked


def test_too_few_inspectors_free_of_conflict_says_so_and_saves_nothing(tianjin):
    # Only one inspector is free for 滨海's sessions once the second declares a conflict too.
    services.conflict_declare(actor=tianjin["authority"], inspector=tianjin["inspectors"][1],
                              organisation=tianjin["binhai"], reason="直系亲属在该单位工作")
    gangwan_sessions = [s for s in tianjin["sessions"] if s.batch.organisation_id == tianjin["gangwan"].pk]
    with pytest.raises(DomainError) as error:
        draw(tianjin, percent=80)  # 8 of 10: 滨海 sessions are needed but cannot be staffed
    assert "可用检查人员不足 2 名" in error.value.message and "无法达到抽查比例" in error.value.message
    assert error.value.field == "inspectors_per_session"
    assert not InspectionPlan.objects.exists() and not Inspection.objects.exists()
    assert len(gangwan_sessions) == 4


def test_a_pool_smaller_than_a_session_needs_is_refused(tianjin):
    with pytest.raises(DomainError) as error:
        draw(tianjin, inspectors_per_session=4)
    assert "在库人员只有 3 名" in error.value.message
    assert not InspectionPlan.objects.exists()


def test_too_few_sessions_in_the_period_for_the_year_share_says_so(tianjin):
    # December alone holds one session, but 30% of the year's eleven sessions is four.
    add_sessions(tianjin["batches"][1].batch, [at(dt.date(YEAR, 12, 3))])
    with pytest.raises(DomainError) as error:
        draw(tianjin, period_start=dt.date(YEAR, 12, 1))
    assert "须抽取 4 个场次" in error.value.message and "尚未抽查的场次只有 1 个" in error.value.message
    assert not Inspection.objects.exists()


def test_later_draws_catch_up_with_the_year_and_a_met_share_needs_no_draw(tianjin):
    # June to December holds 4 sessions (30% is 2), but 30% of the year's 10 sessions is 3:
    # the draw catches up with the months nobody drew.
    second_half = draw(tianjin, period_start=dt.date(YEAR, 6, 1))
    assert (second_half.sessions_in_period, second_half.sessions_in_year, second_half.target) == (4, 10, 3)
    first_half = draw(tianjin, period_end=dt.date(YEAR, 5, 31))
    assert (first_half.sessions_in_period, first_half.inspected_before, first_half.target) == (6, 0, 2)
    assert not set(first_half.inspections.values_list("session", flat=True)) & set(
        second_half.inspections.values_list("session", flat=True))
    with pytest.raises(DomainError) as error:
        draw(tianjin)
    assert "无需再抽取" in error.value.message
    assert inspection_coverage(tianjin["jurisdiction"], YEAR).inspected == 5


@pytest.mark.parametrize("kwargs, field, text", [
    ({"percent": 20}, "percent", "不得低于政策要求的 30%"),
    ({"period_end": dt.date(YEAR + 1, 1, 31)}, "period_end", "不能跨年度"),
    ({"period_start": dt.date(YEAR, 12, 20)}, "period_start", "没有本辖区评价机构的评价场次"),
    ({"period_end": dt.date(YEAR, 1, 1), "period_start": dt.date(YEAR, 2, 1)}, "period_end", "不能早于开始日期"),
])
def test_bad_draw_input_is_refused(tianjin, kwargs, field, text):
    with pytest.raises(DomainError) as error:
        draw(tianjin, **kwargs)
    assert text in error.value.message and error.value.field == field
    assert not InspectionPlan.objects.exists()


def test_another_jurisdictions_sessions_are_never_drawn(tianjin, jurisdictions):
    hefei = filed(jurisdictions["合肥市"], "合肥测试机床有限公司")
    other = evaluated_batch(hefei, first=dt.date(YEAR, 3, 2), last=dt.date(YEAR, 11, 30))
    add_sessions(other.batch, [at(dt.date(YEAR, 4, d)) for d in range(1, 20)])
    plan = draw(tianjin, percent=100)
    assert plan.sessions_in_period == 10
    assert set(plan.inspections.values_list("organisation", flat=True)) <= {tianjin["binhai"].pk,
                                                                            tianjin["gangwan"].pk}


def test_findings_are_recorded_then_published_with_the_rectification_in_the_credit_record(tianjin):
    plan = draw(tianjin)
    inspection = plan.inspections.first()
    authority = tianjin["authority"]
    checklist = {**ALL_OK, "records": {"result": "issue", "note": ""}}
    inspected_at = at(timezone.localtime(inspection.session.starts_at).date(), 10)
    with pytest.raises(DomainError) as error:
        services.inspection_record(actor=authority, inspection=inspection, inspected_at=inspected_at,
                                   checklist=checklist, findings="现场检查", conclusion="compliant")
    assert "写明发现的问题" in error.value.message and error.value.field == "note_records"
    checklist["records"]["note"] = "第二考场录像缺失 20 分钟"
    with pytest.raises(DomainError) as error:
        services.inspection_record(actor=authority, inspection=inspection, inspected_at=inspected_at,
                                   checklist=checklist, findings="现场检查", conclusion="compliant")
    assert "结论不能为“符合规定”" in error.value.message
    with pytest.raises(DomainError) as error:
        services.inspection_record(actor=authority, inspection=inspection, inspected_at=inspected_at,
                                   checklist=checklist, findings="现场检查", conclusion="rectify")
    assert error.value.field == "rectification_demand"
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.ASSIGNED

    deadline = timezone.localdate() + dt.timedelta(days=30)
    services.inspection_record(actor=authority, inspection=inspection, inspected_at=inspected_at,
                               checklist=checklist, findings="考务组织基本规范，录像留存不完整。", conclusion="rectify",
                               rectification_demand="补齐考场录像，完善影像资料归档制度。",
                               rectification_deadline=deadline)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.RECORDED and inspection.checklist["records"]["result"] == "issue"
    assert not inspections_published().exists()

    services.inspection_publish(actor=authority, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.PUBLISHED and inspection.published_at
    assert list(inspections_published()) == [inspection]
    sanction = Sanction.objects.get(organisation=inspection.organisation)
    assert inspection.sanction == sanction and sanction.kind == Sanction.Kind.RECTIFICATION
    assert sanction.rectification_deadline == deadline and "补齐考场录像" in sanction.description
    assert Notification.objects.filter(organisation_id=inspection.organisation_id, title__contains="抽查结果已公开")
    with pytest.raises(DomainError):
        services.inspection_record(actor=authority, inspection=inspection, inspected_at=inspected_at,
                                   checklist=ALL_OK, findings="改", conclusion="compliant")
    with pytest.raises(DomainError):
        services.inspection_publish(actor=authority, inspection=inspection)


def test_publishing_needs_a_record_and_an_inspection_in_the_future_is_refused(tianjin):
    inspection = draw(tianjin).inspections.first()
    with pytest.raises(DomainError) as error:
        services.inspection_publish(actor=tianjin["authority"], inspection=inspection)
    assert "请先录入检查结果" in error.value.message
    with pytest.raises(DomainError) as error:
        services.inspection_record(actor=tianjin["authority"], inspection=inspection,
                                   inspected_at=timezone.now() + dt.timedelta(days=2), checklist=ALL_OK,
                                   findings="x", conclusion="compliant")
    assert error.value.field == "inspected_at"


def test_another_authority_and_the_organisation_cannot_touch_an_unpublished_inspection(tianjin, jurisdictions):
    inspection = draw(tianjin).inspections.first()
    hefei = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    with pytest.raises(DomainError):
        services.inspection_record(actor=hefei, inspection=inspection, inspected_at=inspection.session.starts_at,
                                   checklist=ALL_OK, findings="越权", conclusion="compliant")
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.ASSIGNED and inspection.findings == ""
    assert not inspections_visible_to(hefei).exists()
    staff = actor_for(make_user(Role.ORG_ADMIN, organisation=inspection.organisation))
    assert not inspections_visible_to(staff).exists()
    services.inspection_record(actor=tianjin["authority"], inspection=inspection,
                               inspected_at=inspection.session.starts_at, checklist=ALL_OK, findings="规范",
                               conclusion="compliant")
    services.inspection_publish(actor=tianjin["authority"], inspection=inspection)
    assert list(inspections_visible_to(staff)) == [inspection]
    assert not Sanction.objects.exists()


def test_photos_are_checked_by_content(tianjin):
    inspection = draw(tianjin).inspections.first()
    fake = SimpleUploadedFile("现场.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(DomainError) as error:
        services.inspection_photo_add(actor=tianjin["authority"], inspection=inspection, upload=fake)
    assert "文件内容与扩展名" in error.value.message
    assert not inspection.photos.exists()
    png = SimpleUploadedFile("现场.png", _png(), content_type="image/png")
    photo = services.inspection_photo_add(actor=tianjin["authority"], inspection=inspection, upload=png,
                                          caption="第二考场")
    assert photo.original_name == "现场.png" and inspection.photos.count() == 1


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_conflicts_are_declared_once_and_can_be_withdrawn(tianjin):
    authority = tianjin["authority"]
    inspector = tianjin["inspectors"][0]
    with pytest.raises(DomainError) as error:
        services.conflict_declare(actor=authority, inspector=inspector, organisation=tianjin["binhai"], reason="重复")
    assert "已申报" in error.value.message
    conflict = InspectorConflict.objects.get(inspector=inspector)
    services.conflict_withdraw(actor=authority, conflict=conflict)
    conflict.refresh_from_db()
    assert conflict.withdrawn_on == timezone.localdate()
    services.conflict_declare(actor=authority, inspector=inspector, organisation=tianjin["binhai"], reason="再次申报")
    assert InspectorConflict.objects.filter(inspector=inspector, withdrawn_on=None).count() == 1


def test_supervisors_are_sent_to_a_key_step_and_their_report_joins_the_batch_records(tianjin):
    authority = tianjin["authority"]
    batch = tianjin["batches"][0].batch
    conflicted, free, other = tianjin["inspectors"]
    with pytest.raises(DomainError) as error:
        services.visit_dispatch(actor=authority, batch=batch, step="practical", planned_on=timezone.localdate(),
                                supervisors=[conflicted, free])
    assert "回避" in error.value.message and not SupervisorVisit.objects.exists()
    future = services.visit_dispatch(actor=authority, batch=batch, step="scoring",
                                     planned_on=timezone.localdate() + dt.timedelta(days=3), supervisors=[other])
    with pytest.raises(DomainError) as error:
        services.visit_report(actor=authority, visit=future, report="提前写")
    assert "尚未到" in error.value.message
    visit = services.visit_dispatch(actor=authority, batch=batch, step="practical", planned_on=batch.first_exam_date,
                                    supervisors=[free, other])
    assert Notification.objects.filter(organisation_id=batch.organisation_id, title__contains="督导人员").exists()
    assert supervision_category(batch).items == []
    services.visit_report(actor=authority, visit=visit, report="实操考场秩序良好，考评员按评分标准独立评分。",
                          issues="个别考评员未签字，已当场纠正。")
    visit.refresh_from_db()
    assert visit.status == SupervisorVisit.Status.REPORTED
    items = supervision_category(batch).items
    assert len(items) == 1 and "操作技能考核" in items[0].title and "秩序良好" in items[0].detail
    with pytest.raises(DomainError):
        services.visit_report(actor=authority, visit=visit, report="再报一次")


def test_supervisors_go_only_to_batches_filed_with_the_authority(tianjin, jurisdictions):
    hefei = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    pool = inspectors(jurisdictions["合肥市"], names=("合肥督导",))
    with pytest.raises(DomainError) as error:
        services.visit_dispatch(actor=hefei, batch=tianjin["batches"][0].batch, step="theory",
                                planned_on=timezone.localdate(), supervisors=pool)
    assert "本辖区" in error.value.message and not SupervisorVisit.objects.exists()
