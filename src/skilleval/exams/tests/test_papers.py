"""Blueprints and paper assembly (组卷) with real rows: the checks of a blueprint, the
shares turned into per-cell counts, the exact shortfall messages, deterministic and
valid papers (one, A/B, one per candidate), only approved items, scoping of the pages,
the PDFs and the audit trail."""

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.models import Level, Occupation
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.orgs.models import ScopeItem

from ..documents import answer_key_pdf, paper_pdf
from ..models import Blueprint, ItemKind, ItemStatus, Paper, PaperItem, QuestionItem
from ..services import papers as services

pytestmark = pytest.mark.django_db

LATHE = "6-18-01-01"
LEVEL = 4
KNOWLEDGE = {"车削加工": 60, "螺纹加工": 40}
DIFFICULTY = {"1": 20, "3": 50, "5": 30}
SECTIONS = [{"kind": "single", "count": 10, "score": 1}, {"kind": "multiple", "count": 4, "score": 2},
            {"kind": "true_false", "count": 5, "score": 1}, {"kind": "short", "count": 1, "score": 5}]
PER_CELL = 6  # approved items per kind x element x difficulty in the full bank


def pdf_text(data: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def in_scope(org, code=LATHE, level=LEVEL):
    occupation = Occupation.objects.get(code=code)
    ScopeItem.objects.get_or_create(organisation=org, occupation=occupation, level=Level.objects.get(code=level),
                                    defaults={"added_on": timezone.localdate()})
    return occupation


_codes = iter(range(1, 10**6))


def add_items(org, occupation, kind, point, difficulty, n, *, status=ItemStatus.APPROVED, level=LEVEL):
    rows = []
    for _i in range(n):
        number = next(_codes)
        options, answer = [], None
        if kind in (ItemKind.SINGLE, ItemKind.MULTIPLE):
            options = [{"key": k, "text": f"选项{k}{number}"} for k in "ABCD"]
            answer = ["B"] if kind == ItemKind.SINGLE else ["A", "C"]
        elif kind == ItemKind.TRUE_FALSE:
            answer = number % 2 == 0
        else:
            answer = f"参考答案第{number}号要点"
        rows.append(QuestionItem(organisation=org, occupation=occupation, level=level, code=f"T{number:06d}",
                                 kind=kind, stem=f"试题题干第{number}号", options=options, answer=answer,
                                 knowledge_point=point, difficulty=difficulty, status=status))
    return QuestionItem.objects.bulk_create(rows)


@pytest.fixture
def org(orgs):
    return orgs["hefei"]


@pytest.fixture
def lathe(org):
    return in_scope(org)


@pytest.fixture
def bank_user(org):
    return make_user(Role.QUESTION_BANK, organisation=org, username="bankstaff", full_name="王题库")


@pytest.fixture
def actor(bank_user):
    return actor_for(bank_user)


@pytest.fixture
def bank(org, lathe):
    """PER_CELL approved items in every kind x element x difficulty (with an element the
    blueprint does not use), plus a draft and a retired item in each cell."""
    for kind in ItemKind:
        for point in (*KNOWLEDGE, "安全文明生产"):
            for difficulty in range(1, 6):
                add_items(org, lathe, kind, point, difficulty, PER_CELL)
                add_items(org, lathe, kind, point, difficulty, 1, status=ItemStatus.DRAFT)
                add_items(org, lathe, kind, point, difficulty, 1, status=ItemStatus.RETIRED)
    return QuestionItem.objects.filter(organisation=org)


def blueprint_data(occupation, **overrides):
    data = {"name": "车工四级理论知识试卷", "occupation": occupation, "level": LEVEL, "duration_minutes": 90,
            "sections": SECTIONS, "knowledge_shares": KNOWLEDGE, "difficulty_shares": DIFFICULTY}
    data.update(overrides)
    return data


@pytest.fixture
def blueprint(actor, lathe):
    return services.blueprint_create(actor=actor, data=blueprint_data(lathe))


def signature(paper):
    return list(paper.items.order_by("order").values_list("item_id", flat=True))


def assert_meets_blueprint(paper, blueprint):
    rows = list(PaperItem.objects.filter(paper=paper).select_related("item").order_by("order"))
    assert [r.order for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.item.status == ItemStatus.APPROVED and r.item.organisation_id == blueprint.organisation_id
               and r.item.occupation_id == blueprint.occupation_id and r.item.level == blueprint.level for r in rows)
    # Sections in the blueprint's order, each with its count and score.
    kinds = [r.item.kind for r in rows]
    expected = [s["kind"] for s in blueprint.sections for _n in range(s["count"])]
    assert kinds == expected
    scores = {s["kind"]: Decimal(str(s["score"])) for s in blueprint.sections}
    assert all(r.score == scores[r.item.kind] for r in rows)
    assert paper.total_score == services.blueprint_total_score(blueprint)
    # Every cell's target met exactly.
    got = Counter((r.item.kind, r.item.knowledge_point if blueprint.knowledge_shares else None,
                   r.item.difficulty if blueprint.difficulty_shares else None) for r in rows)
    assert got == Counter({c.key: c.needed for c in services.blueprint_cells(blueprint)})
    assert len({r.item_id for r in rows}) == len(rows)


# ---------------------------------------------------------------------------------------------
# Blueprints


def test_blueprint_create_normalises_and_totals(actor, lathe):
    blueprint = services.blueprint_create(actor=actor, data=blueprint_data(lathe, sections=[
        {"kind": "single", "count": "60", "score": "1"}, {"kind": "multiple", "count": 20, "score": Decimal("1.5")}],
        difficulty_shares={"1": 10, "2": 20, "3": 40, "4": 20, "5": 10, }))
    blueprint.refresh_from_db()
    assert blueprint.sections == [{"kind": "single", "count": 60, "score": 1},
                                  {"kind": "multiple", "count": 20, "score": 1.5}]
    assert services.blueprint_total_score(blueprint) == Decimal("90.0")
    assert services.blueprint_item_count(blueprint) == 80
    assert AuditEvent.objects.filter(object_type="exams.blueprint", object_id=str(blueprint.pk),
                                     action=AuditEvent.Action.CREATE).count() == 1


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"knowledge_shares": {"车削加工": 60, "螺纹加工": 30}}, "knowledge_shares", "鉴定要素比重合计必须为100%，现为90%。"),
    ({"difficulty_shares": {"1": 50, "3": 60}}, "difficulty_shares", "难度比重合计必须为100%，现为110%。"),
    ({"difficulty_shares": {"6": 100}}, "difficulty_shares", "难度比重中的“6”无效，难度只能是1至5。"),
    ({"knowledge_shares": {"车削加工": 33.5, "螺纹加工": 66.5}}, "knowledge_shares",
     "鉴定要素比重中“车削加工”的比重必须是0至100的整数。"),
    ({"sections": [{"kind": "single", "count": 0, "score": 1}]}, "sections", "单项选择题的题量必须是大于0的整数。"),
    ({"sections": [{"kind": "essay", "count": 5, "score": 1}]}, "sections", "题型“essay”不存在。"),
    ({"sections": [{"kind": "single", "count": 5, "score": 1}, {"kind": "single", "count": 5, "score": 2}]},
     "sections", "题型“单项选择题”重复设置，每种题型只能出现一次。"),
    ({"sections": [{"kind": "single", "count": 5, "score": "0.25"}]}, "sections",
     "单项选择题的每题分值必须大于0、不超过1000分，且最多一位小数。"),
    ({"sections": []}, "sections", "请至少设置一种题型的题量和分值。"),
    ({"duration_minutes": 0}, "duration_minutes", "考试时长必须是1至600分钟。"),
    ({"level": 3}, "occupation", "该职业和等级不在本单位的备案范围内。"),
])
def test_blueprint_refuses_bad_settings_in_chinese(actor, lathe, overrides, field, message):
    with pytest.raises(DomainError) as error:
        services.blueprint_create(actor=actor, data=blueprint_data(lathe, **overrides))
    assert error.value.message == message and error.value.field == field
    assert not Blueprint.objects.exists()


