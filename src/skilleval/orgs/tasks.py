"""Daily reminders of the filing part (core/scheduled.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from skilleval.core.notifications import notify_once
from skilleval.core.scheduled import daily

from .models import FilingApplication, Organisation
from .selectors import _months_between, overdue_condition
from .services import _detail_link


@daily("orgs.filing_review_overdue")
def filing_review_overdue(today: dt.date) -> int:
    """The reviewing authority hears once of every filing past its initial-review deadline."""
    sent = 0
    for application in FilingApplication.objects.filter(overdue_condition(today)).select_related("organisation"):
        sent += notify_once(
            key=f"filing-overdue:{application.pk}:{application.review_deadline}",
            jurisdiction_id=application.jurisdiction_id,
            title=_("备案申请已超过初审期限：%(o)s") % {"o": application.organisation.name},
            body=_("初审期限为 %(d)s（10个工作日），请尽快办理。") % {"d": application.review_deadline},
            link=_detail_link(application))
    return sent


@daily("orgs.filing_term_ending")
def filing_term_ending(today: dt.date) -> int:
    """An organisation hears once, ahead of time, that its filing term ends soon."""
    horizon = today + dt.timedelta(days=settings.SKILLEVAL_FILING_EXPIRY_WARNING_DAYS)
    sent = 0
    for organisation in Organisation.objects.filter(status=Organisation.Status.FILED,
                                                    filing_valid_until__range=(today, horizon)):
        sent += notify_once(
            key=f"filing-term:{organisation.pk}:{organisation.filing_valid_until}",
            organisation_id=organisation.pk,
            title=_("本单位备案有效期将于 %(d)s 届满") % {"d": organisation.filing_valid_until},
            body=_("有效期届满后将退出备案名录，不能继续开展认定。请及时办理延续。"),
            link=reverse("orgs:organisation_detail", args=[organisation.pk]))
    return sent


@daily("orgs.inactive_organisations")
def inactive_organisations(today: dt.date) -> int:
    """The supervising authority hears once a year of a filed organisation that has held no
    evaluation for longer than its profile allows (a termination ground, HF 21(3))."""
    sent = 0
    for organisation in Organisation.objects.filter(status=Organisation.Status.FILED).select_related("jurisdiction"):
        since = organisation.last_evaluation_on or organisation.filed_at
        if since is None:
            continue
        months = organisation.jurisdiction.policy_profile().inactivity_months
        if _months_between(since, today) > months:
            sent += notify_once(
                key=f"inactive:{organisation.pk}:{today.year}",
                jurisdiction_id=organisation.jurisdiction_id,
                title=_("%(o)s 已超过 %(m)d 个月未开展评价") % {"o": organisation.name, "m": months},
                body=_("长期未开展评价是终止备案的情形之一，请核实。"),
                link=reverse("orgs:organisation_detail", args=[organisation.pk]))
    return sent
