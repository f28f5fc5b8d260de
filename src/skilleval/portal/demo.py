"""The demo data set: realistic organisations, authorities, staff and candidates
in the seeds' jurisdictions, created through the same services as real data.
Each later capability extends it so `skilleval demo` tells the whole story."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from skilleval.accounts.models import Role, User
from skilleval.accounts.services import person_create, user_create
from skilleval.catalog.models import IDType, Jurisdiction
from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference
from skilleval.core.validators import resident_id_check_char, uscc_check_char
from skilleval.orgs.models import Organisation

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


ORGANISATIONS = [
    # key, name, jurisdiction, org code, status, filing number, valid until, address, contact
    ("huasheng", "合肥华晟机械制造有限公司", "340100", "MA2N0K7X3", Organisation.Status.FILED, "Y340100000012",
     dt.date(2029, 6, 30), "合肥市经济技术开发区繁华大道 8866 号", "王海燕", "0551-63821106"),
    ("huaihe", "蚌埠淮河精密仪器股份有限公司", "340300", "MA2T4Q1L6", Organisation.Status.UNFILED, None, None,
     "蚌埠市禹会区长青乡工业园 12 号", "陈立新", "0552-3156620"),
    ("ahjt", "安徽省交通建设集团有限公司", "340000", "MA2RB5P08", Organisation.Status.FILED, "Y340000000003",
     dt.date(2028, 12, 31), "合肥市包河区紫云路 1000 号", "刘国强", "0551-65203388"),
    ("haiyue", "青岛海岳电子科技有限公司", "370200", "MA3C9D2W5", Organisation.Status.FILED, "Y370200000027",
     dt.date(2029, 3, 31), "青岛市黄岛区江山南路 517 号", "孙晓梅", "0532-86907711"),
    ("binhai", "天津滨海石化装备有限公司", "120000", "MA06H8J21", Organisation.Status.FILED, "Y120000000045",
     dt.date(2028, 9, 30), "天津市滨海新区临港经济区渤海十路 36 号", "赵振华", "022-25671234"),
    ("dongchu", "黄石东楚特钢有限公司", "420200", "MA49K3M7B", Organisation.Status.UNFILED, None, None,
     "黄石市西塞山区黄思湾路 29 号", "周建军", "0714-6428810"),
]

AUTHORITY_USERS = [
    ("ah_province", "吴敏", "340000", "安徽省人社厅：合肥、蚌埠两市及省属企业的机构"),
    ("hf_city", "胡晓东", "340100", "合肥市人社局：只看合肥市的机构"),
    ("bb_city", "许婷", "340300", "蚌埠市人社局：只看蚌埠市的机构"),
    ("sd_province", "高建平", "370000", "山东省人社厅：济南、青岛的机构"),
    ("tj_city", "马丽", "120000", "天津市人社局（省级）"),
    ("hs_city", "黄志刚", "420200", "黄石市人社局"),
]

ORG_STAFF = [
    ("hs_admin", "王海燕", Role.ORG_ADMIN, "huasheng", "合肥华晟机械：机构管理员"),
    ("hs_exam", "李俊", Role.EXAM_AFFAIRS, "huasheng", "合肥华晟机械：考务人员"),
    ("hs_proctor", "赵雪", Role.PROCTOR, "huasheng", "合肥华晟机械：监考人员"),
    ("hs_examiner", "钱国华", Role.EXAMINER, "huasheng", "合肥华晟机械：考评员"),
    ("hs_supervisor", "孙丽", Role.QUALITY_SUPERVISOR, "huasheng", "合肥华晟机械：内部质量督导员"),
    ("hy_admin", "孙晓梅", Role.ORG_ADMIN, "haiyue", "青岛海岳电子：机构管理员（另一租户）"),
    ("hh_admin", "陈立新", Role.ORG_ADMIN, "huaihe", "蚌埠淮河精密：机构管理员（尚未备案）"),
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
    admin = user_create(actor=None, username="admin", full_name="平台管理员", password=DEMO_PASSWORD,
                        roles=[Role.PLATFORM_ADMIN])
    jurisdictions = {j.code: j for j in Jurisdiction.objects.all()}
    organisations: dict[str, Organisation] = {}
    for key, name, code, org_code, status, filing, valid, address, contact, phone in ORGANISATIONS:
        jurisdiction = jurisdictions[code]
        organisations[key] = _organisation_create(
            actor=admin, name=name, uscc=demo_uscc(code, org_code), jurisdiction=jurisdiction, status=status,
            filing_number=filing, valid_until=valid, address=address, contact=contact, phone=phone,
        )
    for username, full_name, code, _sees in AUTHORITY_USERS:
        user_create(actor=admin, username=username, full_name=full_name, password=DEMO_PASSWORD,
                    roles=[Role.AUTHORITY], jurisdiction=jurisdictions[code])
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


def demo_logins() -> list[DemoLogin]:
    logins = [DemoLogin("admin", "平台管理员", "平台管理员：参考数据、政策参数、管理后台、全部审计日志")]
    logins += [DemoLogin(u, n, s) for u, n, _c, s in AUTHORITY_USERS]
    logins += [DemoLogin(u, n, s) for u, n, _r, _o, s in ORG_STAFF]
    logins += [DemoLogin(u, n, s) for u, n, _a, _b, _c, _o, s in CANDIDATES]
    return logins


def _organisation_create(*, actor, name, uscc, jurisdiction, status, filing_number, valid_until, address,
                         contact, phone) -> Organisation:
    """Demo organisations are created directly as the filing lifecycle would leave them;
    the filing issue replaces this with the real application and review."""
    from skilleval.core.services import record_save

    organisation = Organisation(
        name=name, uscc=uscc, jurisdiction=jurisdiction, status=status, filing_number=filing_number,
        filing_valid_until=valid_until, address=address, contact_person=contact, contact_phone=phone,
    )
    record_save(actor=actor, obj=organisation, is_new=True)
    return organisation
