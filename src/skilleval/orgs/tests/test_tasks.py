"""The daily reminders of the filing part, run through the `daily` command as cron or
Celery beat would run them: each reminder reaches the right desk exactly once."""

import datetime as dt
import json

import pytest
from django.core.management import call_command

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.core.models import Notification
from skilleval.core.notifications import notifications_for
from skilleval.orgs import services
from skilleval.orgs.models import Organisation
from skilleval.orgs.sample import fill_application

from .test_services import TODAY, hefei_authority, hefei_enterprise  # noqa: F401

pytestmark = pytest.mark.django_db


def run_daily(capsys, day: dt.date) -> dict:
    call_command("daily", "--date", day.isoformat())
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_an_overdue_filing_reaches_the_reviewing_authority_once(capsys, hefei_enterprise, hefei_authority):  # noqa: F811
    org, enterprise = hefei_enterprise
    application = services.filing_start(actor=enterprise, organisation=org)
    fill_application(actor=enterprise, application=application, occupations=[("6-18-01-01", "", [5, 4])])
    services.filing_submit(actor=enterprise, application=application, today=TODAY)
    application.refresh_from_db()
    before = run_daily(capsys, application.review_deadline)
    assert before["orgs.filing_review_overdue"] == 0
    late = application.review_deadline + dt.timedelta(days=1)
    assert run_daily(capsys, late)["orgs.filing_review_overdue"] == 1
    assert run_daily(capsys, late + dt.timedelta(days=1))["orgs.filing_review_overdue"] == 0  # once only
    inbox = notifications_for(hefei_authority)
    assert inbox.filter(title__contains="已超过初审期限").count() == 1
    other_city = actor_for(make_user(Role.AUTHORITY, jurisdiction=org.jurisdiction.parent.children.exclude(
        pk=org.jurisdiction_id).first()))
    assert not notifications_for(other_city).filter(title__contains="已超过初审期限").exists()


def test_term_ending_and_inactivity_are_flagged_once(capsys, orgs, jurisdictions):
    today = dt.date(2026, 11, 20)
    ending = orgs["hefei"]
    Organisation.objects.filter(pk=ending.pk).update(status=Organisation.Status.FILED, filed_at=dt.date(2023, 12, 1),
                                                     last_evaluation_on=dt.date(2026, 9, 1),
                                                     filing_valid_until=dt.date(2026, 12, 31))
    idle = orgs["bengbu"]
    Organisation.objects.filter(pk=idle.pk).update(status=Organisation.Status.FILED, filed_at=dt.date(2024, 3, 1),
                                                   last_evaluation_on=dt.date(2025, 6, 30),
                                                   filing_valid_until=dt.date(2029, 3, 1))
    done = run_daily(capsys, today)
    assert done["orgs.filing_term_ending"] == 1 and done["orgs.inactive_organisations"] == 1
    again = run_daily(capsys, today + dt.timedelta(days=1))
    assert again["orgs.filing_term_ending"] == 0 and again["orgs.inactive_organisations"] == 0
    assert Notification.objects.get(organisation_id=ending.pk).title == "本单位备案有效期将于 2026-12-31 届满"
    assert Notification.objects.get(jurisdiction_id=idle.jurisdiction_id).title.startswith(idle.name)
