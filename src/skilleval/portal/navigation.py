"""The site's areas: one entry per part of the domain, shown to the roles that
work there. Areas whose capability is not built yet show an empty state that
says what will appear."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from skilleval.accounts.access import Perm


@dataclass(frozen=True)
class Area:
    slug: str
    label: str
    permissions: tuple[str, ...]
    description: str
    url_name: str = "portal:area"


AREAS = [
    Area("orgs", _("评价机构"), (Perm.ORG_VIEW,),
         _("备案申请、备案审核、职业范围调整、机构名录与终止备案。"), url_name="orgs:home"),
    Area("batches", _("认定批次"), (Perm.BATCH_VIEW, Perm.CANDIDATE_SELF),
         _("认定公告、报名、资格审核与认定计划备案。"), url_name="batches:batch_list"),
    Area("exams", _("考务"), (Perm.BATCH_MANAGE, Perm.BANK_MANAGE, Perm.EXAM_MARK, Perm.EXAM_PROCTOR, Perm.EXAM_SCORE,
                             Perm.QUALITY_SUPERVISE),
         _("题库、组卷、机考与阅卷。"), url_name="exams:home"),
    Area("results", _("成绩与公示"), (Perm.BATCH_MANAGE, Perm.EXAM_SCORE, Perm.RESULT_REVIEW, Perm.CANDIDATE_SELF),
         _("评分、成绩汇总、结果公示、异议处理与结果报备。"), url_name="results:home"),
    Area("certificates", _("证书"), (Perm.CERTIFICATE_MANAGE, Perm.RESULT_REVIEW, Perm.CANDIDATE_SELF),
         _("证书编号、证书发放、电子证书、补发与撤销将显示在这里。"), url_name="certificates:home"),
    Area("supervision", _("监督管理"), (Perm.SUPERVISION_MANAGE, Perm.BATCH_MANAGE),
         _("双随机抽查、督导派驻、年度评估、档案管理与统计分析。"), url_name="supervision:home"),
]
AREAS_BY_SLUG = {a.slug: a for a in AREAS}


def areas_for(actor) -> list[Area]:
    return [a for a in AREAS if any(actor.has(p) for p in a.permissions)]
