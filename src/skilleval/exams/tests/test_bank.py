"""The question bank: validation at the field, state transitions and their audit
events, confidentiality (scope isolation; every view and export audited), the XLSX
import through the background job, the export and the pages. Real rows, no mocks."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.models import Level, Occupation
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent, Job
from skilleval.orgs.models import ScopeItem
from skilleval.orgs.tests.factories import OrganisationFactory

from ..models import ItemKind, ItemStatus, PracticalTask, QuestionItem
from ..services import bank
from ..services.bank import (
    EXPORT_COLUMNS,
    IMPORT_COLUMNS,
    BankInvalid,
    ItemData,
    TaskData,
    practical_task_approve,
    practical_task_create,
    practical_task_retire,
    practical_task_update,
    question_item_approve,
    question_item_check,
    question_item_create,
    question_item_retire,
    question_item_update,
    question_items_export_xlsx,
    question_items_import,
    question_items_import_start,
    rubric_parse,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SCOPE = (("6-18-01-01", (5, 4, 3)), ("6-18-01-02", (5,)))


def with_scope(org, scope=SCOPE, removed=(("6-18-01-04", 5),)):
    for code, levels in scope:
        for level in levels:
            ScopeItem.objects.create(organisation=org, occupation=Occupation.objects.get(code=code),
                                     level=Level.objects.get(code=level), added_on=TODAY)
    for code, level in removed:  # once in scope, removed by an adjustment
        ScopeItem.objects.create(organisation=org, occupation=Occupation.objects.get(code=code),
                                 level=Level.objects.get(code=level), added_on=TODAY, removed_on=TODAY)
    return org


@pytest.fixture
def org(jurisdictions):
    return with_scope(OrganisationFactory(name="合肥题库机械有限公司", jurisdiction=jurisdictions["合肥市"]))


@pytest.fixture
def staff(org):
    return make_user(Role.QUESTION_BANK, organisation=org, full_name="题库员甲")


@pytest.fixture
def actor(staff):
    return actor_for(staff)


@pytest.fixture
def other_org(jurisdictions):
    return with_scope(OrganisationFactory(name="合肥另一机械有限公司", jurisdiction=jurisdictions["合肥市"]))


def single(**values):
    base = dict(code="CG5-0001", occupation_code="6-18-01-01", level=5, kind="single", stem="车削外圆时，工件的旋转是（ ）。",
                options={"A": "主运动", "B": "进给运动", "C": "辅助运动", "D": "切入运动"}, answer="A",
                knowledge_point="切削运动", difficulty=2)
    base.update(values)
    return ItemData(**base)


def multiple(**values):
    return single(**{"code": "CG5-0002", "kind": "multiple", "stem": "下列属于安全文明生产要求的有（ ）。",
                     "options": {"A": "穿戴好劳保用品", "B": "戴手套操作车床", "C": "工作场地整洁", "D": "工量具摆放整齐"},
                     "answer": "ACD", "knowledge_point": "安全文明生产", **values})


def true_false(**values):
    return single(**{"code": "CG5-0003", "kind": "true_false", "stem": "车床开动时可以测量工件尺寸。", "options": {},
                     "answer": "错", "knowledge_point": "安全操作规程", **values})


def short(**values):
    return single(**{"code": "CG5-0004", "kind": "short", "stem": "简述切削液的主要作用。", "options": {},
                     "answer": "冷却、润滑、清洗和防锈。", "knowledge_point": "切削液", **values})


def task_data(**values):
    base = dict(code="CG5-SC-01", occupation_code="6-18-01-01", level=5, title="阶梯轴车削",
                description="按图样完成阶梯轴的车削加工，材料45钢。", duration_minutes=180,
                rubric="尺寸精度|40|外圆φ40±0.02，每超差0.01扣5分\n表面粗糙度|20|Ra3.2，降一级扣10分\n"
                       "安全文明生产|10|违反一项扣5分")
    base.update(values)
    return TaskData(**base)


def events(obj=None, action=None, object_type=None):
    qs = AuditEvent.objects.all()
    if obj is not None:
        qs = qs.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if object_type:
        qs = qs.filter(object_type=object_type)
    if action:
        qs = qs.filter(action=action)
    return qs


# ---------------------------------------------------------------------------------------------
# Creating and checking


def test_each_kind_is_stored_in_the_shape_the_paper_assembler_reads(actor, org, staff):
    items = [question_item_create(actor=actor, data=d) for d in (single(), multiple(), true_false(), short())]
    a, b, c, d = (QuestionItem.objects.get(pk=i.pk) for i in items)
    assert a.options[0] == {"key": "A", "text": "主运动"} and a.answer == ["A"]
    assert b.answer == ["A", "C", "D"] and len(b.options) == 4
    assert c.options == [] and c.answer is False
    assert d.answer == "冷却、润滑、清洗和防锈。"
    assert all(i.status == ItemStatus.DRAFT and i.organisation == org and i.created_by == staff for i in (a, b, c, d))
    assert [bank.item_answer_text(i) for i in (a, b, c, d)] == ["A", "ACD", "错", "冷却、润滑、清洗和防锈。"]
    created = events(a, AuditEvent.Action.CREATE).get()
    assert created.actor == staff and created.organisation_id == org.pk and created.after["code"] == "CG5-0001"
    # Answers written loosely are normalised.
    e = question_item_create(actor=actor, data=multiple(code="CG5-0005", answer="d, a、c"))
    f = question_item_create(actor=actor, data=true_false(code="CG5-0006", answer="√"))
    assert e.answer == ["A", "C", "D"] and f.answer is True


@pytest.mark.parametrize(("data", "field", "message"), [
    (single(answer="AB"), "answer", "单项选择题只能有一个正确答案（当前为 AB）。"),
    (multiple(answer="C"), "answer", "多项选择题至少有两个正确答案（当前为 C）。"),
    (single(answer="E"), "answer", "答案E不在已填写的选项（ABCD）中。"),
    (single(answer="甲"), "answer", "答案“甲”不正确，应填选项字母，如 A 或 ABD。"),
    (single(answer=""), "answer", "请填写标准答案（选项字母，如 A 或 ABD）。"),
    (single(options={"A": "主运动", "B": "进给运动", "D": "切入运动"}), "option_c",
     "选项须从A起连续填写：已填写选项D，请先填写选项C。"),
    (single(options={"A": "主运动"}), "option_b", "单项选择题至少需要2个选项，请填写选项B。"),
    (multiple(options={"A": "甲", "B": "乙"}, answer="AB"), "option_c", "多项选择题至少需要3个选项，请填写选项C。"),
    (single(options={"A": "主运动", "B": "主运动"}), "option_b", "选项B与选项A内容相同。"),
    (true_false(answer="也许"), "answer", "判断题答案“也许”不正确，应填“对”或“错”。"),
    (true_false(options={"A": "对", "B": "错"}), "option_a", "判断题不设选项，请清空选项A。"),
    (short(answer="  "), "answer", "请填写参考答案（简答题的评分要点）。"),
    (single(knowledge_point=""), "knowledge_point", "请填写鉴定要素（本题考核的知识点）。"),
    (single(difficulty=6), "difficulty", "难度应为1至5的整数（1最易，5最难）。"),
    (single(difficulty="易"), "difficulty", "难度应为1至5的整数（1最易，5最难）。"),
    (single(stem=""), "stem", "请填写题干。"),
    (single(kind="填空"), "kind", "题型“填空”不正确，应为 单选、多选、判断 或 简答。"),
    (single(code="A B"), "code", "试题编号“A B”不正确：最多40个字符，只能使用字母、数字、汉字和 - _ .。"),
    (single(occupation_code="9-99-99-99"), "occupation",
     "职业编码“9-99-99-99”不存在，请对照国家职业分类大典填写，如 6-18-01-01。"),
    (single(occupation_code="4-03-02-01"), "occupation", "职业“4-03-02-01 中式烹调师”不在本单位当前的备案范围内，不能为其建题。"),
    (single(occupation_code="6-18-01-04"), "occupation", "职业“6-18-01-04 磨工”不在本单位当前的备案范围内，不能为其建题。"),
    (single(occupation_code="6-18-01-02", level=4), "level", "本单位备案范围内“铣工”的等级为：五级/初级工；不含四级/中级工。"),
    (single(level=7), "level", "等级“7”不正确，应填1至5，或 五级、四级、三级、二级、一级。"),
])
def test_each_problem_is_reported_at_its_field_in_chinese(actor, org, data, field, message):
    checked, problems = question_item_check(organisation_id=org.pk, data=data)
    assert checked is None and (field, message) in problems
    with pytest.raises(BankInvalid) as caught:
        question_item_create(actor=actor, data=data)
    assert (field, message) in caught.value.errors
    assert not QuestionItem.objects.exists() and not events(action=AuditEvent.Action.CREATE,
                                                            object_type="exams.questionitem").exists()


def test_levels_may_be_written_as_words_and_codes_are_unique_per_organisation(actor, org, other_org):
    item = question_item_create(actor=actor, data=single(level="四级/中级工"))
    assert item.level == 4
    with pytest.raises(BankInvalid) as caught:
        question_item_create(actor=actor, data=single(level="三级"))
    assert caught.value.errors == [("code", "试题编号“CG5-0001”已存在，请换一个编号。")]
    # Another organisation may use the same code in its own bank.
    other = actor_for(make_user(Role.QUESTION_BANK, organisation=other_org))
    assert question_item_create(actor=other, data=single()).organisation == other_org


# ---------------------------------------------------------------------------------------------
# State transitions


def test_approve_then_retire_with_audit_events_and_refusals(actor, staff, org):
    item = question_item_create(actor=actor, data=single())
    with pytest.raises(DomainError, match="只有已审定的试题可以停用"):
        question_item_retire(actor=actor, item=item)
    item = question_item_approve(actor=actor, item=item)
    assert QuestionItem.objects.get(pk=item.pk).status == ItemStatus.APPROVED
    event = events(item, AuditEvent.Action.TRANSITION).get()
    assert event.before == {"status": "draft"} and event.after == {"status": "approved"}
    assert event.actor == staff and event.summary == "审定理论试题 CG5-0001" and event.organisation_id == org.pk
    assert event.jurisdiction_id == org.jurisdiction_id

    with pytest.raises(DomainError, match="当前为“已审定”，只有草稿可以审定"):
        question_item_approve(actor=actor, item=item)
    with pytest.raises(DomainError, match="已审定，不能修改"):
        question_item_update(actor=actor, item=item, data=single(stem="改过的题干"))
    assert QuestionItem.objects.get(pk=item.pk).stem == "车削外圆时，工件的旋转是（ ）。"

    question_item_retire(actor=actor, item=item, reason="教材更新")
    assert QuestionItem.objects.get(pk=item.pk).status == ItemStatus.RETIRED
    retired = events(item, AuditEvent.Action.TRANSITION).order_by("id").last()
    assert retired.after == {"status": "retired", "reason": "教材更新"} and "教材更新" in retired.summary
    with pytest.raises(DomainError, match="只有已审定的试题可以停用"):
        question_item_retire(actor=actor, item=item)
    assert events(item, AuditEvent.Action.TRANSITION).count() == 2


def test_a_draft_is_updated_with_before_and_after(actor):
    item = question_item_create(actor=actor, data=single())
    question_item_update(actor=actor, item=item, data=single(answer="B", difficulty=4, code="CG5-0001A"))
    item.refresh_from_db()
    assert item.answer == ["B"] and item.difficulty == 4 and item.code == "CG5-0001A"
    event = events(item, AuditEvent.Action.UPDATE).get()
    assert event.before["answer"] == ["A"] and event.after["answer"] == ["B"]


def test_only_the_organisations_bank_staff_may_write(actor, org, other_org):
    item = question_item_create(actor=actor, data=single())
    other = actor_for(make_user(Role.QUESTION_BANK, organisation=other_org))
    admin = actor_for(make_user(Role.ORG_ADMIN, organisation=org))
    with pytest.raises(DomainError, match="您只能管理本单位的题库"):
        question_item_approve(actor=other, item=item)
    with pytest.raises(DomainError, match="您只能管理本单位的题库"):
        question_item_update(actor=other, item=item, data=single(stem="篡改"))
    with pytest.raises(PermissionDenied):
        question_item_approve(actor=admin, item=item)
    with pytest.raises(PermissionDenied):
        question_item_create(actor=admin, data=single(code="X-1"))
    with pytest.raises(PermissionDenied):
        bank.question_item_record_view(actor=admin, item=item)
    item.refresh_from_db()
    assert item.status == ItemStatus.DRAFT and item.stem.startswith("车削外圆")
    assert QuestionItem.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Practical tasks


def test_rubric_lines_are_parsed_with_an_error_per_line():
    rows, errors = rubric_parse("尺寸精度|40|外圆超差扣分\n\n表面|零|粗糙度\n只有两段|10\n|10|无项目\n尺寸精度|5|重复\n工时|0|超时扣分")
    assert rows == [{"item": "尺寸精度", "points": 40, "criteria": "外圆超差扣分"}]
    assert errors == [
        "第3行：分值“零”应为正整数。",
        "第4行：应为“项目|分值|评分标准”三段，用“|”分隔。",
        "第5行：请填写评分项目。",
        "第6行：评分项目“尺寸精度”与第1行重复。",
        "第7行：分值“0”应为正整数。",
    ]
    assert rubric_parse("")[1] == ["请至少填写一行评分标准（项目|分值|评分标准），总分须大于0。"]
    rows, errors = rubric_parse("安全｜10分｜含|竖线的标准")
    assert rows == [{"item": "安全", "points": 10, "criteria": "含|竖线的标准"}] and not errors


def test_practical_task_lifecycle(actor, staff):
    task = practical_task_create(actor=actor, data=task_data())
    assert task.total_points == 70 and task.rubric[1] == {"item": "表面粗糙度", "points": 20, "criteria": "Ra3.2，降一级扣10分"}
    assert events(task, AuditEvent.Action.CREATE).get().actor == staff
    with pytest.raises(BankInvalid) as caught:
        practical_task_update(actor=actor, task=task, data=task_data(rubric="尺寸|abc|x", duration_minutes="0"))
    assert ("rubric", "第1行：分值“abc”应为正整数。") in caught.value.errors
    assert ("duration_minutes", "考核时间应为1至600之间的整数（分钟）。") in caught.value.errors
    practical_task_approve(actor=actor, task=task)
    with pytest.raises(DomainError, match="不能修改"):
        practical_task_update(actor=actor, task=task, data=task_data(title="新名称"))
    practical_task_retire(actor=actor, task=task, reason="设备更换")
    task.refresh_from_db()
    assert task.status == ItemStatus.RETIRED and task.title == "阶梯轴车削"
    assert list(events(task, AuditEvent.Action.TRANSITION).order_by("id").values_list("after", flat=True)) == [
        {"status": "approved"}, {"status": "retired", "reason": "设备更换"}]


def test_practical_task_needs_the_scope(actor):
    with pytest.raises(BankInvalid) as caught:
        practical_task_create(actor=actor, data=task_data(occupation_code="6-18-01-02", level=3, title=""))
    assert ("level", "本单位备案范围内“铣工”的等级为：五级/初级工；不含三级/高级工。") in caught.value.errors
    assert ("title", "请填写试题名称。") in caught.value.errors
    assert not PracticalTask.objects.exists()


# ---------------------------------------------------------------------------------------------
# Import


def workbook(rows, headers=IMPORT_COLUMNS, *, formula=None, merge=None):
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(h, "") for h in headers])
    if formula:
        sheet[formula] = "=1+1"
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(**values):
    base = {"试题编号": "IMP-001", "职业编码": "6-18-01-01", "等级": "五级", "题型": "单选", "题干": "车床主轴的转速单位是（ ）。",
            "选项A": "r/min", "选项B": "m/min", "选项C": "mm/r", "选项D": "", "选项E": "", "选项F": "", "答案": "A",
            "鉴定要素": "切削用量", "难度": "2"}
    base.update(values)
    return base


def good_rows(count=12):
    rows = []
    for i in range(count):
        code = f"IMP-{i:03d}"
        kind = i % 4
        if kind == 0:
            rows.append(row(试题编号=code))
        elif kind == 1:
            rows.append(row(试题编号=code, 题型="多选", 答案="AB", 选项D="kg", 等级="4"))
        elif kind == 2:
            rows.append(row(试题编号=code, 题型="判断", 选项A="", 选项B="", 选项C="", 答案="对", 职业编码="6-18-01-02"))
        else:
            rows.append(row(试题编号=code, 题型="简答", 选项A="", 选项B="", 选项C="", 答案="主轴每分钟的转数。", 等级="三级"))
    return rows


def with_three_bad():
    rows = good_rows(12)
    rows[2]["答案"] = "也许"  # row 4
    rows[5].update({"答案": "E", "鉴定要素": ""})  # row 7: two errors
    rows[9]["职业编码"] = "4-03-02-01"  # row 11: outside the scope
    return rows


def test_import_reports_every_error_by_row_and_column_and_saves_nothing(actor):
    report = question_items_import(actor=actor, source=workbook(with_three_bad()), filename="题库.xlsx")
    assert report.rows == 12 and report.error_rows == 3 and report.imported == 0
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, "答案", "判断题答案“也许”不正确，应填“对”或“错”。"),
        (7, "答案", "答案E不在已填写的选项（ABCD）中。"),
        (7, "鉴定要素", "请填写鉴定要素（本题考核的知识点）。"),
        (11, "职业编码", "职业“4-03-02-01 中式烹调师”不在本单位当前的备案范围内，不能为其建题。"),
    ]
    assert not QuestionItem.objects.exists()
    assert not events(action=AuditEvent.Action.IMPORT, object_type="exams.questionitem").exists()


def test_import_clean_rows_only_and_updates_of_drafts(actor, staff, org):
    report = question_items_import(actor=actor, source=workbook(with_three_bad()), filename="题库.xlsx",
                                   clean_rows_only=True)
    assert report.created == 9 and report.updated == 0 and report.error_rows == 3
    assert set(QuestionItem.objects.values_list("status", flat=True)) == {ItemStatus.DRAFT}
    judged = QuestionItem.objects.get(code="IMP-006")
    assert judged.kind == ItemKind.TRUE_FALSE and judged.answer is True and judged.occupation.code == "6-18-01-02"
    assert QuestionItem.objects.get(code="IMP-001").answer == ["A", "B"]
    event = events(action=AuditEvent.Action.IMPORT, object_type="exams.questionitem").get()
    assert event.actor == staff and event.organisation_id == org.pk and event.after["created"] == 9
    assert "IMP-000" in event.after["created_codes"]

    # Existing draft codes are updated; an approved item cannot be changed by a file.
    question_item_approve(actor=actor, item=QuestionItem.objects.get(code="IMP-000"))
    rows = [row(试题编号="IMP-003", 题型="简答", 选项A="", 选项B="", 选项C="", 答案="新的参考答案", 等级="三级"),
            row(试题编号="IMP-100")]
    report = question_items_import(actor=actor, source=workbook(rows), filename="修改.xlsx")
    assert (report.created, report.updated) == (1, 1)
    assert QuestionItem.objects.get(code="IMP-003").answer == "新的参考答案"
    report = question_items_import(actor=actor, source=workbook([row(试题编号="IMP-000", 答案="B")]), filename="x.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(2, "试题编号")]
    assert "已审定，不能通过导入修改" in report.errors[0].message
    assert QuestionItem.objects.get(code="IMP-000").answer == ["A"]


def test_import_refuses_file_level_problems_and_catches_file_mistakes(actor):
    rows = [row(试题编号="示例-01"), row(试题编号="DUP-1"), row(试题编号="DUP-1"), row(试题编号="F-1")]
    report = question_items_import(actor=actor, source=workbook(rows, formula="N5"), filename="题库.xlsx")
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "试题编号", "这是模板中的示例行，请删除后再导入。"),
        (4, "试题编号", "与第3行的试题编号重复。"),
        (5, "难度", "该单元格是公式，请复制后“选择性粘贴为数值”再导入。"),
    ]
    with pytest.raises(DomainError, match="合并单元格：B2:B3（第2至3行，“职业编码”列起）"):
        question_items_import(actor=actor, source=workbook(good_rows(2), merge="B2:B3"), filename="题库.xlsx")
    with pytest.raises(DomainError, match="缺少必需的列：答案"):
        question_items_import(actor=actor, source=workbook([row()], headers=[h for h in IMPORT_COLUMNS if h != "答案"]),
                              filename="题库.xlsx")
    with pytest.raises(DomainError, match="只支持 .xlsx 文件"):
        question_items_import(actor=actor, source=b"a,b", filename="题库.csv")
    assert not QuestionItem.objects.exists()


def test_the_import_job_end_to_end(actor, staff, django_capture_on_commit_callbacks):
    content = workbook(with_three_bad())
    with django_capture_on_commit_callbacks(execute=True):
        job = question_items_import_start(actor=actor, upload=SimpleUploadedFile("题库.xlsx", content))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.kind == "bank_import" and job.created_by == staff
    assert job.error == ("文件中有 3 行共 4 处错误，未导入任何数据。请下载错误报告，修改后重新上传；"
                         "也可以选择“只导入没有错误的行”。")
    assert job.result["errors"][0] == {"row": 4, "column": "答案", "message": "判断题答案“也许”不正确，应填“对”或“错”。"}
    report = load_workbook(job.output_file.open("rb")).active
    assert [c.value for c in report[1]] == ["行号", "列", "错误说明"] and report.max_row == 5
    assert not QuestionItem.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        job = question_items_import_start(actor=actor, upload=SimpleUploadedFile("题库.xlsx", content),
                                          clean_rows_only=True)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.percent == 100
    assert job.message == "新增 9 题、修改 0 题。跳过 3 行有错误的数据。"
    assert job.result["created"] == 9 and job.output_file
    assert QuestionItem.objects.count() == 9

    with django_capture_on_commit_callbacks(execute=True):
        job = question_items_import_start(actor=actor, upload=SimpleUploadedFile(
            "题库.xlsx", workbook([row()], headers=["试题编号", "题干"])))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "缺少必需的列" in job.error and job.error.endswith("未导入任何数据。")


def test_the_job_refuses_other_files_before_queueing(actor):
    with pytest.raises(DomainError, match="只支持 .xlsx 文件"):
        question_items_import_start(actor=actor, upload=SimpleUploadedFile("题库.xls", b"\xd0\xcf\x11\xe0"))
    with pytest.raises(DomainError, match="文件内容与扩展名"):
        question_items_import_start(actor=actor, upload=SimpleUploadedFile("题库.xlsx", b"not a zip"))
    assert not Job.objects.exists()


# ---------------------------------------------------------------------------------------------
# Export and template


def test_export_writes_the_import_columns_and_is_audited(actor, staff, org):
    for data in (single(), multiple(), true_false(), short()):
        question_item_create(actor=actor, data=data)
    question_item_approve(actor=actor, item=QuestionItem.objects.get(code="CG5-0001"))
    content = question_items_export_xlsx(actor=actor, items=QuestionItem.objects.order_by("code"),
                                         description="题型：全部")
    sheet = load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == EXPORT_COLUMNS
    assert rows[1] == ["CG5-0001", "6-18-01-01", "五级/初级工", "单选", "车削外圆时，工件的旋转是（ ）。", "主运动", "进给运动",
                       "辅助运动", "切入运动", None, None, "A", "切削运动", 2, "已审定"]
    assert rows[2][3] == "多选" and rows[2][11] == "ACD"
    assert rows[3][3] == "判断" and rows[3][11] == "错" and rows[3][5] is None
    assert rows[4][11] == "冷却、润滑、清洗和防锈。"
    event = events(action=AuditEvent.Action.EXPORT).get()
    assert event.actor == staff and event.organisation_id == org.pk and event.after["count"] == 4
    assert event.after["codes"] == ["CG5-0001", "CG5-0002", "CG5-0003", "CG5-0004"] and "题型：全部" in event.summary

    # The exported file goes back in: the drafts are updated, the approved one is refused by row.
    report = question_items_import(actor=actor, source=content, filename="导出.xlsx", clean_rows_only=True)
    assert (report.created, report.updated) == (0, 3) and [(e.row, e.column) for e in report.errors] == [(2, "试题编号")]


def test_template_lists_the_scope_and_its_examples_are_refused(actor):
    content = bank.question_items_template_xlsx(actor=actor)
    book = load_workbook(io.BytesIO(content))
    sheet = book["理论试题"]
    assert [c.value for c in sheet[1]] == IMPORT_COLUMNS and sheet.max_row == 5
    notes = [[c.value for c in r] for r in book["说明"].iter_rows()]
    assert ["6-18-01-01", "车工", "五级/初级工、四级/中级工、三级/高级工"] in notes
    assert ["6-18-01-02", "铣工", "五级/初级工"] in notes
    assert not any(r[0] == "6-18-01-04" for r in notes)  # removed from the scope
    report = question_items_import(actor=actor, source=content, filename="模板.xlsx")
    assert report.error_rows == 4 and {e.message for e in report.errors} == {"这是模板中的示例行，请删除后再导入。"}


# ---------------------------------------------------------------------------------------------
# Pages


@pytest.fixture
def items(actor):
    created = [question_item_create(actor=actor, data=d) for d in (single(), multiple(), true_false(), short())]
    task = practical_task_create(actor=actor, data=task_data())
    return created, task


def test_other_organisations_and_the_admin_without_the_bank_role_see_nothing(client, org, other_org, items):
    (item, *_rest), task = items
    item_urls = [reverse("exams:bank_item_detail", args=[item.pk]), reverse("exams:bank_item_edit", args=[item.pk])]
    task_urls = [reverse("exams:bank_task_detail", args=[task.pk]), reverse("exams:bank_task_edit", args=[task.pk])]
    posts = [reverse("exams:bank_item_approve", args=[item.pk]), reverse("exams:bank_task_approve", args=[task.pk])]

    client.force_login(make_user(Role.QUESTION_BANK, organisation=other_org))
    for url in item_urls + task_urls:
        assert client.get(url).status_code == 404
    for url in posts:
        assert client.post(url).status_code == 404
    page = client.get(reverse("exams:bank_items"))
    assert page.status_code == 200 and "CG5-0001" not in page.content.decode() and "车削外圆" not in page.content.decode()
    assert "CG5-SC-01" not in client.get(reverse("exams:bank_tasks")).content.decode()
    exported = load_workbook(io.BytesIO(client.get(reverse("exams:bank_items") + "?export=xlsx").content)).active
    assert exported.max_row == 1
    client.post(reverse("exams:bank_items_approve"), {})

    admin = make_user(Role.ORG_ADMIN, organisation=org)
    client.force_login(admin)
    for url in [reverse("exams:bank_items"), reverse("exams:bank_tasks"), reverse("exams:bank_import"),
                reverse("exams:bank_import_template"), reverse("exams:bank_items") + "?export=xlsx",
                *item_urls, *task_urls]:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url).status_code == 403
    item.refresh_from_db()
    task.refresh_from_db()
    assert item.status == ItemStatus.DRAFT and task.status == ItemStatus.DRAFT
    ours = AuditEvent.objects.filter(organisation_id=org.pk)
    assert not ours.filter(action__in=[AuditEvent.Action.VIEW, AuditEvent.Action.EXPORT,
                                       AuditEvent.Action.TRANSITION]).exists()
    # The other organisation's export was of its own (empty) bank, and is recorded as such.
    assert AuditEvent.objects.get(action=AuditEvent.Action.EXPORT).organisation_id == other_org.pk


def test_every_view_and_export_of_content_is_audited(client, staff, org, items):
    (item, *_rest), task = items
    client.force_login(staff)
    page = client.get(reverse("exams:bank_item_detail", args=[item.pk])).content.decode()
    assert "车削外圆时" in page and 'data-testid="item-answer" style="white-space: pre-wrap">A<' in page
    viewed = events(item, AuditEvent.Action.VIEW).get()
    assert viewed.actor == staff and viewed.organisation_id == org.pk and viewed.ip_address == "127.0.0.1"
    client.get(reverse("exams:bank_item_edit", args=[item.pk]))
    assert events(item, AuditEvent.Action.VIEW).count() == 2

    client.get(reverse("exams:bank_items"), {"kind": "single"})
    listed = events(action=AuditEvent.Action.VIEW, object_type="exams.questionitem").filter(object_id="").get()
    assert listed.after == {"codes": ["CG5-0001"], "page": 1}

    response = client.get(reverse("exams:bank_items"), {"kind": "multiple", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "CG5-0002"
    exported = events(action=AuditEvent.Action.EXPORT, object_type="exams.questionitem").get()
    assert exported.after["codes"] == ["CG5-0002"] and "题型：多项选择题" in exported.after["filters"]

    client.get(reverse("exams:bank_task_detail", args=[task.pk]))
    assert events(task, AuditEvent.Action.VIEW).count() == 1
    client.get(reverse("exams:bank_tasks"))
    assert events(action=AuditEvent.Action.VIEW, object_type="exams.practicaltask").filter(object_id="").exists()
    response = client.get(reverse("exams:bank_tasks"), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "CG5-SC-01" and rows[1][8] == 70 and "尺寸精度|40|" in rows[1][7]
    assert events(action=AuditEvent.Action.EXPORT, object_type="exams.practicaltask").get().after["count"] == 1
    # The template carries no item content: not an export.
    client.get(reverse("exams:bank_import_template"))
    assert events(action=AuditEvent.Action.EXPORT).count() == 2


def test_form_errors_are_shown_at_their_fields(client, staff):
    client.force_login(staff)
    url = reverse("exams:bank_item_create")
    data = {"code": "F-1", "occupation": "6-18-01-01", "level": "5", "kind": "single", "stem": "题干",
            "option_a": "甲", "option_b": "乙", "option_d": "丁", "answer": "AB", "knowledge_point": "",
            "difficulty": "3"}
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_option_c-error">选项须从A起连续填写：已填写选项D，请先填写选项C。<' in page
    assert 'id="id_answer-error">单项选择题只能有一个正确答案（当前为 AB）。<' in page
    assert 'id="id_knowledge_point-error">请填写鉴定要素（知识点）。<' in page
    assert not QuestionItem.objects.exists()

    response = client.post(url, {**data, "option_c": "丙", "answer": "C", "knowledge_point": "测试"})
    item = QuestionItem.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exams:bank_item_detail", args=[item.pk])
    response = client.post(url, {**data, "option_c": "丙", "answer": "C", "knowledge_point": "测试"})
    assert response.status_code == 400 and "试题编号“F-1”已存在" in response.content.decode()

    response = client.post(reverse("exams:bank_task_create"), {
        "code": "T-1", "occupation": "6-18-01-01", "level": "5", "title": "车削", "description": "按图加工",
        "duration_minutes": "120", "rubric": "尺寸|40|超差扣分\n粗糙度|二十|降级扣分"})
    assert response.status_code == 400
    assert 'id="id_rubric-error">第2行：分值“二十”应为正整数。<' in response.content.decode()


def test_pages_approve_retire_and_edit(client, staff, items):
    (item, second, *_rest), task = items
    client.force_login(staff)
    response = client.post(reverse("exams:bank_item_edit", args=[item.pk]), {
        "code": "CG5-0001", "occupation": "6-18-01-01", "level": "4", "kind": "single", "stem": "新题干",
        "option_a": "甲", "option_b": "乙", "answer": "B", "knowledge_point": "切削运动", "difficulty": "3"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.level == 4 and item.answer == ["B"]

    assert client.post(reverse("exams:bank_item_approve", args=[item.pk])).status_code == 302
    page = client.get(reverse("exams:bank_item_detail", args=[item.pk])).content.decode()
    assert 'data-testid="item-status">已审定<' in page and 'data-testid="retire-form"' in page
    assert "审定理论试题 CG5-0001" in page  # the item's own history
    assert client.get(reverse("exams:bank_item_edit", args=[item.pk])).status_code == 302  # no editing now
    client.post(reverse("exams:bank_item_retire", args=[item.pk]), {"reason": "大纲调整"})
    item.refresh_from_db()
    assert item.status == ItemStatus.RETIRED
    response = client.post(reverse("exams:bank_item_approve", args=[item.pk]), follow=True)
    assert "只有草稿可以审定" in response.content.decode()

    # Approve every draft of a filtered list in one step.
    response = client.post(reverse("exams:bank_items_approve"), {"kind": "multiple"})
    assert response.status_code == 302 and response["Location"].endswith("?kind=multiple")
    assert QuestionItem.objects.get(pk=second.pk).status == ItemStatus.APPROVED
    assert QuestionItem.objects.filter(status=ItemStatus.DRAFT).count() == 2

    client.post(reverse("exams:bank_task_approve", args=[task.pk]))
    client.post(reverse("exams:bank_task_retire", args=[task.pk]), {"reason": "设备更换"})
    task.refresh_from_db()
    assert task.status == ItemStatus.RETIRED


def test_import_page_queues_the_job(client, staff, django_capture_on_commit_callbacks):
    client.force_login(staff)
    assert "下载导入模板" in client.get(reverse("exams:bank_import")).content.decode()
    template = client.get(reverse("exams:bank_import_template"))
    assert template.status_code == 200 and template["Content-Disposition"].endswith('.xlsx"')
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exams:bank_import"), {
            "file": SimpleUploadedFile("题库.xlsx", workbook(good_rows(8)))})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and QuestionItem.objects.count() == 8
    response = client.post(reverse("exams:bank_import"), {"file": SimpleUploadedFile("题库.csv", b"a,b")})
    assert response.status_code == 400 and "只支持 .xlsx 文件" in response.content.decode()


def test_list_filters_sort_and_keep_their_query_count(client, staff, actor):
    client.force_login(staff)
    question_item_create(actor=actor, data=single(code="Q-000"))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("exams:bank_items"), {"sort": "-difficulty"}).status_code == 200
        return len(queries)

    few = count()
    for i in range(1, 20):
        question_item_create(actor=actor, data=single(code=f"Q-{i:03d}", knowledge_point=f"要素{i % 3}",
                                                      difficulty=i % 5 + 1))
    assert count() == few
    page = client.get(reverse("exams:bank_items"), {"knowledge_point": "要素1", "sort": "code"}).content.decode()
    assert "Q-001" in page and "Q-004" in page and "Q-002" not in page
    page = client.get(reverse("exams:bank_items"), {"q": "Q-01", "status": "draft", "level": "5",
                                                    "occupation": "6-18-01-01"}).content.decode()
    assert "共 10 条" in page
