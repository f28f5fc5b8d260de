"""The demo data set: realistic organisations, authorities, staff and candidates
in the seeds' jurisdictions, created through the same services as real data, so
that every organisation is at a telling stage of its life. Each later capability
extends it so `skilleval demo` tells the whole story."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role, User
from skilleval.accounts.services import person_create, user_create
from skilleval.catalog.models import IDType, Jurisdiction
from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference
from skilleval.core.validators import resident_id_check_char, uscc_check_char
from skilleval.orgs import services as orgs
from skilleval.orgs.models import Nature, Organisation
from skilleval.orgs.sample import fill_application

DEMO_PASSWORD = "Demo@2026"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    sees: str


def demo_uscc(region: str, org_code: str) -> str:
    """A well-formed unified social credit code: 91 (enterprise), region, 9-char code, check."""
    first17 = f"91{region}{org_code}"
    return first17 + uscc_check_char(first17)


def demo_resident_id(region: str, birth: str, sequence: str) -> str:
    first17 = f"{region}{birth}{sequence}"
    return first17 + resident_id_check_char(first17)


AUTHORITY_USERS = [
    ("ah_province", "吴敏", "340000", "安徽省人社厅：合肥、蚌埠两市及省属企业（安徽交建）的机构和备案"),
    ("hf_city", "胡晓东", "340100", "合肥市人社局：合肥的备案审核队列（专家评估中、职业范围调整）、已终止的庐阳精工"),
    ("bb_city", "许婷", "340300", "蚌埠市人社局：待初审的蚌埠淮河精密备案申请（公示期按自然日的蚌埠参数）"),
    ("sd_province", "高建平", "370000", "山东省人社厅：青岛海岳（限期整改中）；职业范围调整只在6月、12月受理"),
    ("tj_city", "马丽", "120000", "天津市人社局（省级）：天津滨海石化"),
    ("hs_city", "黄志刚", "420200", "黄石市人社局：已退回补正的东楚特钢申请"),
]

# key, name, city code, org code, nature, address, contact, phone, admin login, admin name, what the admin sees
ORGANISATIONS = [
    ("huasheng", "合肥华晟机械制造有限公司", "340100", "MA2N0K7X3", Nature.PRIVATE, "合肥市经济技术开发区繁华大道 8866 号",
     "王海燕", "0551-63821106", "hs_admin", "王海燕", "合肥华晟机械：已备案，职业范围调整（增钳工）待审"),
    ("ahjt", "安徽省交通建设集团有限公司", "340100", "MA2RB5P08", Nature.PROVINCIAL_SOE, "合肥市包河区紫云路 1000 号",
     "刘国强", "0551-65203388", "jt_admin", "刘国强", "安徽交建：省属国企，直接向省人社厅备案"),
    ("haiyue", "青岛海岳电子科技有限公司", "370200", "MA3C9D2W5", Nature.FOREIGN, "青岛市黄岛区江山南路 517 号",
     "孙晓梅", "0532-86907711", "hy_admin", "孙晓梅", "青岛海岳电子（另一租户）：已备案，有一条限期整改"),
    ("binhai", "天津滨海石化装备有限公司", "120000", "MA06H8J21", Nature.SOE, "天津市滨海新区临港经济区渤海十路 36 号",
     "赵振华", "022-25671234", "bh_admin", "赵振华", "天津滨海石化：已备案"),
    ("huaihe", "蚌埠淮河精密仪器股份有限公司", "340300", "MA2T4Q1L6", Nature.PRIVATE, "蚌埠市禹会区长青乡工业园 12 号",
     "陈立新", "0552-3156620", "hh_admin", "陈立新", "蚌埠淮河精密：备案申请已提交，等待初审"),
    ("zhizao", "合肥智造新能源汽车零部件有限公司", "340100", "MA8P2C6Y1", Nature.PRIVATE, "合肥市新站区文忠路 188 号",
     "周婷", "0551-62718890", "zz_admin", "周婷", "合肥智造新能源：初审通过，专家评估中"),
    ("dongchu", "黄石东楚特钢有限公司", "420200", "MA49K3M7B", Nature.SOE, "黄石市西塞山区黄思湾路 29 号",
     "周建军", "0714-6428810", "dc_admin", "周建军", "黄石东楚特钢：申请被退回补正"),
    ("luyang", "合肥庐阳精工机电有限公司", "340100", "MA2P7E3K9", Nature.PRIVATE, "合肥市庐阳区工业园天水路 17 号",
     "钱进", "0551-65530021", "ly_admin", "钱进", "合肥庐阳精工：连续一年未开展评价，备案已终止"),
    ("xinhe", "蚌埠新禾食品有限公司", "340300", "MA2W8R5T2", Nature.PRIVATE, "蚌埠市怀远县经济开发区 6 号",
     "郑丽", "0552-8810023", "xh_admin", "郑丽", "蚌埠新禾食品：刚注册，尚未填写备案申请"),
]

# key: (authority login, occupations, filing number, decision day offset, stage)
FILINGS = {
    "huasheng": ("hf_city", [("6-18-01-01", "", [5, 4, 3]), ("6-31-01-03", "6-31-01-03-01", [5, 4, 3, 2])],
                 "Y340100000012", -540, "approved"),
    "ahjt": ("ah_province", [("4-12-01-01", "4-12-01-01-01", [5, 4, 3])], "Y340000000003", -400, "approved"),
    "haiyue": ("sd_province", [("6-31-01-03", "6-31-01-03-01", [5, 4, 3])], "Y370200000027", -300, "approved"),
    "binhai": ("tj_city", [("6-28-01-01", "", [5, 4, 3])], "Y120000000045", -200, "approved"),
    "luyang": ("hf_city", [("6-18-01-02", "", [5, 4])], "Y340100000008", -800, "approved"),
    "huaihe": ("bb_city", [("6-11-01-03", "", [5, 4, 3])], "", 0, "submitted"),
    "zhizao": ("hf_city", [("6-22-02-05", "", [5, 4])], "", 0, "expert_review"),
    "dongchu": ("hs_city", [("6-20-03-02", "6-20-03-02-02", [5, 4, 3])], "", 0, "returned"),
}

ORG_STAFF = [
    ("hs_exam", "李俊", Role.EXAM_AFFAIRS, "huasheng", "合肥华晟机械：考务人员"),
    ("hs_proctor", "赵雪", Role.PROCTOR, "huasheng", "合肥华晟机械：监考人员"),
    ("hs_examiner", "钱国华", Role.EXAMINER, "huasheng", "合肥华晟机械：考评员"),
    ("hs_supervisor", "孙丽", Role.QUALITY_SUPERVISOR, "huasheng", "合肥华晟机械：内部质量督导员"),
]

CANDIDATES = [
    # username, name, region, birth, sequence, organisation, note
    ("zhangwei", "张伟", "340104", "19900315", "123", "huasheng", "考生：合肥华晟机械车工"),
    ("liuyang", "刘洋", "340111", "19951108", "246", "huasheng", "考生：合肥华晟机械钳工"),
    ("chenjing", "陈静", "370211", "19980722", "382", "haiyue", "考生：青岛海岳电子电工"),
]

WORKFORCE = [
    ("周磊", "340102", "19880204", "031", "huasheng"),
    ("吴芳", "340103", "19920617", "082", "huasheng"),
    ("郑强", "340121", "19850930", "157", "huasheng"),
    ("冯雪梅", "340122", "19960412", "208", "huasheng"),
    ("何斌", "370202", "19931120", "095", "haiyue"),
]


def demo_is_loaded() -> bool:
    return User.objects.filter(username="admin").exists()


@transaction.atomic
def demo_load() -> None:
    catalog_seed_reference()
    catalog_load_sample()
    today = timezone.localdate()
    admin = user_create(actor=None, username="admin", full_name="平台管理员", password=DEMO_PASSWORD,
                        roles=[Role.PLATFORM_ADMIN])
    jurisdictions = {j.code: j for j in Jurisdiction.objects.all()}
    authorities = {}
    for username, full_name, code, _sees in AUTHORITY_USERS:
        user = user_create(actor=admin, username=username, full_name=full_name, password=DEMO_PASSWORD,
                           roles=[Role.AUTHORITY], jurisdiction=jurisdictions[code])
        authorities[username] = actor_for(user)
    organisations: dict[str, Organisation] = {}
    for key, name, city, org_code, nature, address, contact, phone, login, admin_name, _sees in ORGANISATIONS:
        organisation = orgs.organisation_register(
            name=name, uscc=demo_uscc(city, org_code), city=jurisdictions[city], nature=nature, address=address,
            contact_person=contact, contact_phone=phone, admin_username=login, admin_full_name=admin_name,
            admin_password=DEMO_PASSWORD,
        )
        organisations[key] = organisation
        if key in FILINGS:
            _file(organisation, actor_for(User.objects.get(username=login)), authorities, today, *FILINGS[key])
    _later_events(organisations, authorities, today)
    for username, full_name, role, org_key, _sees in ORG_STAFF:
        user_create(actor=admin, username=username, full_name=full_name, password=DEMO_PASSWORD, roles=[role],
                    organisation=organisations[org_key])
    resident = IDType.objects.get(code="201")
    for username, name, region, birth, seq, org_key, _sees in CANDIDATES:
        user = user_create(actor=admin, username=username, full_name=name, password=DEMO_PASSWORD)
        person_create(actor=admin, id_type=resident, id_number=demo_resident_id(region, birth, seq), name=name,
                      user=user, organisation=organisations[org_key])
    for name, region, birth, seq, org_key in WORKFORCE:
        person_create(actor=admin, id_type=resident, id_number=demo_resident_id(region, birth, seq), name=name,
                      organisation=organisations[org_key])
    _batches(organisations, authorities, today)
    _exams(organisations)
    for path in DEMO_EXTENSIONS:
        import_string(path)()


# Each later part of the lifecycle extends the demo with a function of its own app, run in
# this order after the parts above (each reads what the earlier ones made).
DEMO_EXTENSIONS: list[str] = [
    "skilleval.exams.demo_arrangement.demo_arrangement",
    "skilleval.exams.demo_examday.demo_examday",
    "skilleval.results.demo.demo_results",
    "skilleval.certificates.demo.demo_certificates",
    "skilleval.certificates.demo_special.demo_special_assessment",
    "skilleval.supervision.demo.demo_supervision",
]


# Imported candidates of the open batch: (name, birth, level, years, extra template columns)
OPEN_BATCH_ROWS = [
    ("周磊", "19880204", "五级", "3", {}),
    ("吴芳", "19920617", "五级", "2", {}),
    ("郑强", "19850930", "四级", "7", {}),
    ("冯雪梅", "19960412", "四级", "2", {}),  # neither certificate nor 6 years: not eligible
    ("何俊峰", "19830515", "三级", "12", {}),  # skip-level by tenure
    ("唐志远", "19870822", "二级", "8", {"申报类别": "破格", "奖励级别": "市级", "奖励名称": "合肥市技术能手",
                                         "申报工种编码": "6-31-01-03-01", "现从事岗位": "维修电工"}),
    ("许子涵", "20110301", "五级", "0.5", {}),  # under age
    ("陆文斌", "19900710", "四级", "5", {"已有证书等级": "5", "已有证书编号": "S000034012345678901234",
                                         "已有证书发证日期": "2021-06-30"}),
]


def _batches(organisations, authorities, today):
    """Batches at each stage: registration open, plan filed, plan confirmed, draft."""
    from skilleval.batches import services as batches
    from skilleval.batches.eligibility import eligibility_template_seed
    from skilleval.batches.imports import applications_import
    from skilleval.batches.models import Application, BatchStaff
    from skilleval.batches.sample import import_row, import_workbook
    from skilleval.core.workdays import working_calendar
    from skilleval.orgs.sample import sample_id_number

    eligibility_template_seed()
    calendar = working_calendar()
    hs = actor_for(User.objects.get(username="hs_admin"))
    huasheng = organisations["huasheng"]

    # 1. Registration open: announced, online and imported applications, some reviewed.
    first = calendar.add(today, 25).date
    open_batch = batches.batch_create(
        actor=hs, organisation=huasheng, name="2026年第四期车工、电工职业技能等级认定",
        registration_opens=today - dt.timedelta(days=5), registration_closes=today + dt.timedelta(days=10),
        first_exam_date=first, last_exam_date=first + dt.timedelta(days=3),
        sites="合肥华晟机械实训楼（理论机考室 A201、A202），二号车间（车工实操），电工实训室",
        candidate_scope="本企业在岗职工、劳务派遣人员", content="职业能力（理论知识、操作技能）、工作业绩、职业道德和工匠精神",
        eligibility_notes="按国家职业技能标准（2018年版）申报条件执行，含越级申报、破格申报。", contact="李俊 0551-63821106")
    for level in (5, 4, 3):
        batches.batch_item_add(actor=hs, batch=open_batch, occupation_code="6-18-01-01", level_code=level,
                               method="exam", theory_weight=30, practical_weight=60, review_weight=10)
    batches.batch_item_add(actor=hs, batch=open_batch, occupation_code="6-31-01-03", work_type_code="6-31-01-03-01",
                           level_code=2, method="performance")
    batches.batch_item_add(actor=hs, batch=open_batch, occupation_code="6-31-01-03", work_type_code="6-31-01-03-01",
                           level_code=4, method="modular", theory_weight=30, practical_weight=70,
                           modules=[{"name": "通用技能（电工基础）", "mandatory": True},
                                    {"name": "变配电运维", "mandatory": False}])
    batches.batch_announce(actor=hs, batch=open_batch)
    rows = [import_row(name, demo_resident_id("340104", birth, f"{300 + n:03d}"), level=level, years=years,
                       occupation="6-31-01-03" if "申报工种编码" in extra else "6-18-01-01", **extra)
            for n, (name, birth, level, years, extra) in enumerate(OPEN_BATCH_ROWS)]
    applications_import(actor=hs, batch=open_batch, source=import_workbook(rows), filename="第四期报名.xlsx",
                        clean_rows_only=True)
    zhangwei = User.objects.get(username="zhangwei")
    item = open_batch.items.get(level__code=5, occupation__code="6-18-01-01")
    batches.application_submit(actor=actor_for(zhangwei), batch=open_batch, data=batches.ApplicationData(
        id_type_code="201", id_number=zhangwei.person.id_number, name="张伟", item_id=item.pk,
        post_occupation_code="6-18-01-01", education="中专", work_started_on=dt.date(2018, 7, 1),
        years_in_occupation="4", phone="13965011234", current_post="数控车工", major="机械加工",
        work_history="2018年至今在合肥华晟机械二号车间从事数控车削加工。", commitment_signed=True))
    for application in Application.objects.filter(batch=open_batch, eligible=True).order_by("number")[:3]:
        batches.application_review(actor=hs, application=application, decision="accept")
    under_age = Application.objects.get(batch=open_batch, name="许子涵")
    batches.application_review(actor=hs, application=under_age, decision="reject", reason="年龄未满16周岁，不符合申报条件。")

    # 2. Plan filed with Hefei (a level-2 item, so copied to the province), waiting for confirmation.
    opens = today - dt.timedelta(days=30)
    first = calendar.add(today, 12).date
    filed = batches.batch_create(
        actor=hs, organisation=huasheng, name="2026年第三期电工（维修电工）职业技能等级认定",
        registration_opens=opens, registration_closes=today - dt.timedelta(days=8), first_exam_date=first,
        last_exam_date=first + dt.timedelta(days=1), sites="合肥华晟机械电工实训室、理论机考室 A201",
        candidate_scope="本企业在岗职工", contact="李俊 0551-63821106")
    for level in (4, 3, 2):
        batches.batch_item_add(actor=hs, batch=filed, occupation_code="6-31-01-03", work_type_code="6-31-01-03-01",
                               level_code=level, method="exam", theory_weight=20, practical_weight=60,
                               review_weight=20)
    batches.batch_announce(actor=hs, batch=filed, today=opens)
    names = ["钱学军", "孙海涛", "李明亮", "赵国庆", "周晓峰", "王建华"]
    levels = ["四级", "四级", "四级", "三级", "三级", "二级"]
    certs = [{}, {}, {}, {"已有证书等级": "4"}, {"已有证书等级": "4"}, {"已有证书等级": "3"}]
    rows = [import_row(name, demo_resident_id("340111", f"198{n}0{n + 1}1{n}", f"{410 + n:03d}"), level=level,
                       years="9", occupation="6-31-01-03", **{"申报工种编码": "6-31-01-03-01", "现从事岗位": "维修电工",
                                                           **cert})
            for n, (name, level, cert) in enumerate(zip(names, levels, certs, strict=True))]
    applications_import(actor=hs, batch=filed, source=import_workbook(rows), filename="第三期报名.xlsx")
    for application in Application.objects.filter(batch=filed):
        batches.application_review(actor=hs, application=application,
                                   decision="accept" if application.eligible else "reject",
                                   reason="" if application.eligible else "不符合申报条件")
    _roster(batches, hs, filed, sample_id_number, BatchStaff)
    batches.batch_sign_commitment(actor=hs, batch=filed, signatory="王海燕")
    batches.batch_plan_save(actor=hs, batch=filed, plan=batches.plan_draft(filed))
    batches.batch_file_plan(actor=hs, batch=filed)

    # 3. Tianjin: plan confirmed; its evaluation period is under way (the exams demo uses it).
    bh = actor_for(User.objects.get(username="bh_admin"))
    binhai = organisations["binhai"]
    tj_opens = today - dt.timedelta(days=40)
    confirmed = batches.batch_create(
        actor=bh, organisation=binhai, name="2026年化工总控工职业技能等级认定", registration_opens=tj_opens,
        registration_closes=today - dt.timedelta(days=25), first_exam_date=today,
        last_exam_date=today + dt.timedelta(days=30), sites="天津滨海石化装备培训中心", contact="赵振华 022-25671234")
    batches.batch_item_add(actor=bh, batch=confirmed, occupation_code="6-28-01-01", level_code=4, method="combined",
                           theory_weight=40, practical_weight=60)
    batches.batch_announce(actor=bh, batch=confirmed, today=tj_opens)
    rows = [import_row(name, demo_resident_id("120116", f"19{85 + n}0{n + 2}15", f"{520 + n:03d}"), level="四级",
                       years="7", occupation="6-28-01-01", **{"现从事岗位": "化工总控"})
            for n, name in enumerate(["马晓东", "刘畅", "高飞", "韩雪"])]
    applications_import(actor=bh, batch=confirmed, source=import_workbook(rows), filename="报名.xlsx")
    for application in Application.objects.filter(batch=confirmed):
        batches.application_review(actor=bh, application=application, decision="accept")
    _roster(batches, bh, confirmed, sample_id_number, BatchStaff)
    batches.batch_sign_commitment(actor=bh, batch=confirmed, signatory="赵振华")
    batches.batch_plan_save(actor=bh, batch=confirmed, plan=batches.plan_draft(confirmed))
    batches.batch_file_plan(actor=bh, batch=confirmed, today=calendar.subtract(today, 12).date)
    batches.batch_plan_confirm(actor=authorities["tj_city"], batch=confirmed)

    # 4. Qingdao: a draft being prepared.
    hy = actor_for(User.objects.get(username="hy_admin"))
    first = calendar.add(today, 40).date
    draft = batches.batch_create(
        actor=hy, organisation=organisations["haiyue"], name="2027年第一期电工职业技能等级认定",
        registration_opens=today + dt.timedelta(days=7), registration_closes=today + dt.timedelta(days=21),
        first_exam_date=first, last_exam_date=first + dt.timedelta(days=1), sites="青岛海岳电子实训基地",
        contact="孙晓梅 0532-86907711")
    batches.batch_item_add(actor=hy, batch=draft, occupation_code="6-31-01-03", work_type_code="6-31-01-03-01",
                           level_code=5, method="exam", theory_weight=30, practical_weight=70)


# 化工总控工 四级 theory items of the Tianjin bank: (kind, stem, options, answer, knowledge point, difficulty)
CHEMICAL_ITEMS = [
    ("single", "离心泵启动前必须进行的操作是（  ）。", {"A": "灌泵排气", "B": "全开出口阀", "C": "关闭进口阀", "D": "提高转速"}, "A", "泵与压缩机操作", 2),
    ("single", "精馏塔操作中，回流比增大时塔顶产品纯度（  ）。", {"A": "降低", "B": "提高", "C": "不变", "D": "无法判断"}, "B", "精馏操作", 3),
    ("single", "换热器中冷热流体逆流换热的主要优点是（  ）。", {"A": "压降小", "B": "平均温差大", "C": "结构简单", "D": "不易结垢"}, "B", "传热操作", 3),
    ("single", "压力表的量程一般应为工作压力的（  ）倍。", {"A": "1", "B": "1.5～3", "C": "5", "D": "10"}, "B", "仪表与控制", 2),
    ("single", "发现可燃气体泄漏时，首先应（  ）。", {"A": "打开排风扇", "B": "切断泄漏源并禁止明火", "C": "用手电筒查找", "D": "继续生产"}, "B", "安全生产", 1),
    ("single", "反应釜超温时应首先（  ）。", {"A": "加大进料", "B": "加大冷却并停止加热", "C": "打开人孔", "D": "关闭冷却水"}, "B", "反应操作", 3),
    ("single", "化工生产中“三违”不包括（  ）。", {"A": "违章指挥", "B": "违章作业", "C": "违反劳动纪律", "D": "违反交通规则"}, "D", "安全生产", 2),
    ("single", "DCS 系统中 PV 表示（  ）。", {"A": "设定值", "B": "测量值", "C": "输出值", "D": "偏差"}, "B", "仪表与控制", 2),
    ("true_false", "安全阀的起跳压力应高于设备的设计压力。", {}, "错", "安全生产", 2),
    ("true_false", "停车检修前，设备必须进行置换、吹扫并分析合格。", {}, "对", "安全生产", 1),
    ("true_false", "离心泵可以长时间关闭出口阀运行。", {}, "错", "泵与压缩机操作", 2),
    ("true_false", "提高精馏塔操作压力会使组分间相对挥发度增大。", {}, "错", "精馏操作", 4),
    ("multiple", "以下属于化工生产“四懂三会”中“四懂”的有（  ）。", {"A": "懂原理", "B": "懂结构", "C": "懂性能", "D": "懂用途", "E": "懂价格"}, "ABCD", "安全生产", 2),
    ("multiple", "造成换热器传热效率下降的原因可能有（  ）。", {"A": "结垢", "B": "不凝气积聚", "C": "流速过低", "D": "平均温差增大"}, "ABC", "传热操作", 3),
    ("short", "简述精馏塔液泛的现象及处理方法。", {}, "现象：塔压差急剧增大、塔板效率下降、产品质量变差；处理：降低进料量和回流量、调整塔釜加热量。", "精馏操作", 4),
]


def _exams(organisations):
    """Tianjin's confidential bank, a blueprint, and a computer-based practice session of its
    confirmed batch, open for the demo (sign in with a ticket number and ID number)."""
    from skilleval.batches.models import Application, Batch
    from skilleval.exams.models import QuestionItem
    from skilleval.exams.services import bank, cbt, papers

    binhai = organisations["binhai"]
    bank_user = user_create(actor=None, username="bh_bank", full_name="韩冰", password=DEMO_PASSWORD,
                            roles=[Role.QUESTION_BANK], organisation=binhai)
    bank_actor = actor_for(bank_user)
    for n, (kind, stem, options, answer, point, difficulty) in enumerate(CHEMICAL_ITEMS, start=1):
        item = bank.question_item_create(actor=bank_actor, data=bank.ItemData(
            code=f"HG4-{n:04d}", occupation_code="6-28-01-01", level=4, kind=kind, stem=stem, options=options,
            answer=answer, knowledge_point=point, difficulty=difficulty))
        bank.question_item_approve(actor=bank_actor, item=item)
    bank.question_item_create(actor=bank_actor, data=bank.ItemData(
        code="HG4-0099", occupation_code="6-28-01-01", level=4, kind="single", stem="（待审定）压缩机喘振的主要原因是（  ）。",
        options={"A": "流量过小", "B": "流量过大", "C": "转速过低", "D": "温度过高"}, answer="A",
        knowledge_point="泵与压缩机操作", difficulty=4))
    from skilleval.catalog.models import Occupation

    blueprint = papers.blueprint_create(actor=bank_actor, data={
        "name": "化工总控工四级理论（演示）", "occupation": Occupation.objects.get(code="6-28-01-01"), "level": 4,
        "duration_minutes": 60, "sections": [{"kind": "single", "count": 6, "score": 5},
                                             {"kind": "true_false", "count": 3, "score": 10},
                                             {"kind": "multiple", "count": 1, "score": 10},
                                             {"kind": "short", "count": 1, "score": 30}],
        "knowledge_shares": {}, "difficulty_shares": {}})
    batch = Batch.objects.get(organisation=binhai, status=Batch.Status.PLAN_CONFIRMED)
    affairs = actor_for(User.objects.get(username="bh_admin"))
    now = timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time()))
    from skilleval.exams.models import ExamRoom, ExamSite, RoomKind

    site = ExamSite.objects.create(organisation=binhai, name="滨海化工培训中心", address="天津市滨海新区临港经济区渤海十路 8 号")
    rooms = [ExamRoom.objects.create(site=site, name=name, kind=kind, capacity=capacity)
             for name, kind, capacity in (("机房一", RoomKind.THEORY, 40), ("机房二", RoomKind.THEORY, 40),
                                          ("总控实训室", RoomKind.PRACTICAL, 12), ("评审室", RoomKind.REVIEW, 20))]
    session = cbt.session_create(
        actor=affairs, batch=batch, batch_item=batch.items.first(), blueprint=blueprint,
        name="化工总控工四级理论机考（演示场次）", rooms=rooms[:1], starts_at=max(now - dt.timedelta(minutes=30), midnight),
        ends_at=now + dt.timedelta(days=29), duration_minutes=60)
    cbt.seats_assign(actor=affairs, session=session,
                     applications=list(Application.objects.filter(batch=batch, status=Application.Status.ACCEPTED)))
    assert QuestionItem.objects.filter(organisation=binhai).count() == len(CHEMICAL_ITEMS) + 1


def demo_exam_ticket() -> tuple[str, str] | None:
    """A ticket number and ID number that can sign in to the demo exam now."""
    from skilleval.exams.models import Attempt

    attempt = Attempt.objects.filter(status=Attempt.Status.NOT_STARTED, session__ends_at__gt=timezone.now()).select_related(
        "application__person").order_by("ticket_number").first()
    if attempt is None:
        return None
    return attempt.ticket_number, attempt.application.person.id_number


def _roster(batches, actor, batch, sample_id_number, batch_staff):
    for role, names in ((batch_staff.Role.HEAD, ["杨振宇"]), (batch_staff.Role.PROCTOR, ["赵雪", "何静"]),
                        (batch_staff.Role.EXAMINER, ["钱国华", "陈立群", "马文涛", "宋建华", "周明"]),  # >= 5 [BB 1(5)3]
                        (batch_staff.Role.SUPERVISOR, ["孙丽"])):
        for name in names:
            batches.batch_staff_add(actor=actor, batch=batch, role=role, name=name, id_number=sample_id_number())


def _file(organisation, enterprise, authorities, today, authority_login, occupations, filing_number, offset, stage):
    """Take an organisation's filing to `stage` through the real services."""
    authority = authorities[authority_login]
    region = organisation.city.code if organisation.city else "340104"
    application = orgs.filing_start(actor=enterprise, organisation=organisation)
    fill_application(actor=enterprise, application=application, occupations=occupations, region=region)
    decided = today + dt.timedelta(days=offset)
    orgs.filing_submit(actor=enterprise, application=application, today=decided if offset else today)
    if stage == "submitted":
        return
    if stage == "returned":
        orgs.filing_return(actor=authority, application=application,
                           reason="考评员名册缺少职业资格（技能等级）证明；请补充钳工实操考场视频监控布设图。")
        return
    orgs.filing_pass_initial_review(actor=authority, application=application, comment="材料齐全，同意进入专家评估。")
    if stage == "expert_review":
        return
    orgs.filing_record_expert_evaluation(
        actor=authority, application=application, experts="陈立群、马文涛、宋建华", form="on_site",
        evaluated_on=decided, opinions="考核场地、设备与考评队伍满足要求，题库资源充足，质量管控措施可行。",
        conclusion="pass")
    years = organisation.jurisdiction.policy_profile().filing_validity_years
    orgs.filing_approve(
        actor=authority, application=application, filing_number=filing_number, serial_start=1, serial_end=200000,
        valid_from=decided, valid_until=decided.replace(year=decided.year + years) - dt.timedelta(days=1),
        comment="同意备案。", today=decided,
    )