def test_empty_shares_leave_the_dimension_free(actor, lathe):
    blueprint = services.blueprint_create(actor=actor, data=blueprint_data(
        lathe, knowledge_shares={}, difficulty_shares={"2": 0, "3": 0}))
    assert blueprint.knowledge_shares == {} and blueprint.difficulty_shares == {}
    assert [(c.kind, c.knowledge_point, c.difficulty, c.needed) for c in services.blueprint_cells(blueprint)] == [
        ("single", None, None, 10), ("multiple", None, None, 4), ("true_false", None, None, 5), ("short", None, None, 1)]


def test_blueprint_is_frozen_once_used_and_can_be_copied(actor, blueprint, bank):
    services.paper_assemble(actor=actor, blueprint=blueprint, seed=1)
    with pytest.raises(DomainError, match="已用于组卷"):
        services.blueprint_update(actor=actor, blueprint=blueprint, data=blueprint_data(blueprint.occupation,
                                                                                        name="新名称"))
    copy = services.blueprint_copy(actor=actor, blueprint=blueprint)
    assert copy.pk != blueprint.pk and copy.sections == blueprint.sections and copy.name.endswith("（副本）")
    services.blueprint_update(actor=actor, blueprint=copy, data=blueprint_data(blueprint.occupation, name="新名称"))
    copy.refresh_from_db()
    assert copy.name == "新名称"


