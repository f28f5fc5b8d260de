"""Scoped reads of the question bank, papers and computer-based exams."""

from __future__ import annotations

from django.db.models import QuerySet

from skilleval.accounts.access import Actor, get_scoped_or_404

from .models import Attempt, Blueprint, ExamSession, PracticalTask, QuestionItem


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