def _later_events(organisations, authorities, today):
    """What happened after filing: a scope adjustment, a rectification, a termination."""
    huasheng = organisations["huasheng"]
    enterprise = actor_for(User.objects.get(username="hs_admin"))
    adjustment = orgs.scope_adjustment_start(actor=enterprise, organisation=huasheng)
    fill_application(actor=enterprise, application=adjustment, occupations=[("6-20-03-02", "6-20-03-02-02", [5, 4])])
    orgs.filing_submit(actor=enterprise, application=adjustment)
    orgs.sanction_record(
        actor=authorities["sd_province"], organisation=organisations["haiyue"], kind="rectification",
        description="抽查发现电工四级实操考场视频录像缺失2场次。", occurred_on=today - dt.timedelta(days=12),
        rectification_deadline=today + dt.timedelta(days=18), ground="irregular")
    orgs.sanction_record(
        actor=authorities["hf_city"], organisation=organisations["luyang"], kind="interview",
        description="连续一年以上未开展职业技能等级认定，约谈企业负责人。", occurred_on=today - dt.timedelta(days=40))
    orgs.organisation_terminate(
        actor=authorities["hf_city"], organisation=organisations["luyang"], ground="inactivity",
        description="停止职业技能等级认定工作超过1年且未能整改，终止备案；已发证书继续有效。")


