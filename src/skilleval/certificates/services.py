"""Every write about certificates: numbering and issue (one by one or a whole batch in
the background), the electronic copy, reissue and correction on the holder's
application, revocation, and the platform's signing keys.

Numbering [BB att.2, DOMAIN.md §5]: the serial of a certificate is drawn inside the
issuing transaction from the `SerialCounter` row of its (organisation, year, level),
locked with SELECT ... FOR UPDATE (on SQLite the IMMEDIATE transaction holds the
database's write lock instead). The certificate rows are written in the same
transaction, so a failure rolls the counter back with them: no serial is skipped, and
unique constraints on the number and on (organisation, year, level, serial) refuse a
duplicate whatever the code above them does."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.batches.models import Batch
from skilleval.core.audit import audit_record, personal_data_view_record, snapshot
from skilleval.core.errors import DomainError
from skilleval.core.jobs import TRANSIENT_ERRORS, Progress
from skilleval.core.models import AuditEvent, Job
from skilleval.core.notifications import notify
from skilleval.core.pdf import missing_glyphs
from skilleval.core.validators import mask_id_number
from skilleval.orgs.models import Organisation
from skilleval.results.models import Result

from . import query, signing
from .models import (
    PROOF_LEVEL_CODE,
    PROOF_NUMBER_PREFIX,
    Certificate,
    CertificateCopy,
    PlatformKey,
    ReissueRequest,
    RevocationGround,
    SerialCounter,
)
from .selectors import RANGE_WARNING_SHARE, batch_report_accepted, range_use, results_certifiable
from .tally import tally_add

JOB_KIND = "certificates_issue"
SQLITE_LOCK_ATTEMPTS = 10
_T = TypeVar("_T")
PROGRESS_EVERY = 20


# ---------------------------------------------------------------------------------------------
# Signing keys


def _key_create(*, actor: Any, now: dt.datetime) -> PlatformKey:
    """Generate a key, write its private file, store the public halves as the active key.
    The caller holds the transaction and has retired the previous active key."""
    material = signing.generate_key_material(signing.new_kid(now), now)
    signing.write_key_file(material)
    try:
        key = PlatformKey.objects.create(
            kid=material.kid, public_key=material.public_key, pdf_certificate=material.pdf_certificate_pem,
            status=PlatformKey.Status.ACTIVE, activated_at=now, created_by=getattr(actor, "user", None))
    except IntegrityError:
        signing.remove_key_file(material.kid)
        raise
    query.public_keys_forget()  # the verification page must offer the new key at once
    return key


def platform_key_active() -> PlatformKey:
    """The key that signs now; the first one is created on first use."""
    key = PlatformKey.objects.filter(status=PlatformKey.Status.ACTIVE).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            key = _key_create(actor=None, now=timezone.now())
            audit_record(actor=None, action=AuditEvent.Action.CREATE, obj=key, summary=_("创建平台签名密钥"),
                         after={"kid": key.kid})
            return key
    except IntegrityError:
        # Another process created it at the same moment.
        return PlatformKey.objects.get(status=PlatformKey.Status.ACTIVE)


def platform_key_rotate(*, actor: Actor | None) -> PlatformKey:
    """A new active key; the previous one is retired (it signs nothing more, and stays
    published so what it signed still verifies)."""
    if actor is not None and not actor.is_platform_admin:
        raise DomainError(_("只有平台管理员可以轮换签名密钥。"))
    now = timezone.now()
    with transaction.atomic():
        previous = list(PlatformKey.objects.select_for_update().filter(status=PlatformKey.Status.ACTIVE))
        for old in previous:
            old.status = PlatformKey.Status.RETIRED
            old.retired_at = now
            old.save(update_fields=["status", "retired_at", "updated_at"])
        key = _key_create(actor=actor, now=now)
        audit_record(actor=actor, action=AuditEvent.Action.TRANSITION, obj=key, summary=_("轮换平台签名密钥"),
                     before={"active": [k.kid for k in previous]}, after={"active": key.kid})
    return key


def _key_material(key: PlatformKey) -> signing.KeyMaterial:
    try:
        return signing.load_key_material(key.kid)
    except FileNotFoundError:
        raise DomainError(_("签名密钥 %(k)s 的私钥文件缺失，不能签发证书。请平台管理员执行 "
                            "skilleval certificate_keys rotate 生成新密钥。") % {"k": key.kid}) from None


# ---------------------------------------------------------------------------------------------
# Numbering


def certificate_number(organisation: Organisation, year: int, level_code: int, serial: int) -> str:
    """The 22-character number of a level certificate [BB att.2]; for `PROOF_LEVEL_CODE`
    the 23-character number of a proof of special vocational ability: "ZX", the filing
    number, the year's last two digits and the serial of the organisation's own yearly
    proof sequence (no level digit, never inside the level certificates' range)."""
    if level_code == PROOF_LEVEL_CODE:
        return f"{PROOF_NUMBER_PREFIX}{organisation.filing_number}{year % 100:02d}{serial:06d}"
    return f"{organisation.filing_number}{year % 100:02d}{level_code}{serial:06d}"


def _reserve_serials(organisation: Organisation, year: int, level_code: int, count: int) -> int:
    """Draw `count` consecutive serials for (organisation, year, level) under the counter's
    row lock and return the first. Refuses, before drawing any, when the range is short."""
    lookup = {"organisation": organisation, "year": year, "level_code": level_code}
    counter = SerialCounter.objects.select_for_update().filter(**lookup).first()
    if counter is None:
        SerialCounter.objects.bulk_create([SerialCounter(**lookup)], ignore_conflicts=True)
        counter = SerialCounter.objects.select_for_update().get(**lookup)
    start_of_range = organisation.cert_serial_start or 1
    end_of_range = organisation.cert_serial_end or 0
    if level_code == PROOF_LEVEL_CODE:  # proofs: their own sequence 000001-999999 per year
        start_of_range, end_of_range = 1, 999999
    first = max(counter.last_serial, start_of_range - 1) + 1
    last = first + count - 1
    if last > end_of_range:
        remaining = max(0, end_of_range - first + 1)
        raise DomainError(_(
            "%(y)d 年%(l)s级证书号段不足：号段 %(s)06d–%(e)06d 仅剩 %(r)d 个号码，本次需要 %(n)d 个。"
            "未发放任何证书，请先向人社部门申请增加号段。") % {
            "y": year, "l": level_code, "s": start_of_range, "e": end_of_range, "r": remaining, "n": count})
    before_share = (first - start_of_range) / (end_of_range - start_of_range + 1)
    counter.last_serial = last
    counter.save(update_fields=["last_serial"])
    after_share = (last - start_of_range + 1) / (end_of_range - start_of_range + 1)
    if before_share < RANGE_WARNING_SHARE <= after_share and level_code != PROOF_LEVEL_CODE:
        notify(organisation_id=organisation.pk, link=reverse("certificates:issue_batches"),
               title=_("%(y)d 年%(l)s级证书号段已使用 %(p)d%%") % {"y": year, "l": level_code, "p": int(after_share * 100)},
               body=_("号段 %(s)06d–%(e)06d 剩余 %(r)d 个号码。号段用完后将不能发证，请及早向人社部门申请。") % {
                   "s": start_of_range, "e": end_of_range, "r": end_of_range - last})
    return first


# ---------------------------------------------------------------------------------------------
# Issue


def _require_manager(actor: Actor, organisation_id: int) -> None:
    actor.require(Perm.CERTIFICATE_MANAGE)
    if actor.organisation_id != organisation_id:
        raise DomainError(_("您只能办理本单位的证书。"))


def _check_can_issue(organisation: Organisation, issued_on: dt.date) -> None:
    if not organisation.in_good_standing(issued_on):
        raise DomainError(_("本单位备案状态为“%(s)s”或已超过备案有效期，不能发证。") % {
            "s": organisation.get_status_display()})
    if not organisation.filing_number or organisation.cert_serial_start is None:
        raise DomainError(_("本单位尚无备案号或证书号段，不能发证。"))


def _fields(*, number: str, revision: int, name: str, id_type: str, id_number: str, occupation_code: str,
            occupation: str, work_type: str, level: int, issued_on: dt.date, organisation: str) -> dict[str, Any]:
    return {
        "number": number, "revision": revision, "name": name, "id_type": id_type,
        "id_masked": mask_id_number(id_number), "occupation_code": occupation_code, "occupation": occupation,
        "work_type": work_type, "level": level, "issued_on": issued_on.isoformat(),
        "evaluation_organisation": organisation, "issuing_organisation": organisation,
    }


def token_fields(certificate: Certificate, revision: int) -> dict[str, Any]:
    """What a copy's token signs: the certificate's fields, the ID number masked. A proof of
    special vocational ability signs its ability's code and name in the occupation fields
    and level 0."""
    ability = certificate.special_ability if certificate.is_special else None
    fields = _fields(
        number=certificate.number, revision=revision, name=certificate.name, id_type=certificate.id_type.code,
        id_number=certificate.id_number,
        occupation_code=ability.code if ability else certificate.occupation.code,
        occupation=ability.name if ability else certificate.occupation.name,
        work_type=certificate.work_type.name if certificate.work_type is not None else "",
        level=certificate.level_code, issued_on=certificate.issued_on, organisation=certificate.issuing_organisation)
    fields["evaluation_organisation"] = certificate.evaluation_organisation
    return fields


# What issuing reads of each passed result: plain values (a batch can hold thousands).
CANDIDATE_VALUES = {
    "result_id": "pk", "name": "application__name", "level_id": "application__item__level_id",
    "level_code": "application__item__level__code", "occupation_id": "application__item__occupation_id",
    "occupation_code": "application__item__occupation__code", "occupation": "application__item__occupation__name",
    "work_type_id": "application__item__work_type_id", "work_type": "application__item__work_type__name",
    "person_id": "application__person_id", "id_type_id": "application__person__id_type_id",
    "id_type": "application__person__id_type__code", "id_number": "application__person__id_number",
    "unit": "application__person__organisation__name",
    "special_ability_id": "application__item__special_ability_id",
    "ability_code": "application__item__special_ability__code",
    "ability": "application__item__special_ability__name",
}


def _candidates(batch: Batch, results: list[Result] | None) -> list[dict[str, Any]]:
    """The results to issue, as values: all not yet issued, or the named ones, each checked:
    of this batch, passed, not issued."""
    queryset = results_certifiable(batch).order_by("application__item__level__code", "application__number")
    expressions = {k: F(v) for k, v in CANDIDATE_VALUES.items()}
    if results is None:
        return [dict(row) for row in queryset.filter(certificate__isnull=True).values(**expressions)]
    ids = [r.pk for r in results]
    found: dict[int, dict[str, Any]] = {}
    for values in queryset.filter(pk__in=ids).values(**expressions):
        row: dict[str, Any] = dict(values)
        found[row["result_id"]] = row
    issued = dict(Certificate.objects.filter(result_id__in=ids).values_list("result_id", "number"))
    chosen: list[dict[str, Any]] = []
    for pk in ids:
        candidate = found.get(pk)
        if candidate is None:
            other = Result.objects.select_related("application").filter(pk=pk).first()
            if other is None or other.batch_id != batch.pk:
                raise DomainError(_("该评价结果不属于本批次。"))
            raise DomainError(_("%(n)s 的评价结果不合格，不能发证。") % {"n": other.application.name})
        if pk in issued:
            raise DomainError(_("%(n)s 已发证（证书编号 %(c)s），不能重复发证；遗失或损毁请办理补办。") % {
                "n": candidate["name"], "c": issued[pk]})
        chosen.append(candidate)
    return chosen


def certificates_issue(*, actor: Actor, batch: Batch, results: Iterable[Result] | None = None,
                       issued_on: dt.date | None = None) -> list[Certificate]:
    """Issue certificates to the batch's passed candidates (all not yet issued, or the named
    `results`) once the authority accepted the batch's report: numbers, records and each
    certificate's first copy with its signed token, in one transaction."""
    issued_on = issued_on or timezone.localdate()
    _require_manager(actor, batch.organisation_id)
    material = _key_material(platform_key_active())
    requested = list(results) if results is not None else None
    return _retry_when_locked(lambda: _issue(actor=actor, batch=batch, results=requested, issued_on=issued_on,
                                             material=material))


def _retry_when_locked(write: Callable[[], _T]) -> _T:
    """Run a write transaction; on SQLite, whose writers queue on one database lock, try
    again when the lock could not be had in time (the transaction rolled back whole, so
    nothing was drawn). PostgreSQL waits on the row lock instead and never gets here."""
    for attempt in range(1, SQLITE_LOCK_ATTEMPTS + 1):
        try:
            return write()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc) or connection.in_atomic_block \
                    or attempt == SQLITE_LOCK_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def _issue(*, actor: Actor, batch: Batch, results: list[Result] | None, issued_on: dt.date,
           material: signing.KeyMaterial) -> list[Certificate]:
    with transaction.atomic():
        organisation = Organisation.objects.get(pk=batch.organisation_id)
        _check_can_issue(organisation, issued_on)
        if not batch_report_accepted(batch):
            raise DomainError(_("该批次的评价结果尚未经人社部门备案接收，不能发证。"))
        rows = _candidates(batch, results)
        if not rows:
            raise DomainError(_("该批次没有待发证的合格人员。"))
        by_level: dict[int, list[dict[str, Any]]] = defaultdict(list)
        special = batch.is_special_assessment
        for row in rows:
            code = PROOF_LEVEL_CODE if special else row["level_code"]
            if not special and (code is None or not 1 <= code <= 5):
                raise DomainError(_("%(n)s 申报的等级不是可发证的等级。") % {"n": row["name"]})
            by_level[code].append(row)
        firsts = {code: _reserve_serials(organisation, issued_on.year, code, len(by_level[code]))
                  for code in sorted(by_level)}
        certificates, tokens = [], []
        user_id = actor.user.pk if actor.user is not None else None
        for code in sorted(by_level):
            for offset, row in enumerate(by_level[code]):
                serial = firsts[code] + offset
                number = certificate_number(organisation, issued_on.year, code, serial)
                certificates.append(Certificate(
                    number=number, organisation_id=organisation.pk, year=issued_on.year, level_id=row["level_id"],
                    kind=Certificate.Kind.SPECIAL if special else Certificate.Kind.LEVEL,
                    special_ability_id=row["special_ability_id"] if special else None,
                    level_code=code, serial=serial, batch_id=batch.pk, result_id=row["result_id"],
                    person_id=row["person_id"], name=row["name"], id_type_id=row["id_type_id"],
                    id_number=row["id_number"], unit=row["unit"] or organisation.name,
                    occupation_id=row["occupation_id"], work_type_id=row["work_type_id"], issued_on=issued_on,
                    evaluation_organisation=organisation.name, issuing_organisation=organisation.name,
                    unprintable="".join(sorted(missing_glyphs(row["name"])))[:20], issued_by_id=user_id))
                tokens.append(signing.sign_token(_fields(
                    number=number, revision=1, name=row["name"], id_type=row["id_type"], id_number=row["id_number"],
                    occupation_code=row["ability_code"] if special else row["occupation_code"],
                    occupation=row["ability"] if special else row["occupation"],
                    work_type=row["work_type"] or "", level=code, issued_on=issued_on, organisation=organisation.name),
                    material))
        try:
            with transaction.atomic():
                Certificate.objects.bulk_create(certificates, batch_size=2000)
        except IntegrityError:
            raise DomainError(_("部分人员刚刚已由他人发证，本次未发放任何证书。请刷新后重试。")) from None
        tally_add(certificates)
        now = timezone.now()
        CertificateCopy.objects.bulk_create([CertificateCopy(
            certificate_id=c.pk, revision=1, kind=CertificateCopy.Kind.ORIGINAL, name=c.name, kid=material.kid,
            token=token, issued_at=now, issued_by_id=user_id) for c, token in zip(certificates, tokens, strict=True)],
            batch_size=2000)
        # Only a holder with earlier certificates can have a cached answer by ID number (an empty
        # answer is never cached); one tombstone per certificate would make a 10,000-certificate
        # issue spend minutes in a file-based cache.
        earlier = set(Certificate.objects.filter(id_number__in={c.id_number for c in certificates})
                      .exclude(pk__in=[c.pk for c in certificates]).values_list("id_number", flat=True))
        query.public_answers_forget([c for c in certificates if c.id_number in earlier], numbers=False)
        levels = {str(code): {"count": len(by_level[code]), "first": certificate_number(
            organisation, issued_on.year, code, firsts[code]), "last": certificate_number(
            organisation, issued_on.year, code, firsts[code] + len(by_level[code]) - 1)} for code in by_level}
        if len(certificates) == 1:
            audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=certificates[0],
                         summary=_("发证 %(n)s") % {"n": certificates[0].number}, after=snapshot(certificates[0]),
                         organisation_id=organisation.pk, jurisdiction_id=organisation.jurisdiction_id)
        else:
            audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=batch,
                         summary=_("批量发证 %(n)d 张") % {"n": len(certificates)}, after={"levels": levels},
                         organisation_id=organisation.pk, jurisdiction_id=organisation.jurisdiction_id)
    return certificates


