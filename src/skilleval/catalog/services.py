"""Every write to reference data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from skilleval.core.audit import audit_record
from skilleval.core.jobs import Progress
from skilleval.core.models import AuditEvent
from skilleval.core.tabular import RowError, read_table

from . import reference_data
from .models import IDType, Jurisdiction, Level, Occupation, PolicyProfile, WorkType

OCCUPATION_CODE_RE = re.compile(r"\d-\d{2}-\d{2}-\d{2}")
WORK_TYPE_CODE_RE = re.compile(r"\d-\d{2}-\d{2}-\d{2}-\d{2}")
IMPORT_COLUMNS = ["职业编码", "职业名称", "工种编码", "工种名称", "职业类型", "准入类"]
_YES = {"是", "y", "yes", "true", "1"}
_NO = {"否", "n", "no", "false", "0", ""}
_KIND = {"技能类": True, "专业技术类": False}


@transaction.atomic
def catalog_seed_reference() -> dict[str, int]:
    """Load levels, ID types, jurisdictions and the built-in policy profiles.
    Idempotent: existing rows are left as an admin may have edited them."""
    created = {"levels": 0, "id_types": 0, "jurisdictions": 0, "profiles": 0}
    for rank, level_code, name, title, cert, high in reference_data.LEVELS:
        _, new = Level.objects.get_or_create(
            rank=rank,
            defaults={"code": level_code, "name": name, "title": title, "is_certificate_level": cert, "is_high_skill": high},
        )
        created["levels"] += new
    for order, (id_code, name, resident) in enumerate(reference_data.ID_TYPES):
        _, new = IDType.objects.get_or_create(
            code=id_code, defaults={"name": name, "is_resident_id": resident, "sort_order": order}
        )
        created["id_types"] += new
    for code, name, level, parent_code, authority in reference_data.JURISDICTIONS:
        parent = Jurisdiction.objects.get(code=parent_code) if parent_code else None
        _, new = Jurisdiction.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent, "authority_name": authority}
        )
        created["jurisdictions"] += new
    for key, name, jurisdiction_code, source, overrides in reference_data.PROFILES:
        jurisdiction = Jurisdiction.objects.get(code=jurisdiction_code) if jurisdiction_code else None
        _, new = PolicyProfile.objects.get_or_create(
            key=key,
            defaults={
                "name": name, "jurisdiction": jurisdiction, "source": source, "is_builtin": True,
                **reference_data.profile_values(overrides),
            },
        )
        created["profiles"] += new
    return created


@dataclass
class CatalogImportReport:
    rows: int = 0
    occupations_created: int = 0
    occupations_updated: int = 0
    work_types_created: int = 0
    work_types_updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "occupations_created": self.occupations_created,
            "occupations_updated": self.occupations_updated,
            "work_types_created": self.work_types_created,
            "work_types_updated": self.work_types_updated,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }


@dataclass
class _OccupationRow:
    code: str
    name: str
    is_skill_type: bool
    is_access_type: bool
    work_types: dict[str, str] = field(default_factory=dict)


def _parse_flag(value: str, table: dict[str, bool]) -> bool | None:
    return table.get(value.strip().lower())


def catalog_import(
    *, actor: Any, source: IO[bytes] | Path | bytes, filename: str, sample: bool = False,
    progress: Progress | None = None,
) -> CatalogImportReport:
    """Import the occupation catalogue (国家职业分类大典) from CSV or XLSX.

    Every row is checked first; if any row is wrong nothing is saved and the report
    lists each error by row and column. Otherwise occupations and work types are
    created or updated by code in one transaction."""
    table = read_table(source, filename, required=IMPORT_COLUMNS)
    report = CatalogImportReport(rows=len(table.rows))
    occupations: dict[str, _OccupationRow] = {}
    seen_work_types: dict[str, int] = {}
    total = len(table.rows)
    for position, (row_no, row) in enumerate(table.rows, start=1):
        errors_before = len(report.errors)

        def error(column: str, message: str, row_no: int = row_no) -> None:
            report.errors.append(RowError(row_no, column, message))

        code, name = row.get("职业编码", ""), row.get("职业名称", "")
        wt_code, wt_name = row.get("工种编码", ""), row.get("工种名称", "")
        if not OCCUPATION_CODE_RE.fullmatch(code):
            error("职业编码", _("职业编码“%(v)s”格式应为 X-XX-XX-XX，如 6-18-01-01。") % {"v": code})
        if not name:
            error("职业名称", _("职业名称不能为空。"))
        elif len(name) > 100:
            error("职业名称", _("职业名称不能超过100个字符。"))
        skill = _parse_flag(row.get("职业类型", ""), _KIND)
        if skill is None:
            error("职业类型", _("职业类型应为“技能类”或“专业技术类”。"))
        access_raw = row.get("准入类", "").strip().lower()
        access = True if access_raw in _YES else False if access_raw in _NO else None
        if access is None:
            error("准入类", _("准入类应填“是”或“否”。"))
        if wt_code or wt_name:
            if not WORK_TYPE_CODE_RE.fullmatch(wt_code):
                error("工种编码", _("工种编码“%(v)s”格式应为 X-XX-XX-XX-XX。") % {"v": wt_code})
            elif not wt_code.startswith(code + "-"):
                error("工种编码", _("工种编码“%(wt)s”不属于职业“%(occ)s”。") % {"wt": wt_code, "occ": code})
            elif wt_code in seen_work_types:
                error("工种编码", _("工种编码“%(v)s”与第%(row)d行重复。") % {"v": wt_code, "row": seen_work_types[wt_code]})
            if not wt_name:
                error("工种名称", _("填写了工种编码时，工种名称不能为空。"))
        if len(report.errors) == errors_before:
            existing = occupations.get(code)
            if existing and (existing.name, existing.is_skill_type, existing.is_access_type) != (name, skill, access):
                error("职业名称", _("职业“%(code)s”在文件中出现多次，但名称或类型不一致。") % {"code": code})
            else:
                entry = existing or occupations.setdefault(code, _OccupationRow(code, name, bool(skill), bool(access)))
                if wt_code:
                    entry.work_types[wt_code] = wt_name
                    seen_work_types[wt_code] = row_no
        if progress and (position % 500 == 0 or position == total):
            progress(position, total, _("已校验 %(n)d / %(t)d 行") % {"n": position, "t": total})
    if report.errors or not occupations:
        if not occupations and not report.errors:
            report.errors.append(RowError(0, "", _("文件中没有数据行。")))
        return report
    _catalog_apply(actor=actor, occupations=occupations, sample=sample, report=report, filename=filename)
    return report


@transaction.atomic
def _catalog_apply(*, actor: Any, occupations: dict[str, _OccupationRow], sample: bool,
                   report: CatalogImportReport, filename: str) -> None:
    existing = {o.code: o for o in Occupation.objects.filter(code__in=occupations.keys())}
    existing_wt = {w.code: w for w in WorkType.objects.filter(occupation__code__in=occupations.keys())}
    to_create, to_update = [], []
    for code, row in occupations.items():
        occupation = existing.get(code)
        if occupation is None:
            to_create.append(Occupation(code=code, name=row.name, is_skill_type=row.is_skill_type,
                                        is_access_type=row.is_access_type, is_sample=sample))
        elif (occupation.name, occupation.is_skill_type, occupation.is_access_type) != (
            row.name, row.is_skill_type, row.is_access_type
        ):
            occupation.name, occupation.is_skill_type, occupation.is_access_type = (
                row.name, row.is_skill_type, row.is_access_type
            )
            to_update.append(occupation)
    Occupation.objects.bulk_create(to_create, batch_size=1000)
    Occupation.objects.bulk_update(to_update, ["name", "is_skill_type", "is_access_type"], batch_size=1000)
    report.occupations_created, report.occupations_updated = len(to_create), len(to_update)
    by_code = {o.code: o for o in Occupation.objects.filter(code__in=occupations.keys())}
    wt_create, wt_update = [], []
    for code, row in occupations.items():
        for wt_code, wt_name in row.work_types.items():
            work_type = existing_wt.get(wt_code)
            if work_type is None:
                wt_create.append(WorkType(occupation=by_code[code], code=wt_code, name=wt_name))
            elif work_type.name != wt_name:
                work_type.name = wt_name
                wt_update.append(work_type)
    WorkType.objects.bulk_create(wt_create, batch_size=1000)
    WorkType.objects.bulk_update(wt_update, ["name"], batch_size=1000)
    report.work_types_created, report.work_types_updated = len(wt_create), len(wt_update)
    audit_record(
        actor=actor, action=AuditEvent.Action.IMPORT, object_type="catalog.occupation",
        object_repr=_("职业目录导入：%(f)s") % {"f": filename},
        summary=_("新增职业%(a)d个、更新%(b)d个，新增工种%(c)d个、更新%(d)d个") % {
            "a": report.occupations_created, "b": report.occupations_updated,
            "c": report.work_types_created, "d": report.work_types_updated,
        },
        after=report.as_dict(),
    )


def catalog_load_sample(*, actor: Any = None) -> CatalogImportReport:
    path = reference_data.SAMPLE_OCCUPATIONS_CSV
    return catalog_import(actor=actor, source=path, filename=path.name, sample=True)


def catalog_import_start(*, actor: Any, upload: Any) -> Any:
    """Queue an import of an uploaded catalogue file as a background job."""
    from django.conf import settings

    from skilleval.core.errors import DomainError
    from skilleval.core.jobs import job_create, job_enqueue

    from .tasks import import_catalog_task

    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith((".csv", ".xlsx")):
        raise DomainError(_("只支持 .xlsx 或 .csv 文件。"), field="file")
    if getattr(upload, "size", 0) > settings.SKILLEVAL_MAX_IMPORT_BYTES:
        raise DomainError(_("文件超过 %(mb)d MB 的上限。") % {"mb": settings.SKILLEVAL_MAX_IMPORT_BYTES // 1024 // 1024},
                          field="file")
    with transaction.atomic():
        job = job_create(actor=actor, kind="catalog_import", title=_("职业目录导入：%(f)s") % {"f": name},
                         params={"filename": name})
        job.input_file.save(Path(name).name, upload, save=True)
        job_enqueue(job, import_catalog_task)
    return job


def catalog_import_job_body(job: Any, progress: Progress) -> dict:
    from django.core.files.base import ContentFile

    from skilleval.core.errors import DomainError
    from skilleval.core.tabular import write_xlsx

    with job.input_file.open("rb") as handle:
        report = catalog_import(actor=job.created_by, source=handle, filename=job.params["filename"], progress=progress)
    if report.errors:
        content = write_xlsx(["行号", "列", "错误说明"], [(e.row, e.column, e.message) for e in report.errors],
                             title="错误报告")
        job.output_file.save(f"catalog-import-errors-{job.pk}.xlsx", ContentFile(content), save=False)
        type(job).objects.filter(pk=job.pk).update(output_file=job.output_file.name, result=report.as_dict())
        raise DomainError(_("文件中有 %(n)d 处错误，未导入任何数据。请下载错误报告，修改后重新上传。") % {"n": len(report.errors)})
    return report.as_dict()