def test_other_roles_and_organisations_cannot_write_blueprints(org, orgs, lathe, blueprint):
    admin = actor_for(make_user(Role.ORG_ADMIN, organisation=org))
    with pytest.raises(PermissionDenied):
        services.blueprint_create(actor=admin, data=blueprint_data(lathe))
    other = actor_for(make_user(Role.QUESTION_BANK, organisation=orgs["bengbu"]))
    with pytest.raises(DomainError):
        services.blueprint_update(actor=other, blueprint=blueprint, data=blueprint_data(lathe, name="改"))
    blueprint.refresh_from_db()
    assert blueprint.name == "车工四级理论知识试卷" and Blueprint.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# From shares to counts


def test_largest_remainder_counts_keep_both_margins(actor, lathe):
    points = {f"要素{i:02d}": 10 for i in range(10)}
    blueprint = services.blueprint_create(actor=actor, data=blueprint_data(
        lathe, sections=[{"kind": "single", "count": 60, "score": 1}], knowledge_shares=points,
        difficulty_shares={"1": 10, "2": 20, "3": 40, "4": 20, "5": 10}))
    cells = services.blueprint_cells(blueprint)
    by_point, by_difficulty = Counter(), Counter()
    for c in cells:
        by_point[c.knowledge_point] += c.needed
        by_difficulty[c.difficulty] += c.needed
        exact = Decimal(6 * DIFFICULTY_SHARE[c.difficulty]) / 100
        assert int(exact) <= c.needed <= int(exact) + 1
    assert set(by_point.values()) == {6}
    # Nested rounding would give 10/10/20/10/10 here; the paper keeps the shares: 6/12/24/12/6.
    assert dict(by_difficulty) == {1: 6, 2: 12, 3: 24, 4: 12, 5: 6}


DIFFICULTY_SHARE = {1: 10, 2: 20, 3: 40, 4: 20, 5: 10}


def test_apportion_is_largest_remainder():
    assert services.apportion(7, [50, 30, 20]) == [4, 2, 1]  # 3.5, 2.1, 1.4 -> the .5 first
    assert services.apportion(10, [34, 33, 33]) == [4, 3, 3]
    assert services.apportion(1, [50, 50]) == [1, 0]


# ---------------------------------------------------------------------------------------------
# Shortfalls


