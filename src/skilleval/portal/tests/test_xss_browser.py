"""Script in free text stays text (issue 10, item 4), in a real browser.

The demo's free-text fields (organisation name and address, batch name, content and
contact, a candidate's name and post, an objection, a returned report's reason, an
exam-day incident, an inspection's findings and rectification demand, a filing's
business scope) are overwritten with HTML/script payloads; the pages that show them
are opened in Chromium and must show the payload literally without running it, and
the XLSX export must carry it as plain text (not a formula)."""

import io

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMG = "<img src=x onerror=window.__xss=1>"
SCRIPT = '"><script>window.__xss=1</script>'
SVG = "<svg onload=alert(1)>"


def _plant():
    """Store the payloads in the demo's rows; return the pages that show each one."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from skilleval.batches.models import Application, Batch
    from skilleval.exams.models import ExamIncident
    from skilleval.orgs.models import FilingApplication, Organisation
    from skilleval.results.models import Objection, Report
    from skilleval.supervision.models import Inspection

    org = Organisation.objects.get(name="合肥华晟机械制造有限公司")
    Organisation.objects.filter(pk=org.pk).update(name=f"华晟{IMG}", address=f"繁华大道{SCRIPT}")
    application = Application.objects.filter(batch__organisation=org, person__user__username="zhangwei").first()
    batch = application.batch
    Batch.objects.filter(pk=batch.pk).update(name=f"第四期{SCRIPT}", content=f"车工{IMG}", contact=f"王{SVG}")
    Application.objects.filter(batch=batch).update(name=Concat(F("name"), Value(IMG)))  # every row of the export
    Application.objects.filter(pk=application.pk).update(current_post=f"车工{SCRIPT}")
    objection = Objection.objects.filter(batch__organisation=org).first()
    Objection.objects.filter(pk=objection.pk).update(text=f"成绩有误{SCRIPT}{IMG}")
    report = Report.objects.filter(batch__organisation=org, status=Report.Status.RETURNED).first()
    Report.objects.filter(pk=report.pk).update(return_reason=f"请更正{IMG}")
    incident = ExamIncident.objects.first()
    ExamIncident.objects.filter(pk=incident.pk).update(description=f"夹带{SCRIPT}")
    inspection = Inspection.objects.first()
    Inspection.objects.filter(pk=inspection.pk).update(findings=f"检查{IMG}", rectification_demand=f"整改{SVG}")
    filing = FilingApplication.objects.filter(organisation__name="合肥智造新能源汽车零部件有限公司").first()
    FilingApplication.objects.filter(pk=filing.pk).update(business_scope=f"新能源{SCRIPT}")
    return [
        ("hs_admin", reverse("portal:home"), [f"华晟{IMG}"]),
        ("hs_admin", reverse("orgs:organisation_detail", args=[org.pk]), [f"华晟{IMG}", f"繁华大道{SCRIPT}"]),
        ("hs_admin", reverse("batches:batch_detail", args=[batch.pk]), [f"第四期{SCRIPT}"]),
        ("hs_admin", reverse("batches:application_list", args=[batch.pk]), [f"张伟{IMG}"]),
        ("hs_admin", reverse("batches:application_detail", args=[application.pk]), [f"张伟{IMG}", f"车工{SCRIPT}"]),
        ("zhangwei", reverse("batches:announcement", args=[batch.pk]), [f"第四期{SCRIPT}", f"车工{IMG}", f"王{SVG}"]),
        ("hs_admin", reverse("results:batch", args=[objection.batch_id]), [f"成绩有误{SCRIPT}{IMG}"]),
        (objection.raised_by.username, reverse("results:publicity", args=[objection.batch_id]), [f"成绩有误{SCRIPT}{IMG}"]),
        ("hs_admin", reverse("results:batch", args=[report.batch_id]), [f"请更正{IMG}"]),
        ("bh_admin", reverse("exams:examday", args=[incident.session_id]), [f"夹带{SCRIPT}"]),
        ("tj_city", reverse("supervision:inspection_detail", args=[inspection.pk]), [f"检查{IMG}", f"整改{SVG}"]),
        ("hf_city", reverse("orgs:application_detail", args=[filing.pk]), [f"新能源{SCRIPT}"]),
        (None, reverse("orgs:directory"), [f"华晟{IMG}"]),
    ], batch


def _log_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("Demo@2026")
    page.get_by_label("密码").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def test_payloads_in_free_text_are_shown_literally_and_never_run(page, live_server):
    from skilleval.portal.demo import demo_load

    demo_load()
    pages, batch = _plant()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    current = "?"
    for username, path, texts in pages:
        if username != current:
            if username:
                _log_in(page, live_server, username)
            else:
                page.context.clear_cookies()
            current = username
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        body = page.inner_text("body")
        for text in texts:
            assert text in body, f"{path}（{username}）没有原样显示 {text!r}"
        assert page.evaluate("() => window.__xss") is None, f"{path}（{username}）执行了注入的脚本"
        assert page.locator("img[src=x]").count() == 0 and page.locator("body svg[onload]").count() == 0, path
    assert dialogs == []

    # the candidate list export: the payloads are plain cell text
    from openpyxl import load_workbook

    _log_in(page, live_server, "hs_admin")
    response = page.request.get(live_server.url + reverse("batches:document", args=[batch.pk, "candidates.xlsx"]))
    assert response.status == 200
    values = [c.value for row in load_workbook(io.BytesIO(response.body())).active.iter_rows() for c in row]
    names = [v for v in values if isinstance(v, str) and v.endswith(IMG)]
    assert names, "导出的考生名单中没有原样的姓名"
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
