"""The batch archive: filed once the evaluation has ended, every category of SD 7(2) in its
catalogue with the profile's retention (paper, electronic, video) counted from the filing
date; nothing destroyed before its retention ends; destruction only through the append-only
ledger; the ZIP export with its catalogue."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from openpyxl import load_workbook

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.models import PolicyProfile
from skilleval.core.errors import DomainError
from skilleval.core.models import AppendOnlyError, AuditEvent, Job

from ..catalogue import CATALOGUE, EMPTY, add_years
from ..models import Archive, ArchiveEntry, Category, Destruction, Medium
from ..services import archives as services
from .factories import evaluated_batch, filed

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
FIRST = TODAY - dt.timedelta(days=500)


def entry(world, category) -> ArchiveEntry:
    return world["archive"].entries.get(category=category)


def test_filing_waits_for_the_end_of_the_evaluation_and_the_organisations_own_manager(jurisdictions):
    org = filed(jurisdictions["合肥市"], "合肥未结束测试有限公司")
    evaluated = evaluated_batch(org, first=TODAY - dt.timedelta(days=1), last=TODAY + dt.timedelta(days=2))
    with pytest.raises(DomainError) as error:
        services.archive_compile(actor=evaluated.manager, batch=evaluated.batch)
    assert "评价结束" in error.value.message
    other = filed(jurisdictions["合肥市"], "合肥另一测试有限公司")
    stranger = actor_for(make_user(Role.ORG_ADMIN, organisation=other))
    with pytest.raises(DomainError):
        services.archive_compile(actor=stranger, batch=evaluated.batch, today=TODAY + dt.timedelta(days=5))
    assert not Archive.objects.exists()


def test_the_archive_holds_every_category_with_its_retention_from_the_profile(world):
    archive = world["archive"]
    archived_on = world["archived_on"]
    entries = list(archive.entries.order_by("pk"))
    assert [e.category for e in entries] == list(Category.values)
    profile = PolicyProfile.objects.get(key="hefei")
    years = {Medium.PAPER: profile.paper_retention_years, Medium.ELECTRONIC: profile.electronic_retention_years,
             Medium.VIDEO: profile.video_retention_years}
    assert years == {Medium.PAPER: 3, Medium.ELECTRONIC: 5, Medium.VIDEO: 1}
    for e in entries:
        assert e.retention_years == years[e.medium]
        assert e.retention_ends_on == add_years(archived_on, years[e.medium])
    by_category = {e.category: e for e in entries}
    assert by_category["media"].medium == Medium.VIDEO and by_category["registration"].medium == Medium.PAPER
    assert by_category["registration"].item_count >= 4  # four application forms, the list, the commitment
    assert any(i["title"] == "职业技能等级认定申报表" for i in by_category["registration"].items)
    assert by_category["plan"].items and by_category["announcement"].items
    assert "督导检查表" in by_category["supervision"].items[0]["title"]
    assert "NVR-01" in by_category["media"].items[0]["detail"]
    assert "合格 3 人" in by_category["score_summary"].items[0]["detail"]
    assert "人社部门已接收" in by_category["issue_roster"].items[0]["title"]
    assert by_category["publicity"].items == [] and by_category["publicity"].item_count == 0  # never published
    assert archive.year == FIRST.year
    assert AuditEvent.objects.filter(object_type="supervision.archive", object_id=str(archive.pk)).exists()


def test_refiling_updates_the_catalogue_and_never_shortens_retention(world):
    profile = PolicyProfile.objects.get(key="hefei")
    paper = entry(world, Category.REGISTRATION)
    before = paper.retention_ends_on
    profile.paper_retention_years = 1
    profile.save()
    services.archive_compile(actor=world["manager"], batch=world["evaluated"].batch)
    paper.refresh_from_db()
    assert paper.retention_ends_on == before and paper.retention_years == 3
    profile.paper_retention_years = 10
    profile.save()
    services.archive_compile(actor=world["manager"], batch=world["evaluated"].batch)
    paper.refresh_from_db()
    assert paper.retention_years == 10 and paper.retention_ends_on == add_years(world["archived_on"], 10)
    assert Archive.objects.get().archived_on == world["archived_on"]


def destroy(world, category, **kwargs):
    values = {"destroyed_on": TODAY, "reason": "保管期满，经鉴定无保存价值", "method": "erase", "destroyer": "李俊",
              "responsible": "王海燕"}
    values.update(kwargs)
    actor = values.pop("actor", world["manager"])
    return services.archive_entry_destroy(actor=actor, entry=entry(world, category), **values)


def test_nothing_is_destroyed_before_its_retention_ends(world):
    with pytest.raises(DomainError) as error:
        destroy(world, Category.REGISTRATION, method="shred")
    assert "期满前不得销毁" in error.value.message and error.value.field == "destroyed_on"
    video = entry(world, Category.MEDIA)
    with pytest.raises(DomainError) as error:
        destroy(world, Category.MEDIA, destroyed_on=video.retention_ends_on - dt.timedelta(days=1))
    assert video.retention_ends_on.isoformat() in error.value.message
    with pytest.raises(DomainError) as error:
        destroy(world, Category.MEDIA, destroyed_on=TODAY + dt.timedelta(days=1))
    assert "不能晚于今天" in error.value.message
    assert not Destruction.objects.exists()
    assert not ArchiveEntry.objects.exclude(destroyed_on=None).exists()


def test_a_due_destruction_is_recorded_in_the_ledger_once(world):
    line = destroy(world, Category.MEDIA, method="degauss")
    video = entry(world, Category.MEDIA)
    assert video.destroyed_on == TODAY and line.entry == video
    assert (line.batch, line.category, line.medium, line.destroyer, line.responsible) == (
        world["evaluated"].batch, "media", "video", "李俊", "王海燕")
    assert line.retention_ends_on == video.retention_ends_on and line.recorded_by == world["manager"].user
    with pytest.raises(DomainError) as error:
        destroy(world, Category.MEDIA)
    assert "已于" in error.value.message
    assert Destruction.objects.count() == 1
    # Refiling leaves a destroyed category as the ledger left it.
    services.archive_compile(actor=world["manager"], batch=world["evaluated"].batch)
    video.refresh_from_db()
    assert video.destroyed_on == TODAY
    assert AuditEvent.objects.filter(object_type="supervision.archiveentry", action="delete").count() == 1


@pytest.mark.parametrize("kwargs, field", [
    ({"reason": " "}, "reason"), ({"method": "bury"}, "method"), ({"destroyer": ""}, "destroyer"),
    ({"responsible": ""}, "responsible"),
])
def test_every_ledger_field_is_required(world, kwargs, field):
    with pytest.raises(DomainError) as error:
        destroy(world, Category.MEDIA, **kwargs)
    assert error.value.field == field
    assert not Destruction.objects.exists() and entry(world, Category.MEDIA).destroyed_on is None


def test_only_the_organisations_admin_destroys(world, jurisdictions):
    affairs = actor_for(make_user(Role.EXAM_AFFAIRS, organisation=world["org"]))
    with pytest.raises(PermissionDenied):
        destroy(world, Category.MEDIA, actor=affairs)
    other = filed(jurisdictions["合肥市"], "合肥他人测试有限公司")
    with pytest.raises(DomainError):
        destroy(world, Category.MEDIA, actor=actor_for(make_user(Role.ORG_ADMIN, organisation=other)))
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    with pytest.raises(PermissionDenied):
        destroy(world, Category.MEDIA, actor=authority)
    assert not Destruction.objects.exists()


def test_the_ledger_is_append_only(world):
    line = destroy(world, Category.MEDIA)
    line.reason = "改写"
    with pytest.raises(AppendOnlyError):
        line.save()
    with pytest.raises(AppendOnlyError):
        line.delete()
    with pytest.raises(AppendOnlyError):
        Destruction.objects.all().update(reason="改写")
    with pytest.raises(AppendOnlyError):
        Destruction.objects.all().delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE supervision_destruction SET reason = 'tampered'")
    assert Destruction.objects.get().reason == "保管期满，经鉴定无保存价值"


def test_the_export_is_a_zip_with_the_catalogue_and_each_categorys_files(world, django_capture_on_commit_callbacks):
    destroy(world, Category.MEDIA)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.archive_export_start(actor=world["manager"], archive=world["archive"])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    with job.output_file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert "00-档案目录.xlsx" in names and "00-销毁台帐.xlsx" in names
    assert "02-考核方案/考核方案.pdf" in names and "02-考核方案/考核方案.docx" in names
    assert sum(1 for n in names if n.startswith("03-认定报名材料/申报表/")) == 4
    assert "01-认定公告/认定公告.pdf" in names and "09-成绩汇总表/成绩汇总表.xlsx" in names
    assert not any(n.startswith("12-") for n in names)  # destroyed: not exported
    assert archive.read("02-考核方案/考核方案.pdf").startswith(b"%PDF")
    sheet = load_workbook(io.BytesIO(archive.read("00-档案目录.xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["序号", "类别", "载体", "材料名称", "说明", "件数", "保管期限（年）", "保管期满日期", "状态"]
    assert {r[1] for r in rows[1:]} == {spec.label for spec in CATALOGUE}
    assert any(r[1] == "公示文件" and r[3] == str(EMPTY) for r in rows[1:])
    assert any(r[1] == "现场监控影像或图片资料" and str(r[8]).startswith("已于") for r in rows[1:])
    ledger = list(load_workbook(io.BytesIO(archive.read("00-销毁台帐.xlsx"))).active.iter_rows(values_only=True))
    assert len(ledger) == 2 and ledger[1][4] == "现场监控影像或图片资料"


def test_the_authority_may_export_for_an_inspection_but_not_another_one(world, jurisdictions):
    hefei = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    assert services.may_export(hefei, world["archive"])
    tianjin = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["天津市"]))
    with pytest.raises(DomainError):
        services.archive_export_start(actor=tianjin, archive=world["archive"])
    assert not Job.objects.exists()