def test_shortfall_messages_are_exact(actor, org, lathe):
    blueprint = services.blueprint_create(actor=actor, data=blueprint_data(
        lathe, sections=[{"kind": "single", "count": 20, "score": 1}, {"kind": "true_false", "count": 5, "score": 1}],
        knowledge_shares=KNOWLEDGE, difficulty_shares={"3": 100}))
    add_items(org, lathe, ItemKind.SINGLE, "车削加工", 3, 9)
    add_items(org, lathe, ItemKind.SINGLE, "车削加工", 3, 2, status=ItemStatus.DRAFT)
    add_items(org, lathe, ItemKind.SINGLE, "车削加工", 3, 2, status=ItemStatus.RETIRED)
    add_items(org, lathe, ItemKind.SINGLE, "车削加工", 4, 5)  # another difficulty: no help
    add_items(org, lathe, ItemKind.SINGLE, "车削加工", 3, 5, level=3)  # another level: no help
    add_items(org, lathe, ItemKind.SINGLE, "螺纹加工", 3, 8)
    add_items(org, lathe, ItemKind.TRUE_FALSE, "螺纹加工", 3, 2)
    expected = [
        "单项选择题 · 鉴定要素“车削加工” · 难度3：需要12题，题库只有9题，缺3题",
        "判断题 · 鉴定要素“车削加工” · 难度3：需要3题，题库只有0题，缺3题",
    ]
    assert services.blueprint_shortfalls(blueprint) == expected
    before = AuditEvent.objects.count()
    with pytest.raises(services.ShortfallError) as error:
        services.paper_assemble(actor=actor, blueprint=blueprint, seed=7)
    assert error.value.shortfalls == expected
    assert error.value.message == "题库中已审定的试题不足，无法按方案组卷：" + "；".join(expected)
    with pytest.raises(services.ShortfallError):
        services.papers_for_candidates(actor=actor, blueprint=blueprint, keys=["1", "2"], base_seed=7)
    assert not Paper.objects.exists() and AuditEvent.objects.count() == before


def test_shortfall_messages_without_shares(actor, org, lathe):
    blueprint = services.blueprint_create(actor=actor, data=blueprint_data(
        lathe, knowledge_shares={}, difficulty_shares={}))
    add_items(org, lathe, ItemKind.SINGLE, "车削加工", 2, 10)
    add_items(org, lathe, ItemKind.MULTIPLE, "螺纹加工", 5, 4)
    add_items(org, lathe, ItemKind.TRUE_FALSE, "车削加工", 1, 4)
    assert services.blueprint_shortfalls(blueprint) == [
        "判断题：需要5题，题库只有4题，缺1题", "简答题：需要1题，题库只有0题，缺1题"]
    blueprint.difficulty_shares = {"2": 100}
    assert services.blueprint_shortfalls(blueprint)[:2] == [
        "多项选择题 · 难度2：需要4题，题库只有0题，缺4题", "判断题 · 难度2：需要5题，题库只有0题，缺5题"]


def test_another_organisations_bank_never_fills_a_blueprint(actor, orgs, lathe, blueprint, bank):
    other = orgs["bengbu"]
    in_scope(other)
    for kind in ItemKind:
        add_items(other, lathe, kind, "车削加工", 3, 20)
    paper = services.paper_assemble(actor=actor, blueprint=blueprint, seed=3)
    assert not PaperItem.objects.filter(paper=paper, item__organisation=other).exists()


# ---------------------------------------------------------------------------------------------
# Assembly


def test_same_seed_same_paper_other_seed_another(actor, blueprint, bank):
    first = services.paper_assemble(actor=actor, blueprint=blueprint, seed=42)
    again = services.paper_assemble(actor=actor, blueprint=blueprint, seed=42)
    other = services.paper_assemble(actor=actor, blueprint=blueprint, seed=43)
    assert first.pk != again.pk and signature(first) == signature(again)
    assert signature(other) != signature(first)
    for paper in (first, other):
        assert_meets_blueprint(paper, blueprint)
    assert first.seed == 42 and first.variant == ""


