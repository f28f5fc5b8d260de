"""The demo's special vocational ability assessment (专项职业能力考核): two norms filed with the
Hefei authority, and 合肥华晟机械's "2026年第一期数控车床操作专项职业能力考核" taken through the
same services as a level batch (announcement, import, review, plan filed and confirmed,
one practical session scored by a panel of three, results, publicity, report accepted)
to issued proofs of ability (专项职业能力证书, numbers "ZX…"). 周婷 (`zhouting`) holds one.

Runs after the certificates demo, so the level certificates' numbers stay as they were."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Person, Role, User
from skilleval.accounts.services import person_create
from skilleval.batches.sample import import_row
from skilleval.catalog.models import IDType, Jurisdiction, Occupation, SpecialAbility
from skilleval.core.workdays import working_calendar
from skilleval.exams.models import Attempt
from skilleval.orgs.models import Organisation
from skilleval.results import demo as results_demo
from skilleval.results.services import scoring

from . import services
from .models import Certificate

ABILITIES = [
    # code, name, occupation, norm, module, pass mark, filed on
    ("ZX340100-0018", "数控车床操作", "6-18-01-01", "合肥市数控车床操作专项职业能力考核规范", "操作技能", 60,
     dt.date(2025, 3, 18)),
    ("ZX340100-0023", "钳工划线与锉削", "6-20-03-02", "合肥市钳工划线与锉削专项职业能力考核规范", "操作技能", 70,
     dt.date(2025, 9, 2)),
]
HOLDER = ("zhouting", "周婷", "340104", "19970312", "463")
CANDIDATES = [("陶思远", "19990418"), ("胡晓燕", "20000927"), ("潘立伟", "19960105"), ("彭嘉欣", "20010630")]
RUBRIC = [
    {"item": "程序编制与输入", "points": 30, "criteria": "按零件图编制加工程序，输入、校验无误"},
    {"item": "零件加工质量", "points": 50, "criteria": "外圆、台阶、螺纹尺寸及表面粗糙度符合图纸要求"},
    {"item": "安全文明生产", "points": 20, "criteria": "对刀、试切规范，设备保养与现场整理到位"},
]
# Per candidate, one row per examiner (30/50/20); the fourth candidate falls short of 60.
SCORES = [
    [["27", "44", "18"], ["26", "45", "18"], ["27", "43", "19"]],
    [["24", "40", "17"], ["25", "39", "18"], ["24", "41", "17"]],
    [["28", "46", "19"], ["27", "47", "19"], ["28", "45", "18"]],
    [["12", "28", "14"], ["13", "27", "13"], ["12", "29", "14"]],
    [["22", "38", "16"], ["23", "37", "17"], ["22", "39", "16"]],
]
LOGIN = ("zhouting", "周婷", "考生（合肥华晟）：数控车床操作专项职业能力考核合格，专项职业能力证书（ZX 编号）可下载、可公开查询")


def abilities_seed(hefei: Jurisdiction) -> list[SpecialAbility]:
    """The two norms filed with the Hefei authority (reference data the admin can edit)."""
    rows = []
    for code, name, occupation, norm, module, mark, filed_on in ABILITIES:
        ability, _created = SpecialAbility.objects.get_or_create(code=code, defaults={
            "name": name, "occupation": Occupation.objects.get(code=occupation), "norm_title": norm,
            "module": module, "pass_mark": mark, "jurisdiction": hefei, "filed_on": filed_on})
        rows.append(ability)
    return rows


def _holder(organisation: Organisation) -> Person:
    from skilleval.portal.demo import demo_resident_id

    username, name, region, birth, sequence = HOLDER
    user = results_demo._user(username, name, None, organisation)
    return Person.objects.filter(user=user).first() or person_create(
        actor=None, id_type=IDType.objects.get(code="201"), id_number=demo_resident_id(region, birth, sequence),
        name=name, user=user, organisation=organisation)


def demo_special_assessment() -> None:
    organisation = Organisation.objects.filter(name=results_demo.ORGANISATION).first()
    if organisation is None or not User.objects.filter(username="hf_city").exists():
        return
    from skilleval.portal.demo import demo_resident_id

    abilities_seed(organisation.jurisdiction)
    today = timezone.localdate()
    calendar = working_calendar()
    hs = actor_for(User.objects.get(username="hs_admin"))
    authority = actor_for(User.objects.get(username="hf_city"))
    users = {u: results_demo._user(u, n, Role.EXAMINER, organisation) for u, n in results_demo.EXAMINERS}
    examiners = [actor_for(users[u]) for u, _n in results_demo.EXAMINERS]
    holder = _holder(organisation)
    rows = [import_row(holder.name, holder.id_number, level="", occupation="", post="6-18-01-01",
                                    years="1", 现从事岗位="数控车床操作工")]
    rows += [import_row(name, demo_resident_id("340111", birth, f"{810 + n:03d}"), level="",
                                     occupation="", post="6-18-01-01", years="0.5", 现从事岗位="数控车床操作工")
             for n, (name, birth) in enumerate(CANDIDATES)]
    first = calendar.subtract(today, 40).date
    batch = results_demo._batch(
        hs, authority, organisation, name="2026年第一期数控车床操作专项职业能力考核", first=first, items=[], rows=rows,
        ability=ABILITIES[0][0], sites="合肥华晟机械二号车间数控实操考场")
    item = batch.items.get()
    staff = results_demo._link_examiners(hs, batch, users)
    task = results_demo._task(organisation, item, "ZX-SKCC-2026-01", "阶梯轴数控车削加工", RUBRIC)
    practical = results_demo._sessions(batch, item, results_demo._rooms(organisation), "turning", (task, task), staff,
                                       parts=("practical",))["practical"]  # one module only: 操作技能
    for attempt, marks in zip(practical.attempts.order_by("seat"), SCORES, strict=False):
        if attempt.status == Attempt.Status.ABSENT:
            continue
        for examiner, row in zip(examiners[1:] + examiners[:1], marks[1:] + marks[:1], strict=True):
            scoring.score_entry_save(actor=examiner, attempt=attempt, scores=row)
        scoring.score_sheet_sign_off(actor=examiners[0], sheet=scoring.sheet_for(attempt))
    results_demo._publish_and_report(batch, hs, authority, calendar, start=calendar.subtract(today, 33).date,
                                     decision="accept", decided_on=calendar.subtract(today, 18).date)
    proofs = services.certificates_issue(actor=hs, batch=batch, issued_on=calendar.subtract(today, 15).date)
    for proof in proofs:
        services.copy_pdf_store(proof.copies.get(revision=1), certificate=proof)


def demo_proof_number() -> str | None:
    """A valid proof of ability to try at the public query."""
    return (Certificate.objects.filter(kind=Certificate.Kind.SPECIAL, status=Certificate.Status.VALID)
            .order_by("number").values_list("number", flat=True).first())
