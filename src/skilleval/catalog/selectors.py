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
