"""Two users colliding on a batch, on PostgreSQL with real concurrent sessions (see
core/tests/collide.py): both calls are inside their transactions, queued on the same
lock, when it opens. One wins, the other is told in Chinese, nothing is doubled. (The
stale review page's refusal also runs on SQLite.)"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Person, Role
from skilleval.accounts.tests.factories import make_user
from skilleval.core.models import AuditEvent, Job, Notification
from skilleval.core.tests.collide import row_gate, table_gate

from .. import services
from ..imports import applications_import_start
from ..models import Application, Batch
from .factories import application_data, batch_for, candidate, filed_organisation
from .test_imports import row, xlsx

pytestmark = pytest.mark.django_db(transaction=True)

STATUS_LABELS = {"accept": "审核通过", "return": "退回修改", "reject": "审核不通过"}


@pytest.fixture
def hefei_org(jurisdictions):
    return filed_organisation(jurisdictions["合肥市"], name="合肥并发测试机械有限公司")


def _submitted(org, batch):
    user = candidate(org, name="周晓峰")
    application = services.application_submit(actor=actor_for(user), batch=batch,
                                              data=application_data(batch, id_number=user.person.id_number,
                                                                    name="周晓峰"))
    return user, application


def _review(actor, application, decision, seen_status):
    return lambda: services.application_review(actor=actor, application=application, decision=decision,
                                               reason="" if decision == "accept" else "工作年限证明不清晰",
                                               seen_status=seen_status)


@pytest.mark.postgresql
@pytest.mark.parametrize(("first", "second", "seen"), [
    ("accept", "reject", "submitted"),   # the page's form: the second reviewer saw "submitted"
    ("reject", "accept", "submitted"),
    ("return", "accept", "submitted"),   # a returned application may be reviewed again, but not blindly
    ("accept", "reject", None),          # the API (no page state): the state check refuses
])
def test_two_reviewers_deciding_one_application_one_wins_the_other_is_told(hefei_org, first, second, seen):
    batch, manager = batch_for(hefei_org)
    colleague = actor_for(make_user(Role.ORG_ADMIN, organisation=hefei_org, full_name="陈思远"))
    user, application = _submitted(hefei_org, batch)
    with row_gate(Application, application.pk) as gate:
        winner, loser = gate.queue(_review(manager, application, first, seen),
                                   _review(colleague, application, second, seen))
    assert winner.ok, winner.message
    assert not loser.ok
    if seen:
        assert loser.message == f"该报名刚刚已由他人审核为“{STATUS_LABELS[first]}”，您的审核结论未保存。请查看后重新审核。"
    else:
        assert loser.message == f"该报名当前为“{STATUS_LABELS[first]}”，不能审核。"
    application.refresh_from_db()
    assert application.status == services.REVIEW_DECISIONS[first]
    reviews = AuditEvent.objects.filter(object_id=str(application.pk), summary__startswith="资格审核")
    assert reviews.count() == 1
    assert Notification.objects.filter(user=user).count() == 1  # the candidate hears one decision


def test_the_review_page_refuses_a_decision_made_on_a_stale_page(client, hefei_org):
    """The reviewer's page carries the status it showed; a colleague decided meanwhile."""
    batch, manager = batch_for(hefei_org)
    _user, application = _submitted(hefei_org, batch)
    client.force_login(manager.user)
    page = client.get(reverse("batches:application_detail", args=[application.pk])).content.decode()
    assert 'name="seen_status" value="submitted"' in page
    services.application_review(actor=actor_for(make_user(Role.ORG_ADMIN, organisation=hefei_org)),
                                application=application, decision="accept")
    response = client.post(reverse("batches:application_review", args=[application.pk]),
                           {"decision": "reject", "reason": "工作年限不足", "seen_status": "submitted"}, follow=True)
    assert "该报名刚刚已由他人审核为“审核通过”，您的审核结论未保存。请查看后重新审核。" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED and application.review_reason == ""


def _import(actor, batch, rows, **kwargs):
    return lambda: applications_import_start(actor=actor, batch=batch, upload=SimpleUploadedFile(
        "名单.xlsx", xlsx(rows)), **kwargs)


@pytest.mark.postgresql
def test_two_imports_into_one_batch_never_make_two_applications_for_one_person(hefei_org):
    batch, manager = batch_for(hefei_org)
    both = row(姓名="吴承志")  # a new person, in both files
    first_file = [row(姓名="郑国强"), both]
    second_file = [both, row(姓名="冯立新")]
    persons = Person.objects.count()
    # Both imports have checked their rows (the shared person is not in the batch yet) and
    # wait for the batch to write; the first writes, the second looks again under the lock.
    with row_gate(Batch, batch.pk) as gate:
        first, second = gate.queue(_import(manager, batch, first_file), _import(manager, batch, second_file))
    assert first.ok and second.ok  # the requests themselves are accepted; the jobs tell the outcome
    first_job, second_job = Job.objects.get(pk=first.value.pk), Job.objects.get(pk=second.value.pk)
    assert first_job.status == Job.Status.SUCCEEDED and first_job.message == "导入 2 行。"
    assert second_job.status == Job.Status.FAILED
    assert second_job.error == "导入期间第2行的考生已在本批次报名，请重新导入。未导入任何数据。"
    assert Person.objects.count() == persons + 2
    assert Person.objects.filter(id_number=both["证件号码"]).count() == 1
    assert Application.objects.filter(batch=batch, person__id_number=both["证件号码"]).count() == 1
    assert sorted(Application.objects.filter(batch=batch).values_list("name", flat=True)) == ["吴承志", "郑国强"]
    assert not Person.objects.filter(name="冯立新").exists()

    # Imported again, the second file names the row already registered; its clean rows go in.
    again = _import(manager, batch, second_file)()
    again.refresh_from_db()
    assert again.status == Job.Status.FAILED and "1 行共 1 处错误" in again.error
    again = _import(manager, batch, second_file, clean_rows_only=True)()
    again.refresh_from_db()
    assert again.status == Job.Status.SUCCEEDED and again.message == "导入 1 行，跳过 1 行有错误的数据。"
    numbers = list(Application.objects.filter(batch=batch).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 3


@pytest.mark.postgresql
def test_two_organisations_importing_the_same_new_person_at_once(hefei_org, jurisdictions):
    """Two organisations import at the same moment, both naming a worker the platform does
    not know yet (imports into one organisation's batches queue on its row): one person
    record, one application in each batch."""
    first_batch, first_manager = batch_for(hefei_org)
    other = filed_organisation(jurisdictions["蚌埠市"], name="蚌埠并发测试仪器有限公司")
    second_batch, second_manager = batch_for(other)
    both = row(姓名="褚建明")
    # The first import waits to write its audit event with the new person written; the
    # second, writing the same person, waits on the first's uncommitted row.
    with table_gate(AuditEvent) as gate:
        first, second = gate.queue(_import(first_manager, first_batch, [both, row(姓名="卫东升")]),
                                   _import(second_manager, second_batch, [row(姓名="蒋文华"), both]))
    jobs = [Job.objects.get(pk=o.value.pk) for o in (first, second)]
    assert [(j.status, j.message) for j in jobs] == [(Job.Status.SUCCEEDED, "导入 2 行。")] * 2, [j.error for j in jobs]
    person = Person.objects.get(id_number=both["证件号码"])
    assert sorted(person.applications.values_list("batch_id", flat=True)) == [first_batch.pk, second_batch.pk]