def test_only_approved_items_are_used(actor, blueprint, bank):
    papers = services.papers_for_candidates(actor=actor, blueprint=blueprint, keys=[str(i) for i in range(40)],
                                            base_seed=11)
    used = QuestionItem.objects.filter(pk__in=PaperItem.objects.filter(paper__in=papers).values("item_id"))
    assert used.exists()
    assert set(used.values_list("status", flat=True)) == {ItemStatus.APPROVED}
    assert not used.filter(knowledge_point="安全文明生产").exists()  # not an element of the blueprint


def test_per_candidate_papers_are_valid_distinct_and_reproducible(actor, blueprint, bank):
    keys = [f"2026{i:04d}" for i in range(1, 31)]
    before = AuditEvent.objects.count()
    papers = services.papers_for_candidates(actor=actor, blueprint=blueprint, keys=keys, base_seed=2026)
    assert [p.variant for p in papers] == keys
    assert Paper.objects.filter(blueprint=blueprint).count() == 30
    signatures = [tuple(signature(p)) for p in papers]
    assert len(set(signatures)) == 30
    for paper in papers:
        assert_meets_blueprint(paper, blueprint)
    # One audit event for the whole call, naming the papers.
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.action == AuditEvent.Action.CREATE and event.object_type == "exams.blueprint"
    assert event.after["papers"] == [p.pk for p in papers] and event.after["mode"] == "per_candidate"
    assert event.organisation_id == blueprint.organisation_id and "30名考生" in event.summary
    # Each paper is its blueprint and seed: assembling with the stored seed gives it again.
    replay = services.paper_assemble(actor=actor, blueprint=blueprint, seed=papers[7].seed, variant="复核")
    assert signature(replay) == list(signatures[7])
    # The same call again gives the same papers.
    repeat = services.papers_for_candidates(actor=actor, blueprint=blueprint, keys=keys, base_seed=2026)
    assert [tuple(signature(p)) for p in repeat] == signatures


def test_ab_papers_alternate_along_the_keys(actor, blueprint, bank):
    keys = ["01", "02", "03", "04", "05"]
    papers = services.papers_for_candidates(actor=actor, blueprint=blueprint, keys=keys, base_seed=5,
                                            mode=services.MODE_AB)
    assert len(papers) == 5 and Paper.objects.count() == 2
    a, b = papers[0], papers[1]
    assert [p.pk for p in papers] == [a.pk, b.pk, a.pk, b.pk, a.pk]
    assert (a.variant, b.variant) == ("A", "B") and signature(a) != signature(b)
    for paper in (a, b):
        assert_meets_blueprint(paper, blueprint)
    assert AuditEvent.objects.filter(object_type="exams.blueprint", summary__contains="A/B卷").count() == 1


def test_candidate_keys_are_checked(actor, blueprint, bank):
    for keys, message in ((["1", "1"], "考生编号有重复。"), ([], "请至少提供一名考生。"), (["x" * 41], "考生编号不能超过40个字。")):
        with pytest.raises(DomainError) as error:
            services.papers_for_candidates(actor=actor, blueprint=blueprint, keys=keys, base_seed=1)
        assert error.value.message == message
    with pytest.raises(DomainError, match="随机种子"):
        services.paper_assemble(actor=actor, blueprint=blueprint, seed=-1)
    assert not Paper.objects.exists()


def test_a_tight_bank_still_gives_distinct_papers_by_order(actor, org, lathe):
    blueprint = services.blueprint_create(actor=actor, data=blueprint_data(
        lathe, sections=[{"kind": "single", "count": 4, "score": 1}], knowledge_shares={}, difficulty_shares={}))
    add_items(org, lathe, ItemKind.SINGLE, "车削加工", 3, 4)
    papers = services.papers_for_candidates(actor=actor, blueprint=blueprint, keys=[str(i) for i in range(10)],
                                            base_seed=9)
    assert len({tuple(signature(p)) for p in papers}) == 10
    one = services.blueprint_create(actor=actor, data=blueprint_data(
        lathe, name="单题", sections=[{"kind": "single", "count": 1, "score": 1}], knowledge_shares={},
        difficulty_shares={"1": 100}))
    add_items(org, lathe, ItemKind.SINGLE, "车削加工", 1, 1)
    with pytest.raises(DomainError, match="无法为每位考生生成不同的试卷"):
        services.papers_for_candidates(actor=actor, blueprint=one, keys=["1", "2"], base_seed=1)