def demo_logins() -> list[DemoLogin]:
    logins = [DemoLogin("admin", "平台管理员", "平台管理员：参考数据、政策参数、管理后台、全部审计日志")]
    logins += [DemoLogin(u, n, s) for u, n, _c, s in AUTHORITY_USERS]
    logins += [DemoLogin(row[8], row[9], row[10]) for row in ORGANISATIONS]
    logins += [DemoLogin(u, n, s) for u, n, _r, _o, s in ORG_STAFF]
    logins.append(DemoLogin("bh_bank", "韩冰", "天津滨海石化：题库管理人员（保密题库、组卷方案、机考试卷）"))
    logins += [DemoLogin(u, n, s) for u, n, _a, _b, _c, _o, s in CANDIDATES]
    # Made by the later parts' demo extensions (exams, results, supervision).
    logins += [
        DemoLogin("bh_proctor", "何静", "天津滨海石化：监考（考生签到、缺考、考场情况记录）"),
        DemoLogin("bh_supervisor", "孙丽", "天津滨海石化：质量督导员（违纪认定、督导检查表）"),
        DemoLogin("bh_examiner", "陈立群", "天津滨海石化：实操考评组长（我的考务安排、回避申报）"),
        DemoLogin("hs_examiner2", "陈立群", "合肥华晟：考评员（评分表）"),
        DemoLogin("hs_examiner3", "马文涛", "合肥华晟：考评员（评分表、笔试阅卷）"),
        DemoLogin("zhaolei", "赵磊", "考生：本人成绩、电子证书与补办申请"),
        DemoLogin("lina", "李娜", "考生：本人成绩与公示期内提出的异议"),
        DemoLogin("zhouting", "周婷", "考生：数控车床操作专项职业能力证书（ZX 编号，可公开查询）"),
        DemoLogin("hx_admin", "黄石华新", "黄石华新机电：统计与档案"),
    ]
    from skilleval.accounts.models import User

    present = set(User.objects.filter(username__in=[d.username for d in logins]).values_list("username", flat=True))
    return [d for d in logins if d.username in present]
