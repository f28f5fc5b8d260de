"""Builders that fill in a filing application through the real services, for the
demo data set and for tests: a complete form, rosters that meet the profile's
minimum of examiners, equipment and one small but real file per material."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from skilleval.core.validators import resident_id_check_char

from . import services
from .models import REQUIRED_MATERIALS, FilingApplication, MaterialCategory, StaffMember

# A one-page PDF, small and valid, used as the uploaded evidence.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\nxref\n0 4\n0000000000 65535 f \n"
    b"0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\n"
    b"startxref\n160\n%%EOF\n"
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = ["建国", "志强", "海燕", "丽华", "国华", "晓东", "红梅", "立新", "文军", "秀英", "德明", "春雷", "玉兰", "振华",
          "卫东", "桂芳", "金龙", "雪梅", "永刚", "淑珍"]
_sequence = itertools.count(100)


def sample_id_number(region: str = "340104") -> str:
    n = next(_sequence)
    birth = f"{1965 + n % 30}{1 + n % 12:02d}{1 + n % 28:02d}"
    first17 = f"{region}{birth}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def sample_name(n: int) -> str:
    return _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n // len(_SURNAMES) + n) % len(_GIVEN)]


FORM_DATA = {
    "registration_authority": "市场监督管理局",
    "registered_capital": "12000",
    "business_scope": "通用设备制造；机械零部件加工；工业自动化设备研发、生产、销售",
    "total_assets": "86500.50",
    "payroll_total": "15320",
    "revenue": "128700",
    "training_fund_extracted": "1225.6",
    "training_fund_for_skills": "860",
    "technical_workers": "1860",
    "senior_workers": "420",
    "technicians": "96",
    "senior_technicians": "18",
    "principal_name": "王建国",
    "principal_title": "总经理",
    "principal_phone": "0551-63821100",
    "principal_email": "wangjg@example.cn",
    "contact_title": "人力资源部部长",
    "contact_email": "hr@example.cn",
    "hr_systems": "已建立《技能人才培养管理办法》《职业技能等级认定管理办法》《技能人才薪酬激励办法》，取得证书人员按等级落实技能津贴。",
    "training_fund_usage": "按职工工资总额的8%提取职工教育经费，其中70%以上用于一线职工技能培训和评价。",
    "training_department": "设职工培训中心（12人），负责职工培训、技能评价和题库管理，配有保密试卷室和档案室。",
    "strengths": "省级高技能人才培训基地、技能大师工作室2个，行业技能竞赛承办经验丰富。",
    "site_description": "实训楼理论考场3间（计算机120台），实操考场2处（车间面积2400平方米），均配视频监控。",
    "it_and_video": "考务管理系统1套，理论机考服务器2台，高清摄像头48路，录像保存不少于1年。",
    "pledge_accepted": True,
}


def fill_application(
    *, actor: Any, application: FilingApplication, occupations: Iterable[tuple[str, str, list[int]]],
    region: str = "340104", change: str = "add",
) -> FilingApplication:
    """Complete an application so that it can be submitted: occupations as
    (occupation code, work type code or "", level codes)."""
    occupations = list(occupations)
    if application.kind == FilingApplication.Kind.INITIAL:
        data = {**FORM_DATA, "pledge_signatory": FORM_DATA["principal_name"],
                "contact_name": application.contact_name or "李俊",
                "contact_phone": application.contact_phone or "0551-63821106",
                "registered_address": application.registered_address or "经济技术开发区工业大道 1 号"}
        services.filing_update(actor=actor, application=application, data=data)
        for role, count in ((StaffMember.Role.FULL_TIME, 3), (StaffMember.Role.EXPERT, 3),
                            (StaffMember.Role.SUPERVISOR, 2)):
            for _ in range(count):
                n = next(_sequence)
                services.staff_add(actor=actor, application=application, role=role, name=sample_name(n),
                                   id_number=sample_id_number(region), unit=application.enterprise_name,
                                   title="高级工程师" if role == StaffMember.Role.EXPERT else "培训中心主管",
                                   education="本科", duty="技能评价组织实施")
        services.equipment_add(actor=actor, application=application, name="数控车床", brand="沈阳机床",
                               model="CAK6150", quantity=12, ownership="自有")
        services.equipment_add(actor=actor, application=application, name="理论机考计算机", brand="联想",
                               model="启天M437", quantity=120, ownership="自有")
    else:
        services.filing_update(actor=actor, application=application,
                               data={"adjustment_reason": "新产线投产，相关岗位技能人员增加，申请调整认定范围。"})
    profile = application.jurisdiction.policy_profile()
    for occupation_code, work_type_code, levels in occupations:
        services.filing_occupation_add(
            actor=actor, application=application, occupation_code=occupation_code, work_type_code=work_type_code,
            levels=levels, standard_name="国家职业技能标准", question_bank="national", change=change,
        )
        if change != "add":
            continue
        for _ in range(profile.min_examiners_per_occupation_level):
            n = next(_sequence)
            services.staff_add(actor=actor, application=application, role=StaffMember.Role.EXAMINER,
                               name=sample_name(n), id_number=sample_id_number(region),
                               unit=application.enterprise_name or application.organisation.name,
                               title="高级技师", education="大专", occupation_code=occupation_code, levels=levels)
    for category in REQUIRED_MATERIALS[FilingApplication.Kind(application.kind)]:
        upload = SimpleUploadedFile(f"{MaterialCategory(category).label}.pdf", MINIMAL_PDF,
                                    content_type="application/pdf")
        services.attachment_add(actor=actor, application=application, category=category, upload=upload)
    application.refresh_from_db()
    return application