def test_exam_affairs_may_assemble_but_not_other_organisations(org, orgs, blueprint, bank):
    affairs = actor_for(make_user(Role.EXAM_AFFAIRS, organisation=org))
    assert_meets_blueprint(services.paper_assemble(actor=affairs, blueprint=blueprint, seed=1), blueprint)
    proctor = actor_for(make_user(Role.PROCTOR, organisation=org))
    with pytest.raises(PermissionDenied):
        services.paper_assemble(actor=proctor, blueprint=blueprint, seed=1)
    other = actor_for(make_user(Role.QUESTION_BANK, organisation=orgs["bengbu"]))
    with pytest.raises(DomainError, match="本单位"):
        services.papers_for_candidates(actor=other, blueprint=blueprint, keys=["1"], base_seed=1)
    assert Paper.objects.count() == 1


def test_each_assembly_is_audited(actor, blueprint, bank):
    paper = services.paper_assemble(actor=actor, blueprint=blueprint, seed=77, variant="补考")
    event = AuditEvent.objects.get(object_type="exams.paper", object_id=str(paper.pk))
    assert event.action == AuditEvent.Action.CREATE and event.actor == actor.user
    assert event.after["seed"] == 77 and event.after["blueprint"] == blueprint.pk
    assert event.organisation_id == blueprint.organisation_id


# ---------------------------------------------------------------------------------------------
# Documents


def test_paper_pdf_has_the_stems_and_options_and_the_key_the_answers(actor, blueprint, bank):
    paper = services.paper_assemble(actor=actor, blueprint=blueprint, seed=8, variant="A")
    rows = list(paper.items.select_related("item").order_by("order"))
    text = pdf_text(paper_pdf(paper))
    assert "职业技能等级认定理论知识考试试卷" in text and "车工" in text and "卷别：A" in text
    assert "考试时间：90分钟" in text and "绝密★启用前" in text
    assert "一、单项选择题（第1题～第10题。" in text and "每题1分，满分10分。）" in text
    assert "二、多项选择题（第11题～第14题。" in text and "四、简答题（第20题。请在题后空白处作答。每题5分，满分5分。）" in text
    for row in rows:
        assert f"{row.order}．{row.item.stem}" in text
        for option in row.item.options:
            assert f"{option['key']}．{option['text']}" in text
    assert "参考答案" not in text  # answers stay out of the paper

    key = pdf_text(answer_key_pdf(paper))
    assert "标准答案" in key
    objective = [r for r in rows if r.item.kind != ItemKind.SHORT]
    singles = [r for r in objective if r.item.kind == ItemKind.SINGLE]
    assert "题号" + "".join(str(r.order) for r in singles) in key
    assert "答案" + "B" * len(singles) in key
    multiples = [r for r in objective if r.item.kind == ItemKind.MULTIPLE]
    assert "答案" + "AC" * len(multiples) in key
    judged = [r for r in objective if r.item.kind == ItemKind.TRUE_FALSE]
    assert "答案" + "".join("√" if r.item.answer else "×" for r in judged) in key
    short = next(r for r in rows if r.item.kind == ItemKind.SHORT)
    assert f"{short.order}{short.item.answer}5" in key


# ---------------------------------------------------------------------------------------------
# Pages


