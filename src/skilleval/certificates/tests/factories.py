"""Builders for certificate tests: the exams world (a filed organisation, a confirmed
batch with accepted candidates, all through the real services) plus the results app's
contract rows made directly: a passed `Result` per candidate and an accepted `Report`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from skilleval.accounts.access import Actor, actor_for
from skilleval.accounts.models import Person, Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches.models import Application
from skilleval.catalog.models import IDType
from skilleval.core.validators import resident_id_check_char
from skilleval.exams.tests.test_cbt import World, build_world
from skilleval.results.models import Report, Result


@dataclass
class CertWorld:
    world: World
    results: list[Result]
    report: Report

    @property
    def org(self):
        return self.world.org

    @property
    def batch(self):
        return self.world.batch

    @property
    def manager(self) -> Actor:
        return self.world.manager


def passed_result(application: Application, *, passed: bool = True) -> Result:
    return Result.objects.create(
        batch=application.batch, application=application, passed=passed,
        status=Result.Status.APPROVED, theory_score=Decimal("82.0"), practical_score=Decimal("78.5"),
        review_score=Decimal("80.0"), total_score=Decimal("79.6") if passed else Decimal("52.0"),
        approved_at=timezone.now())


def report_for(batch, user, *, status=Report.Status.ACCEPTED, version: int = 1) -> Report:
    now = timezone.now()
    return Report.objects.create(batch=batch, version=version, status=status, submitted_at=now, submitted_by=user,
                                 decided_at=now if status != Report.Status.SUBMITTED else None)


def certifiable_world(jurisdiction, *, candidates: int = 3, name: str = "合肥证书测试机床有限公司",
                      accepted: bool = True) -> CertWorld:
    world = build_world(jurisdiction, candidates=candidates, name=name)
    results = [passed_result(a) for a in world.applications]
    report = report_for(world.batch, world.manager.user,
                        status=Report.Status.ACCEPTED if accepted else Report.Status.SUBMITTED)
    return CertWorld(world=world, results=results, report=report)


def bulk_results(world: CertWorld, count: int, *, start: int = 0) -> list[Result]:
    """`count` more accepted applications with passed results in the world's batch, written
    in bulk (persons, applications, results: real rows)."""
    batch, item = world.batch, world.world.item
    id_type = IDType.objects.get(code="201")
    people = []
    for n in range(start, start + count):
        birth = dt.date(1975, 1, 1) + dt.timedelta(days=n // 900)
        first17 = f"340104{birth:%Y%m%d}{100 + n % 900:03d}"
        people.append(Person(id_type=id_type, id_number=first17 + resident_id_check_char(first17), name=f"批量考生{n:05d}",
                             sex="M" if n % 2 else "F", birth_date=birth, organisation=world.org))
    people = Person.objects.bulk_create(people)
    applications = Application.objects.bulk_create([Application(
        batch=batch, item=item, person=p, status=Application.Status.ACCEPTED, number=f"CT{batch.pk}-{n:06d}",
        name=p.name, sex=p.sex, birth_date=p.birth_date, education="高中", work_started_on=dt.date(2010, 7, 1),
        phone="13900000000", current_post="车工", post_occupation=item.occupation, years_in_occupation=Decimal("5"),
        eligible=True) for n, p in zip(range(start, start + count), people, strict=True)])
    now = timezone.now()
    return Result.objects.bulk_create([Result(
        batch=batch, application=a, passed=True, status=Result.Status.APPROVED, total_score=Decimal("75.0"),
        approved_at=now) for a in applications])


def authority_actor(jurisdiction) -> Actor:
    return actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdiction, full_name="证书科"))
