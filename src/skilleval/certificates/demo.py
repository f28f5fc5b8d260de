"""The demo's certificates: the batches whose report the authority accepted get their
certificates through the real services (numbers, records, signed electronic PDFs); one
is then reissued (lost) and one revoked (obtained by fraud)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from skilleval.accounts.access import actor_for
from skilleval.batches.models import Batch
from skilleval.results.models import Report

from . import services
from .models import Certificate
from .selectors import results_to_issue


def demo_certificates() -> None:
    User = get_user_model()  # noqa: N806
    manager = User.objects.filter(username="hs_admin").first()
    if manager is None:
        return
    actor = actor_for(manager)
    accepted = [b for b in Batch.objects.filter(organisation_id=actor.organisation_id).order_by("first_exam_date")
                if (r := Report.objects.filter(batch=b).order_by("-version").first()) and
                r.status == Report.Status.ACCEPTED and results_to_issue(b).exists()]
    issued: list[Certificate] = []
    for batch in accepted:
        issued += services.certificates_issue(actor=actor, batch=batch)
    for certificate in issued:
        services.copy_pdf_store(certificate.copies.get(revision=1), certificate=certificate)
    others = [c for c in issued if not (c.person.user_id and c.person.user.username == "zhaolei")]
    if len(others) >= 2:
        services.certificate_reissue(actor=actor, certificate=others[0], kind="reissue",
                                     reason="证书在搬家途中遗失，本人已书面申请补办。")
        services.certificate_revoke(actor=actor, certificate=others[-1], ground="fraud",
                                    reason="经复查，申报时提交的工作年限证明与社保缴费记录不符，系虚假材料。")


def demo_certificate_number() -> str | None:
    """A valid demo certificate number to try at the public query."""
    return Certificate.objects.filter(status=Certificate.Status.VALID).order_by("number").values_list(
        "number", flat=True).first()