def _form_data(occupation, **overrides):
    data = {"name": "车工四级（页面）", "occupation_level": f"{occupation.pk}|{LEVEL}", "duration_minutes": "120",
            "single_count": "10", "single_score": "1", "multiple_count": "4", "multiple_score": "2",
            "true_false_count": "5", "true_false_score": "1", "short_count": "1", "short_score": "5",
            "knowledge_shares": "车削加工：60\n螺纹加工 40%", "difficulty_1": "20", "difficulty_3": "50",
            "difficulty_5": "30"}
    data.update(overrides)
    return data


def test_blueprint_pages_create_show_total_and_shortfalls(client, bank_user, lathe, org):
    client.force_login(bank_user)
    assert client.get(reverse("exams:papers_blueprint_create")).status_code == 200
    response = client.post(reverse("exams:papers_blueprint_create"), _form_data(lathe, knowledge_shares="车削加工：60\n螺纹加工：30"))
    assert response.status_code == 400 and "鉴定要素比重合计必须为100%，现为90%。" in response.content.decode()
    response = client.post(reverse("exams:papers_blueprint_create"), _form_data(lathe, knowledge_shares="车削加工 六十"))
    assert response.status_code == 400 and "第1行格式应为" in response.content.decode()
    response = client.post(reverse("exams:papers_blueprint_create"), _form_data(lathe))
    assert response.status_code == 302
    blueprint = Blueprint.objects.get()
    assert blueprint.knowledge_shares == KNOWLEDGE and blueprint.difficulty_shares == DIFFICULTY
    assert blueprint.duration_minutes == 120 and blueprint.sections[1] == {"kind": "multiple", "count": 4, "score": 2}

    add_items(org, lathe, ItemKind.SINGLE, "车削加工", 3, 1)
    page = client.get(reverse("exams:papers_blueprint_detail", args=[blueprint.pk])).content.decode()
    assert 'data-testid="total-score">28.0<' in page
    assert 'data-testid="shortfalls"' in page
    assert "单项选择题 · 鉴定要素“车削加工” · 难度3：需要3题，题库只有1题，缺2题" in page

    listing = client.get(reverse("exams:papers_blueprint_list")).content.decode()
    assert "车工四级（页面）" in listing and "28.0" in listing
    edit = client.get(reverse("exams:papers_blueprint_edit", args=[blueprint.pk])).content.decode()
    assert "车削加工：60" in edit
    response = client.post(reverse("exams:papers_blueprint_edit", args=[blueprint.pk]),
                           _form_data(lathe, name="已改名"))
    assert response.status_code == 302
    blueprint.refresh_from_db()
    assert blueprint.name == "已改名"


