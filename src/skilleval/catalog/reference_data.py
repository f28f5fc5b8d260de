"""Built-in reference data (DOMAIN.md §2 and §4), loaded by `catalog_seed_reference`.

The occupation list shipped in data/sample_occupations.csv is a labelled
*sample* for the demo; the official catalogue is loaded with
`skilleval import_catalog FILE`."""

from pathlib import Path
from typing import Any

SAMPLE_OCCUPATIONS_CSV = Path(__file__).parent / "data" / "sample_occupations.csv"

# rank, certificate code, name, title, certificate level, high-skill
LEVELS = [
    (1, None, "学徒工", "", False, False),
    (2, 5, "五级", "初级工", True, False),
    (3, 4, "四级", "中级工", True, False),
    (4, 3, "三级", "高级工", True, True),
    (5, 2, "二级", "技师", True, True),
    (6, 1, "一级", "高级技师", True, True),
    (7, None, "特级技师", "", False, True),
    (8, None, "首席技师", "", False, True),
]

# code, name, GB 11643 resident ID
ID_TYPES = [
    ("201", "居民身份证", True),
    ("227", "中国护照", False),
    ("210", "港澳居民来往内地通行证", False),
    ("237", "港澳居民居住证", False),
    ("213", "台湾居民来往大陆通行证", False),
    ("238", "台湾居民居住证", False),
    ("208", "外国护照", False),
    ("233", "外国人永久居留身份证", False),
    ("239", "外国人工作许可证（A类）", False),
    ("240", "外国人工作许可证（B类）", False),
    ("241", "外国人工作许可证（C类）", False),
    ("299", "其他个人证件", False),
]

# code, name, level, parent code, authority
JURISDICTIONS = [
    ("340000", "安徽省", "province", None, "安徽省人力资源和社会保障厅"),
    ("340100", "合肥市", "city", "340000", "合肥市人力资源和社会保障局"),
    ("340300", "蚌埠市", "city", "340000", "蚌埠市人力资源和社会保障局"),
    ("370000", "山东省", "province", None, "山东省人力资源和社会保障厅"),
    ("370100", "济南市", "city", "370000", "济南市人力资源和社会保障局"),
    ("370200", "青岛市", "city", "370000", "青岛市人力资源和社会保障局"),
    ("120000", "天津市", "province", None, "天津市人力资源和社会保障局"),
    ("420000", "湖北省", "province", None, "湖北省人力资源和社会保障厅"),
    ("420100", "武汉市", "city", "420000", "武汉市人力资源和社会保障局"),
    ("420200", "黄石市", "city", "420000", "黄石市人力资源和社会保障局"),
]

_COMMON = {
    "plan_lead_workdays": 10,
    "publicity_days": 5,
    "publicity_day_kind": "working",
    "report_deadline_workdays": 10,
    "report_deadline_anchor": "publicity_end",
    "correction_workdays": 15,
    "filing_review_workdays": 10,
    "scope_adjustment_months": [],
    "filing_validity_years": 3,
    "min_examiners_per_occupation_level": 5,
    "min_examiners_per_candidate": 3,
    "min_proctors_per_room": 2,
    "heads_per_site": 1,
    "video_retention_years": 1,
    "paper_retention_years": 3,
    "electronic_retention_years": 5,
    "applicant_data_retention_years": 5,
    "inspection_min_percent": 30,
    "inactivity_months": 12,
    "min_candidate_age": 16,
    "model_organisations_per_year": 10,
    "default_pass_mark": 60,
    "province_filing_levels": [2, 1],
}

# key, name, jurisdiction code, source, differences from the common values
PROFILES: list[tuple[str, str, str | None, str, dict[str, Any]]] = [
    ("national", "国家通用默认", None, "DOMAIN.md §4 通用取值", {}),
    ("hefei", "合肥市", "340100", "合肥市企业技能人才自主评价办法（试行）（2023年12月）", {}),
    ("shandong", "山东省", "370000", "山东省企业技能人才自主评价工作指引（2023年12月）", {"scope_adjustment_months": [6, 12]}),
    (
        "bengbu", "蚌埠市", "340300", "蚌埠市全面推行企业职业技能等级认定工作（2020年3月）",
        {"publicity_days": 7, "publicity_day_kind": "calendar"},
    ),
    (
        "tianjin", "天津市", "120000", "天津市全面开展企业技能人才自主评价工作（2020年5月）",
        {"report_deadline_anchor": "evaluation_end"},
    ),
    ("huangshi", "黄石市", "420200", "黄石市技能人才评价制度改革意见（2020年）", {}),
]


def profile_values(overrides: dict[str, Any]) -> dict[str, Any]:
    return {**_COMMON, **overrides}