def certificate_issue(*, actor: Actor, result: Result, issued_on: dt.date | None = None) -> Certificate:
    """Issue the certificate of one passed result."""
    batch = Batch.objects.get(pk=result.batch_id)
    return certificates_issue(actor=actor, batch=batch, results=[result], issued_on=issued_on)[0]


def certificates_issue_start(*, actor: Actor, batch: Batch, issued_on: dt.date | None = None) -> Job:
    """Check what can be checked now and queue the batch's issue as a background job: the
    numbers and records, then every certificate's PDFs with progress."""
    from skilleval.core.jobs import job_create, job_enqueue, jobs_open_exists

    from .tasks import issue_certificates_task

    issued_on = issued_on or timezone.localdate()
    _require_manager(actor, batch.organisation_id)
    organisation = Organisation.objects.get(pk=batch.organisation_id)
    _check_can_issue(organisation, issued_on)
    if not batch_report_accepted(batch):
        raise DomainError(_("该批次的评价结果尚未经人社部门备案接收，不能发证。"))
    codes = results_certifiable(batch).filter(certificate__isnull=True).values_list(
        "application__item__level__code", flat=True)
    pending: list[int] = [PROOF_LEVEL_CODE] * len(codes) if batch.is_special_assessment else [
        code for code in codes if code is not None]
    if not pending:
        raise DomainError(_("该批次没有待发证的合格人员。"))
    for code in sorted(set(pending) - {PROOF_LEVEL_CODE}):
        use = range_use(organisation, issued_on.year, code)
        need = pending.count(code)
        if use is None or use.remaining < need:
            raise DomainError(_("%(y)d 年%(l)s级证书号段不足：剩余 %(r)d 个号码，本次需要 %(n)d 个。请先向人社部门申请增加号段。")
                              % {"y": issued_on.year, "l": code, "r": use.remaining if use else 0, "n": need})
    with transaction.atomic():
        Batch.objects.select_for_update().get(pk=batch.pk)
        if jobs_open_exists(kind=JOB_KIND, params__batch_id=batch.pk):  # an abandoned one is failed first
            raise DomainError(_("该批次的发证任务正在进行，请等待完成。"))
        job = job_create(actor=actor, kind=JOB_KIND, title=_("批量发证：%(b)s") % {"b": batch.name},
                         params={"batch_id": batch.pk, "issued_on": issued_on.isoformat()},
                         organisation_id=organisation.pk, jurisdiction_id=organisation.jurisdiction_id)
        job_enqueue(job, issue_certificates_task)
    return job