def test_assemble_action_lists_papers_and_serves_pdfs(client, bank_user, blueprint, bank):
    client.force_login(bank_user)
    url = reverse("exams:papers_assemble", args=[blueprint.pk])
    page = client.get(reverse("exams:papers_blueprint_detail", args=[blueprint.pk])).content.decode()
    assert 'data-testid="shortfalls"' not in page and 'data-testid="assemble-form"' in page
    assert client.post(url, {"assemble-mode": "single", "assemble-seed": "123"}).status_code == 302
    assert client.post(url, {"assemble-mode": "ab", "assemble-seed": "5"}).status_code == 302
    assert client.post(url, {"assemble-mode": "per_candidate", "assemble-seed": "6", "assemble-count": "12"}
                       ).status_code == 302
    assert Paper.objects.filter(blueprint=blueprint).count() == 1 + 2 + 12
    assert Paper.objects.get(variant="").seed == 123
    assert set(Paper.objects.filter(variant__in=["A", "B"]).values_list("variant", flat=True)) == {"A", "B"}
    response = client.post(url, {"assemble-mode": "per_candidate", "assemble-seed": "6"}, follow=True)
    assert "一人一卷请填写考生人数。" in response.content.decode()

    page = client.get(reverse("exams:papers_blueprint_detail", args=[blueprint.pk])).content.decode()
    assert "查看全部 15 份试卷" in page and "试卷 PDF" in page
    listing = client.get(reverse("exams:papers_paper_list", args=[blueprint.pk])).content.decode()
    assert "共 15 条" in listing

    paper = Paper.objects.get(variant="")
    detail = client.get(reverse("exams:papers_paper_detail", args=[paper.pk])).content.decode()
    first = paper.items.order_by("order").select_related("item").first()
    assert first.item.stem in detail
    response = client.get(reverse("exams:papers_paper_document", args=[paper.pk, "paper.pdf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert first.item.stem in pdf_text(response.content)
    response = client.get(reverse("exams:papers_paper_document", args=[paper.pk, "key.pdf"]))
    assert response.status_code == 200 and "标准答案" in pdf_text(response.content)
    assert AuditEvent.objects.filter(object_type="exams.paper", object_id=str(paper.pk),
                                     action=AuditEvent.Action.EXPORT).count() == 2
    assert client.get(reverse("exams:papers_paper_document", args=[paper.pk, "x.pdf"])).status_code == 404
    # Used: the edit page sends the user back with the reason.
    response = client.get(reverse("exams:papers_blueprint_edit", args=[blueprint.pk]), follow=True)
    assert "已用于组卷" in response.content.decode()


def test_assembling_a_short_blueprint_says_what_is_missing(client, bank_user, actor, lathe):
    blueprint = services.blueprint_create(actor=actor, data=blueprint_data(lathe))
    client.force_login(bank_user)
    response = client.post(reverse("exams:papers_assemble", args=[blueprint.pk]),
                           {"assemble-mode": "single", "assemble-seed": "1"}, follow=True)
    assert "题库中已审定的试题不足" in response.content.decode() and not Paper.objects.exists()


def test_other_organisations_and_roles_are_kept_out(client, orgs, org, actor, blueprint, bank):
    paper = services.paper_assemble(actor=actor, blueprint=blueprint, seed=1)
    urls_get = [reverse("exams:papers_blueprint_detail", args=[blueprint.pk]),
                reverse("exams:papers_blueprint_edit", args=[blueprint.pk]),
                reverse("exams:papers_paper_list", args=[blueprint.pk]),
                reverse("exams:papers_paper_detail", args=[paper.pk]),
                reverse("exams:papers_paper_document", args=[paper.pk, "paper.pdf"]),
                reverse("exams:papers_paper_document", args=[paper.pk, "key.pdf"])]
    urls_post = [reverse("exams:papers_assemble", args=[blueprint.pk]),
                 reverse("exams:papers_blueprint_copy", args=[blueprint.pk])]
    client.force_login(make_user(Role.QUESTION_BANK, organisation=orgs["bengbu"]))
    for url in urls_get:
        assert client.get(url).status_code == 404, url
    for url in urls_post:
        assert client.post(url, {"assemble-mode": "single", "assemble-seed": "2"}).status_code == 404, url
    listing = client.get(reverse("exams:papers_blueprint_list")).content.decode()
    assert blueprint.name not in listing
    # The organisation's other staff (not the bank) are refused outright.
    client.force_login(make_user(Role.ORG_ADMIN, organisation=org))
    for url in urls_get + [reverse("exams:papers_blueprint_list")]:
        assert client.get(url).status_code == 403, url
    assert Paper.objects.count() == 1 and Blueprint.objects.count() == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_list_pages_keep_their_query_count(client, bank_user, actor, lathe, bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(bank_user)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    first = services.blueprint_create(actor=actor, data=blueprint_data(lathe))
    services.papers_for_candidates(actor=actor, blueprint=first, keys=["1", "2"], base_seed=1)
    few = (count(reverse("exams:papers_blueprint_list")), count(reverse("exams:papers_paper_list", args=[first.pk])))
    for i in range(5):
        services.blueprint_create(actor=actor, data=blueprint_data(lathe, name=f"方案{i}"))
    services.papers_for_candidates(actor=actor, blueprint=first, keys=[str(i) for i in range(3, 12)], base_seed=2)
    many = (count(reverse("exams:papers_blueprint_list")), count(reverse("exams:papers_paper_list", args=[first.pk])))
    assert few == many
