from collections.abc import Callable

from django.db.models import Count, Q, QuerySet

from .models import IDType, Jurisdiction, Level, Occupation, PolicyProfile, WorkType


def levels_all() -> QuerySet[Level]:
    return Level.objects.all()


def certificate_levels() -> QuerySet[Level]:
    return Level.objects.filter(is_certificate_level=True).order_by("-code")


def id_types_all() -> QuerySet[IDType]:
    return IDType.objects.all()


def occupations_search(*, q: str = "", evaluable: bool | None = None, sample: bool | None = None) -> QuerySet[Occupation]:
    qs = Occupation.objects.annotate(work_type_count=Count("work_types"))
    if q:
        by_work_type = WorkType.objects.filter(name__contains=q).values("occupation_id")
        qs = qs.filter(Q(code__startswith=q) | Q(name__contains=q) | Q(pk__in=by_work_type))
    if evaluable is True:
        qs = qs.filter(is_skill_type=True, is_access_type=False)
    elif evaluable is False:
        qs = qs.filter(Q(is_skill_type=False) | Q(is_access_type=True))
    if sample is not None:
        qs = qs.filter(is_sample=sample)
    return qs.order_by("code")


def jurisdictions_all() -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.select_related("parent").order_by("code")


def profiles_all() -> QuerySet[PolicyProfile]:
    return PolicyProfile.objects.select_related("jurisdiction").order_by("key")


def policy_profiles_in_force() -> Callable[[Jurisdiction], PolicyProfile]:
    """`Jurisdiction.policy_profile()` for many jurisdictions with one query (a list page
    over hundreds of organisations): the jurisdiction's own profile, else its province's,
    else the national default."""
    profiles = list(PolicyProfile.objects.all())
    by_jurisdiction: dict[int | None, PolicyProfile] = {p.jurisdiction_id: p for p in profiles if p.jurisdiction_id}
    national = next((p for p in profiles if p.key == PolicyProfile.NATIONAL_DEFAULT_KEY), None)

    def in_force(jurisdiction: Jurisdiction) -> PolicyProfile:
        profile = by_jurisdiction.get(jurisdiction.pk) or national
        if jurisdiction.pk not in by_jurisdiction and jurisdiction.parent_id in by_jurisdiction:
            profile = by_jurisdiction[jurisdiction.parent_id]
        return profile if profile is not None else jurisdiction.policy_profile()

    return in_force
