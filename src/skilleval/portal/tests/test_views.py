import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.tests.test_catalog import xlsx
from skilleval.core.jobs import job_create
from skilleval.core.models import Job
from skilleval.core.views import ActorView

pytestmark = pytest.mark.django_db


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_every_page_is_behind_login_and_a_permission_unless_marked_public():
    """Deny by default: a new view without `login_not_required` needs a login, and
    every ActorView names its permission."""
    public = set()
    for route, callback in _walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/")):
            continue
        view_class = getattr(callback, "view_class", None)
        if getattr(callback, "login_required", True) is False:
            public.add(route)
            continue
        if view_class is not None and issubclass(view_class, ActorView):
            assert view_class.permission, f"{route} names no permission"
    # Candidates sit computer-based exams with their admission ticket and ID, without an account.
    assert public == {"", "healthz", "accounts/login/", "accounts/login/code/", "orgs/register/", "orgs/directory/", "exams/cbt/exam/",
                      "exams/cbt/exam/sign-in/", "exams/cbt/exam/start/", "exams/cbt/exam/save/",
                      "exams/cbt/exam/submit/", "exams/cbt/exam/sign-out/",
                      # The public verifies certificates and reads published inspection results without an account.
                      "c/<str:number>", "certificates/query/", "certificates/query/captcha/<str:token>.png",
                      "certificates/keys.json", "supervision/public/"}


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("portal:audit_log"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert "登录" in client.get(reverse("portal:landing")).content.decode()


@pytest.mark.parametrize(
    ("kind", "testid", "expected"),
    [
        ("admin", "home-platform-admin", "职业目录目前只有示例数据"),
        ("authority", "home-authority", "暂无待审核的备案申请"),
        ("org_admin", "home-organisation", "暂无认定批次"),
        ("proctor", "home-organisation", "暂无监考安排"),
        ("examiner", "home-organisation", "暂无评分任务"),
        ("supervisor", "home-organisation", "暂无督导任务"),
        ("candidate", "home-candidate", "我的证书"),
        ("nobody", "home-no-role", "尚未分配角色"),
    ],
)
def test_each_role_has_its_home_page(client, orgs, jurisdictions, kind, testid, expected):
    users = {
        "admin": lambda: make_user(Role.PLATFORM_ADMIN),
        "authority": lambda: make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]),
        "org_admin": lambda: make_user(Role.ORG_ADMIN, organisation=orgs["hefei"]),
        "proctor": lambda: make_user(Role.PROCTOR, organisation=orgs["hefei"]),
        "examiner": lambda: make_user(Role.EXAMINER, organisation=orgs["hefei"]),
        "supervisor": lambda: make_user(Role.QUALITY_SUPERVISOR, organisation=orgs["hefei"]),
        "candidate": lambda: make_user(candidate=True, organisation=orgs["hefei"]),
        "nobody": lambda: make_user(),
    }
    client.force_login(users[kind]())
    page = client.get(reverse("portal:home")).content.decode()
    assert f'data-testid="{testid}"' in page
    assert expected in page