def certificates_issue_job_body(job: Job, progress: Progress) -> dict:
    from skilleval.accounts.access import actor_for

    from . import documents

    batch = Batch.objects.get(pk=job.params["batch_id"])
    actor = actor_for(job.created_by)
    issued: list[int] | None = (job.result or {}).get("issued")
    if issued is None:
        # The numbers and the job's note of them commit together: a try after a crash (the
        # database gone, the worker killed) makes these certificates' files, never new numbers.
        with transaction.atomic():
            issued = [c.pk for c in certificates_issue(actor=actor, batch=batch,
                                                       issued_on=dt.date.fromisoformat(job.params["issued_on"]))]
            Job.objects.filter(pk=job.pk).update(result={"issued": issued})
    total = len(issued)
    progress(0, total, _("已发放 %(n)d 张证书，正在生成证书文件") % {"n": total})
    certificates = list(Certificate.objects.filter(pk__in=issued).select_related(
        "level", "id_type", "occupation", "work_type", "result__application").order_by("level_code", "serial"))
    copies = {c.certificate_id: c for c in CertificateCopy.objects.filter(certificate__in=certificates, revision=1)}
    try:
        files = []
        for done, certificate in enumerate(certificates, start=1):
            files.append((f"electronic/{documents.pdf_filename(certificate)}",
                          copy_pdf_store(copies[certificate.pk], certificate=certificate)))
            if done % PROGRESS_EVERY == 0 or done == total:
                progress(done, total, _("已生成 %(d)d / %(t)d 份电子证书") % {"d": done, "t": total})
        printable = documents.render_pages(
            [documents.Page(certificate=c, copy=copies[c.pk], electronic=False) for c in certificates],
            title=_("%(b)s 证书打印文件") % {"b": batch.name})
        files.insert(0, (f"print-{batch.code}.pdf", printable))
        job.output_file.save(f"certificates-{batch.code}.zip", ContentFile(documents.zip_files(files)), save=False)
        Job.objects.filter(pk=job.pk).update(output_file=job.output_file.name)
    except TRANSIENT_ERRORS:
        raise  # the database went away: the task tries again and makes the files of the same certificates
    except Exception:
        raise DomainError(_("已发放 %(n)d 张证书（编号已生效），但生成证书文件时出错。请在证书登记册中逐张下载，"
                            "或联系平台管理员。") % {"n": total}) from None
    flagged = [c for c in certificates if c.unprintable]
    message = _("已发放 %(n)d 张证书；压缩包内含合并打印文件和每人一份签章电子证书。") % {"n": total}
    if flagged:
        message += _("以下人员姓名含无法打印的字，打印后须由发证机构手写姓名并加盖印章：%(l)s。") % {
            "l": "、".join(f"{c.number}（{c.unprintable}）" for c in flagged[:20])}
    return {"created": total, "message": message}


