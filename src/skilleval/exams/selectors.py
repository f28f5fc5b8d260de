"""Scoped reads of the question bank, papers and computer-based exams."""

from __future__ import annotations

from django.db.models import QuerySet

from skilleval.accounts.access import Actor, get_scoped_or_404

from .models import (
    Attempt,
    Blueprint,
    ExamRoom,
    ExamSession,
    ExamSite,
    PracticalTask,
    QuestionItem,
    StaffAssignment,
    StaffConflict,
)


def _bank_scope(actor: Actor, qs):
    """The bank is confidential: only its organisation's question-bank staff see it."""
    if actor.has("bank.manage") and actor.organisation_id:
        return qs.filter(organisation_id=actor.organisation_id)
    return qs.none()


def question_items_visible_to(actor: Actor) -> QuerySet[QuestionItem]:
    return _bank_scope(actor, QuestionItem.objects.select_related("occupation"))


def practical_tasks_visible_to(actor: Actor) -> QuerySet[PracticalTask]:
    return _bank_scope(actor, PracticalTask.objects.select_related("occupation"))


def blueprints_visible_to(actor: Actor) -> QuerySet[Blueprint]:
    return _bank_scope(actor, Blueprint.objects.select_related("occupation"))


def exam_sessions_visible_to(actor: Actor) -> QuerySet[ExamSession]:
    """Exam affairs staff, proctors and markers of the organisation see its sessions."""
    qs = ExamSession.objects.select_related("batch", "batch_item", "blueprint")
    if actor.is_org_staff and actor.organisation_id:
        return qs.filter(batch__organisation_id=actor.organisation_id)
    return qs.none()


def exam_session_get_for_actor(*, actor: Actor, pk: int) -> ExamSession:
    return get_scoped_or_404(exam_sessions_visible_to(actor), pk=pk)


def attempts_visible_to(actor: Actor) -> QuerySet[Attempt]:
    qs = Attempt.objects.select_related("session", "application", "paper")
    if actor.is_org_staff and actor.organisation_id:
        return qs.filter(session__batch__organisation_id=actor.organisation_id)
    if actor.person_id:
        return qs.filter(application__person_id=actor.person_id)
    return qs.none()


# Rooms and staff (考场编排): sites and rooms are exam affairs' own records; staff see their own duties.


def exam_sites_visible_to(actor: Actor) -> QuerySet[ExamSite]:
    if actor.is_org_staff and actor.organisation_id:
        return ExamSite.objects.filter(organisation_id=actor.organisation_id)
    return ExamSite.objects.none()


def exam_site_get_for_actor(*, actor: Actor, pk: int) -> ExamSite:
    return get_scoped_or_404(exam_sites_visible_to(actor), pk=pk)


def exam_rooms_visible_to(actor: Actor) -> QuerySet[ExamRoom]:
    qs = ExamRoom.objects.select_related("site")
    if actor.is_org_staff and actor.organisation_id:
        return qs.filter(site__organisation_id=actor.organisation_id)
    return qs.none()


def exam_room_get_for_actor(*, actor: Actor, pk: int) -> ExamRoom:
    return get_scoped_or_404(exam_rooms_visible_to(actor), pk=pk)


def staff_conflicts_visible_to(actor: Actor) -> QuerySet[StaffConflict]:
    qs = StaffConflict.objects.select_related("batch", "staff", "application")
    if actor.is_org_staff and actor.organisation_id:
        return qs.filter(batch__organisation_id=actor.organisation_id)
    return qs.none()


def staff_assignments_visible_to(actor: Actor) -> QuerySet[StaffAssignment]:
    qs = StaffAssignment.objects.select_related("session__batch", "staff", "room__site", "site")
    if actor.is_org_staff and actor.organisation_id:
        return qs.filter(session__batch__organisation_id=actor.organisation_id)
    return qs.none()


def staff_assignment_get_for_actor(*, actor: Actor, pk: int) -> StaffAssignment:
    return get_scoped_or_404(staff_assignments_visible_to(actor), pk=pk)


def my_staff_assignments(actor: Actor) -> QuerySet[StaffAssignment]:
    """The duties of the roster members linked to the actor's own login (我的考务安排)."""
    if actor.user is None or not actor.is_org_staff:
        return StaffAssignment.objects.none()
    return staff_assignments_visible_to(actor).filter(staff__user=actor.user).select_related(
        "session__batch_item__occupation", "session__batch_item__work_type", "session__batch_item__level")