def test_authority_home_lists_only_its_organisations(client, orgs, jurisdictions):
    client.force_login(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    page = client.get(reverse("portal:home")).content.decode()
    assert orgs["hefei"].name in page
    assert orgs["bengbu"].name not in page and orgs["qingdao"].name not in page
    assert "公示期不少于 5 个工作日" in page


def test_candidate_sees_a_masked_id_number(client, orgs):
    user = make_user(candidate=True, organisation=orgs["hefei"], full_name="张伟")
    client.force_login(user)
    page = client.get(reverse("portal:home")).content.decode()
    assert user.person.masked_id_number in page
    assert user.person.id_number not in page


def test_areas_are_shown_to_the_roles_that_work_there(client, orgs):
    client.force_login(make_user(Role.EXAMINER, organisation=orgs["hefei"]))
    assert client.get(reverse("portal:area", args=["exams"])).status_code == 200
    assert client.get(reverse("portal:area", args=["supervision"])).status_code == 404
    assert client.get(reverse("portal:area", args=["nosuch"])).status_code == 404


def test_audit_log_filters_sorts_and_exports(client, orgs):
    admin = make_user(Role.PLATFORM_ADMIN, username="boss")
    client.force_login(admin)
    page = client.get(reverse("portal:audit_log"), {"q": "boss"}).content.decode()
    assert "boss" in page
    assert "没有符合条件的审计记录" in client.get(reverse("portal:audit_log"), {"q": "无此关键词"}).content.decode()
    response = client.get(reverse("portal:audit_log"), {"action": "create", "sort": "actor_name", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:3] == ["时间", "操作人", "操作"]
    assert sheet.max_row > 1 and all(row[2].value == "创建" for row in sheet.iter_rows(min_row=2))
    bad = client.get(reverse("portal:audit_log"), {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert "截止日期不能早于起始日期" in bad.content.decode()


def test_audit_log_is_forbidden_to_roles_without_it(client, orgs):
    client.force_login(make_user(Role.PROCTOR, organisation=orgs["hefei"]))
    response = client.get(reverse("portal:audit_log"))
    assert response.status_code == 403 and "无权访问" in response.content.decode()


def test_audit_list_query_count_does_not_grow_with_rows(client, orgs):
    admin = make_user(Role.PLATFORM_ADMIN)
    client.force_login(admin)
    client.get(reverse("portal:audit_log"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:audit_log"))
    for i in range(30):
        make_user(username=f"more{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal:audit_log"))
    assert len(many) == len(few)


def test_occupation_list_filters_and_exports_what_is_filtered(client, reference):
    client.force_login(make_user())
    page = client.get(reverse("portal:occupations"), {"evaluable": "no"}).content.decode()
    assert "焊工" in page and "车工" not in page and "示例数据" in page
    response = client.get(reverse("portal:occupations"), {"q": "钳工", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("职业编码", "职业名称")
    assert rows[1:] == [("6-20-03-02", "钳工", 3, "可", "示例数据")]


def test_platform_admin_imports_the_catalog_from_the_site(client, reference, django_capture_on_commit_callbacks):
    client.force_login(make_user(Role.PLATFORM_ADMIN))
    upload = SimpleUploadedFile("official.xlsx", xlsx([["6-05-01-01", "纺纱工", "", "", "技能类", "否"]]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:catalog_import"), {"file": upload})
    job = Job.objects.get()
    assert response["Location"] == reverse("portal:job_detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "已完成" in page and "新增职业" in page
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'id="job-progress"' in partial and "hx-trigger" not in partial  # finished: polling stops


def test_catalog_import_refuses_wrong_files_at_the_field(client, reference):
    client.force_login(make_user(Role.PLATFORM_ADMIN))
    response = client.post(reverse("portal:catalog_import"), {"file": SimpleUploadedFile("a.docx", b"x")})
    assert "只支持 .xlsx 或 .csv 文件" in response.content.decode()
    assert Job.objects.count() == 0


def test_catalog_import_is_forbidden_to_authorities(client, jurisdictions):
    client.force_login(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["安徽省"]))
    response = client.post(reverse("portal:catalog_import"), {"file": SimpleUploadedFile("a.csv", b"x")})
    assert response.status_code == 403 and Job.objects.count() == 0


def test_running_job_page_polls_and_others_jobs_are_404(client, reference):
    owner = make_user(username="owner")
    job = job_create(actor=owner, kind="x", title="导入中")
    client.force_login(owner)
    partial = client.get(reverse("portal:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and "排队中" in partial
    client.force_login(make_user(username="stranger"))
    assert client.get(reverse("portal:job_detail", args=[job.pk])).status_code == 404


def test_workdays_page_computes_and_flags_provisional_years(client, reference):
    client.force_login(make_user())
    page = client.get(reverse("portal:workdays"), {"add-start": "2026-09-25", "add-days": "10"}).content.decode()
    assert "2026-10-15" in page and "暂定" not in page.split("add-result")[1][:200]
    page = client.get(reverse("portal:workdays"), {"add-start": "2027-06-01", "add-days": "10"}).content.decode()
    assert "2027 年节假日安排尚未确认" in page
    page = client.get(reverse("portal:workdays"), {"add-start": "2026-13-01", "add-days": "x"}).content.decode()
    assert "invalid-feedback" in page


def test_api_tokens_page_shows_the_key_once_and_revokes(client, reference):
    user = make_user(username="scripter")
    client.force_login(user)
    page = client.post(reverse("accounts:api_tokens"), {"name": "同步脚本"}).content.decode()
    assert 'data-testid="new-token"' in page
    token = user.api_tokens.get()
    assert "data-testid=\"new-token\"" not in client.get(reverse("accounts:api_tokens")).content.decode()
    client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    other = make_user(username="other")
    client.force_login(other)
    assert client.post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 404