# ---------------------------------------------------------------------------------------------
# The electronic copy


def copy_pdf_store(copy: CertificateCopy, *, certificate: Certificate | None = None) -> bytes:
    """The copy's signed electronic PDF: made once, then served as stored."""
    from . import documents

    if copy.pdf:
        try:
            with copy.pdf.open("rb") as handle:
                return handle.read()
        except OSError:
            pass
    certificate = certificate or Certificate.objects.select_related(
        "level", "id_type", "occupation", "work_type", "result__application").get(pk=copy.certificate_id)
    key = PlatformKey.objects.filter(kid=copy.kid).first() or platform_key_active()
    content = documents.electronic_pdf(certificate, copy, _key_material(key))
    copy.pdf.save(documents.pdf_filename(certificate), ContentFile(content), save=False)
    CertificateCopy.objects.filter(pk=copy.pk).update(pdf=copy.pdf.name)
    return content


# ---------------------------------------------------------------------------------------------
# Reissue, correction, revocation


def _lock(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update(of=("self",)).select_related(
        "organisation", "id_type", "occupation", "work_type", "level").get(pk=certificate.pk)


@transaction.atomic
def certificate_reissue(*, actor: Actor, certificate: Certificate, kind: str, reason: str,
                        corrected_name: str = "", request: ReissueRequest | None = None) -> CertificateCopy:
    """A new copy with the same number [SD 6(3)], on the holder's application: a reissue
    (lost or damaged) or a corrected name. The previous copy is superseded (its QR code
    then shows as replaced); the audit trail keeps the old and new values."""
    certificate = _lock(certificate)
    _require_manager(actor, certificate.organisation_id)
    if not certificate.can_reissue():
        raise DomainError(_("证书已撤销，不能补办。"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写补办事由（如：证书遗失、损毁，或姓名有误及更正依据）。"), field="reason")
    if kind not in (CertificateCopy.Kind.REISSUE, CertificateCopy.Kind.CORRECTION):
        raise DomainError(_("请选择补办类型。"), field="kind")
    corrected_name = (corrected_name or "").strip()
    before = snapshot(certificate, ["name", "status", "revision", "unprintable"])
    if kind == CertificateCopy.Kind.CORRECTION:
        if not corrected_name:
            raise DomainError(_("更正补发须填写更正后的姓名。"), field="corrected_name")
        if corrected_name == certificate.name:
            raise DomainError(_("更正后的姓名与原姓名相同。"), field="corrected_name")
        if len(corrected_name) > 50:
            raise DomainError(_("姓名不能超过50个字符。"), field="corrected_name")
        certificate.name = corrected_name
        certificate.unprintable = "".join(sorted(missing_glyphs(corrected_name)))[:20]
    material = _key_material(platform_key_active())
    now = timezone.now()
    CertificateCopy.objects.filter(certificate=certificate, superseded_at__isnull=True).update(
        superseded_at=now, updated_at=now)
    certificate.revision += 1
    certificate.status = Certificate.Status.REISSUED
    certificate.save(update_fields=["name", "unprintable", "revision", "status", "updated_at"])
    query.public_answers_forget([certificate])
    copy = CertificateCopy.objects.create(
        certificate=certificate, revision=certificate.revision, kind=kind, reason=reason, name=certificate.name,
        kid=material.kid, token=signing.sign_token(token_fields(certificate, certificate.revision), material),
        issued_at=now, issued_by=actor.user)
    if request is not None:
        ReissueRequest.objects.filter(pk=request.pk).update(
            status=ReissueRequest.Status.APPROVED, decided_by=actor.user, decided_at=now, updated_at=now)
    label = CertificateCopy.Kind(kind).label
    audit_record(actor=actor, action=AuditEvent.Action.TRANSITION, obj=certificate,
                 summary=_("%(k)s：第%(r)d版（%(why)s）") % {"k": label, "r": certificate.revision, "why": reason[:120]},
                 before=before, after=snapshot(certificate, ["name", "status", "revision", "unprintable"]),
                 organisation_id=certificate.organisation_id)
    holder = certificate.person.user if certificate.person.user_id else None
    if holder is not None:
        notify(user=holder, title=_("证书 %(n)s 已%(k)s") % {"n": certificate.number, "k": label},
               body=_("原证书（第%(r)d版）作废，请下载新的电子证书。") % {"r": certificate.revision - 1},
               link=reverse("certificates:detail", args=[certificate.pk]))
    return copy


def _require_revoker(actor: Actor, certificate: Certificate) -> bool:
    """The issuing organisation or an authority over it may revoke; True for an authority."""
    if actor.has(Perm.CERTIFICATE_MANAGE) and actor.organisation_id == certificate.organisation_id:
        return False
    if actor.is_authority and actor.has(Perm.RESULT_REVIEW) and \
            certificate.organisation.jurisdiction_id in actor.jurisdiction_ids:
        return True
    raise DomainError(_("只有发证机构或其主管人社部门可以撤销该证书。"))


@transaction.atomic
def certificate_revoke(*, actor: Actor, certificate: Certificate, ground: str, reason: str) -> Certificate:
    """Revoke one certificate (never a key): the query and the verification page then
    show it as revoked."""
    certificate = _lock(certificate)
    by_authority = _require_revoker(actor, certificate)
    if not certificate.can_revoke():
        raise DomainError(_("证书已撤销。"))
    if ground not in RevocationGround.values:
        raise DomainError(_("请选择撤销事由。"), field="ground")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤销说明（依据和经过）。"), field="reason")
    before = snapshot(certificate, ["status", "revoked_at", "revocation_ground"])
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = actor.user
    certificate.revoked_by_authority = by_authority
    certificate.revocation_ground = ground
    certificate.revocation_reason = reason
    certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revoked_by_authority",
                                    "revocation_ground", "revocation_reason", "updated_at"])
    tally_add([certificate], count="revoked")
    query.public_answers_forget([certificate])
    ReissueRequest.objects.filter(certificate=certificate, status=ReissueRequest.Status.PENDING).update(
        status=ReissueRequest.Status.REJECTED, decided_by=actor.user, decided_at=certificate.revoked_at,
        decision_note=_("证书已撤销。"), updated_at=certificate.revoked_at)
    audit_record(actor=actor, action=AuditEvent.Action.TRANSITION, obj=certificate,
                 summary=_("撤销证书：%(g)s") % {"g": RevocationGround(ground).label}, before=before,
                 after={**snapshot(certificate, ["status", "revoked_at", "revocation_ground"]), "reason": reason},
                 organisation_id=certificate.organisation_id)
    if by_authority:
        notify(organisation_id=certificate.organisation_id,
               title=_("人社部门撤销了证书 %(n)s") % {"n": certificate.number},
               body=f"{RevocationGround(ground).label}：{reason}",
               link=reverse("certificates:detail", args=[certificate.pk]))
    return certificate


# ---------------------------------------------------------------------------------------------
# The holder's application


@transaction.atomic
def reissue_request_submit(*, actor: Actor, certificate: Certificate, kind: str, reason: str,
                           corrected_name: str = "") -> ReissueRequest:
    actor.require(Perm.CANDIDATE_SELF)
    certificate = _lock(certificate)
    if certificate.person_id != actor.person_id:
        raise DomainError(_("只能为本人的证书申请补办。"))
    if not certificate.can_reissue():
        raise DomainError(_("证书已撤销，不能申请补办。"))
    if kind not in (CertificateCopy.Kind.REISSUE, CertificateCopy.Kind.CORRECTION):
        raise DomainError(_("请选择申请类型。"), field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写申请事由。"), field="reason")
    corrected_name = (corrected_name or "").strip()
    if kind == CertificateCopy.Kind.CORRECTION and (not corrected_name or corrected_name == certificate.name):
        raise DomainError(_("姓名更正须填写与原姓名不同的正确姓名。"), field="corrected_name")
    if ReissueRequest.objects.filter(certificate=certificate, status=ReissueRequest.Status.PENDING).exists():
        raise DomainError(_("该证书已有一份待办理的申请。"))
    request = ReissueRequest.objects.create(
        certificate=certificate, kind=kind, reason=reason[:2000], corrected_name=corrected_name[:50],
        requested_by=actor.user)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=request,
                 summary=_("申请%(k)s") % {"k": request.get_kind_display()}, after=snapshot(request),
                 organisation_id=certificate.organisation_id)
    notify(organisation_id=certificate.organisation_id,
           title=_("%(n)s 申请证书%(k)s") % {"n": certificate.name, "k": request.get_kind_display()},
           body=reason[:200], link=reverse("certificates:detail", args=[certificate.pk]))
    return request


def reissue_request_approve(*, actor: Actor, request: ReissueRequest) -> CertificateCopy:
    request = ReissueRequest.objects.select_related("certificate").get(pk=request.pk)
    if request.status != ReissueRequest.Status.PENDING:
        raise DomainError(_("该申请已办理。"))
    return certificate_reissue(actor=actor, certificate=request.certificate, kind=request.kind,
                               reason=request.reason, corrected_name=request.corrected_name, request=request)


@transaction.atomic
def reissue_request_reject(*, actor: Actor, request: ReissueRequest, note: str) -> ReissueRequest:
    request = ReissueRequest.objects.select_for_update().select_related("certificate").get(pk=request.pk)
    _require_manager(actor, request.certificate.organisation_id)
    if request.status != ReissueRequest.Status.PENDING:
        raise DomainError(_("该申请已办理。"))
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请填写不予补发的理由。"), field="note")
    request.status = ReissueRequest.Status.REJECTED
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.TRANSITION, obj=request, summary=_("不予补发"),
                 after={"status": request.status, "note": note}, organisation_id=request.certificate.organisation_id)
    if request.requested_by_id:
        notify(user=request.requested_by, title=_("证书 %(n)s 的补办申请未予办理") % {"n": request.certificate.number},
               body=note, link=reverse("certificates:detail", args=[request.certificate_id]))
    return request


def register_export_audit(*, actor: Actor, rows: int, filters: dict[str, Any]) -> None:
    audit_record(actor=actor, action=AuditEvent.Action.EXPORT, object_type="certificates.certificate",
                 summary=_("导出证书登记册 %(n)d 条") % {"n": rows}, after={"filters": filters},
                 organisation_id=actor.organisation_id if actor.is_org_staff else None,
                 jurisdiction_id=actor.jurisdiction_id if actor.is_authority else None)
    personal_data_view_record(actor=actor, object_type="certificates.certificate", what=_("导出证书登记册"),
                              why=_("发证机构或人社部门管理证书"), count=rows,
                              organisation_id=actor.organisation_id if actor.is_org_staff else None,
                              jurisdiction_id=actor.jurisdiction_id if actor.is_authority else None)
