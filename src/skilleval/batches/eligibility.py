"""The eligibility engine (DOMAIN.md §7): which route, if any, lets a candidate
apply for an occupation at a level, and why not.

The core is the pure `evaluate(facts, ...)`: facts in, a `Verdict` out, no
database. `evaluate_application` builds the facts from an `Application` row, adds
the checks that need the database (the same person twice in a batch, a
certificate already held) and is what `services.application_evaluate` stores.

Routes, tried in a fixed order; the first that holds wins:

1. normal (正常申报): a rule of the applied level is met (DOMAIN.md §7 template,
   or the occupation's own rules);
2. skip-level by tenure (越级申报) [HF 12]: no certificate of this occupation, and
   the years in the occupation reach the cumulative years of the cheapest
   certificate chain to the level, computed from the rules (`skip_level_thresholds`);
3. competition (竞赛选拔) [HS 9.4]: top 3 in a filed competition, recognised
   directly at the applied level;
4. exceptional (破格申报) [HF 13]: city-tier honour, competition top 3 or
   innovation -> up to level 2 (技师); provincial or national tier -> level 1.

Exceptional promotion is a discretionary system of the enterprise ("企业可根据实际
制定…破格晋升制度", HF 13) that needs its own review, so it is the last resort:
it is used only when no other route holds, unless the candidate asked for it
(requested_route "exceptional"), in which case it is tried right after
skip-level, before competition. The normal route always comes first: a candidate
who qualifies normally is never recorded as exceptional; when the route found
differs from the one requested, a flag says so.

Consistency checks (ID check digit, birth date and sex against the ID, minimum
age, years not longer than working life, dates in order) add reasons; any reason
makes the verdict ineligible. Flags never change eligibility: they are notes for
the reviewer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING, NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.core.validators import parse_resident_id

from .models import Application, Award, BatchKind, Education, EligibilityRule, HeldCertificate

if TYPE_CHECKING:
    from skilleval.accounts.models import Person
    from skilleval.catalog.models import Occupation

Route = Application.Route

LEVEL_CODES = (5, 4, 3, 2, 1)
# code -> (级别, 称谓)
LEVEL_NAMES: dict[int, tuple[str, str]] = {
    5: ("五级", "初级工"),
    4: ("四级", "中级工"),
    3: ("三级", "高级工"),
    2: ("二级", "技师"),
    1: ("一级", "高级技师"),
}

# Certificate kinds that prove a level of an occupation.
LEVEL_CERTIFICATE_KINDS = frozenset({HeldCertificate.Kind.SKILL_LEVEL.value, HeldCertificate.Kind.QUALIFICATION.value})
PREPARATORY_KIND = HeldCertificate.Kind.PREPARATORY.value

# The highest level (lowest code) an award tier opens by the exceptional route [HF 13].
EXCEPTIONAL_HIGHEST_LEVEL: dict[str, int] = {
    Award.Tier.CITY.value: 2,
    Award.Tier.PROVINCIAL.value: 1,
    Award.Tier.NATIONAL.value: 1,
}
COMPETITION_TOP = 3  # top 3 of a competition [HF 13, HS 9.4]

# Which school kinds satisfy an education requirement. A higher vocational or
# college graduate also satisfies "technical school" ("中等及以上职业学校"); the
# senior-technical and college requirements are distinct rules of the template.
EDUCATION_SATISFIED_BY: dict[str, frozenset[str]] = {
    Education.TECHNICAL_SCHOOL.value: frozenset(
        {Education.TECHNICAL_SCHOOL.value, Education.SENIOR_TECHNICAL.value, Education.COLLEGE.value}),
    Education.SENIOR_TECHNICAL.value: frozenset({Education.SENIOR_TECHNICAL.value}),
    Education.COLLEGE.value: frozenset({Education.COLLEGE.value}),
}


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class RuleData:
    """One EligibilityRule, detached from the database. Conditions are "and"; rules of
    one level are "or"."""

    level: int
    order: int
    required_certificate_level: int | None
    min_years: Decimal
    education: str
    apprenticeship: bool
    preparatory_technician: bool
    label: str

    @classmethod
    def from_row(cls, row: EligibilityRule) -> RuleData:
        return cls(level=row.level, order=row.order, required_certificate_level=row.required_certificate_level,
                   min_years=Decimal(row.min_years), education=row.education or "",
                   apprenticeship=row.apprenticeship, preparatory_technician=row.preparatory_technician,
                   label=row.label)

    @property
    def years_only(self) -> bool:
        return (self.required_certificate_level is None and not self.education and not self.apprenticeship
                and not self.preparatory_technician)

    @property
    def certificate_and_years_only(self) -> bool:
        return (self.required_certificate_level is not None and not self.education and not self.apprenticeship
                and not self.preparatory_technician)


# The DOMAIN.md §7 template (the national standards' usual conditions since 2018), as
# the fields of EligibilityRule: level, order, required_certificate_level, min_years,
# education, apprenticeship, preparatory_technician, label. Labels are rule data
# (stored in the database and editable there), written in Chinese.
DEFAULT_TEMPLATE: tuple[tuple[int, int, int | None, Decimal, str, bool, bool, str], ...] = (
    (5, 1, None, Decimal(1), "", False, False, "累计从事本职业或相关职业工作满1年"),
    (5, 2, None, Decimal(0), "", True, False, "本职业或相关职业学徒期满"),
    (4, 1, 5, Decimal(4), "", False, False, "取得本职业五级证书后，累计从事本职业工作满4年"),
    (4, 2, None, Decimal(6), "", False, False, "累计从事本职业或相关职业工作满6年"),
    (4, 3, None, Decimal(0), Education.TECHNICAL_SCHOOL.value, False, False,
     "取得技工学校（或经评估论证的中等及以上职业学校）本专业或相关专业毕业证书"),
    (3, 1, 4, Decimal(5), "", False, False, "取得本职业四级证书后，累计从事本职业工作满5年"),
    (3, 2, 4, Decimal(0), Education.SENIOR_TECHNICAL.value, False, False,
     "取得本职业四级证书，并具有高级技工学校、技师学院（或经评估论证的高等职业学校）本专业或相关专业毕业证书"),
    (3, 3, 4, Decimal(2), Education.COLLEGE.value, False, False,
     "具有大专及以上本专业或相关专业毕业证书，并取得本职业四级证书后，累计从事本职业工作满2年"),
    (2, 1, 3, Decimal(4), "", False, False, "取得本职业三级证书后，累计从事本职业工作满4年"),
    (2, 2, 3, Decimal(3), Education.SENIOR_TECHNICAL.value, False, False,
     "取得本职业三级证书的高级技工学校、技师学院毕业生，累计从事本职业工作满3年"),
    (2, 3, None, Decimal(2), "", False, True, "取得本职业预备技师证书后，累计从事本职业工作满2年"),
    (1, 1, 2, Decimal(4), "", False, False, "取得本职业二级证书后，累计从事本职业工作满4年"),
)

DEFAULT_RULES: tuple[RuleData, ...] = tuple(RuleData(*row) for row in DEFAULT_TEMPLATE)


class CertificateFact(NamedTuple):
    """A certificate the candidate holds: (kind, occupation id, level code[, issued on])."""

    kind: str
    occupation_id: int | None
    level: int | None
    issued_on: dt.date | None = None


class AwardFact(NamedTuple):
    """An award or competition placing: (kind, tier, rank, filed competition)."""

    kind: str
    tier: str
    rank: int | None
    filed_competition: bool = False


@dataclass(frozen=True)
class CandidateFacts:
    birth_date: dt.date
    sex: str  # "M" / "F"
    id_number: str  # may be "" for a non-resident ID document
    id_is_resident: bool
    work_started_on: dt.date | None
    years_in_occupation: Decimal
    school_kind: str = ""
    major_matches: bool = False
    graduated_on: dt.date | None = None
    apprenticeship_completed: bool = False
    requested_route: str = Route.NORMAL.value
    certificates: Sequence[CertificateFact] = ()
    awards: Sequence[AwardFact] = ()


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    route: str = ""  # an Application.Route value when eligible, else ""
    rule_label: str = ""  # the rule or route description that was met
    reasons: list[str] = field(default_factory=list)  # why not eligible (Chinese)
    flags: list[str] = field(default_factory=list)  # to be checked by the reviewer (Chinese)


# ---------------------------------------------------------------------------------------------
# Rules in the database


def eligibility_template_seed() -> int:
    """Write DEFAULT_TEMPLATE as the default rules (occupation None) unless default
    rules exist already. Returns how many rows were created."""
    if EligibilityRule.objects.filter(occupation__isnull=True).exists():
        return 0
    rows = [EligibilityRule(occupation=None, level=r.level, order=r.order,
                            required_certificate_level=r.required_certificate_level, min_years=r.min_years,
                            education=r.education, apprenticeship=r.apprenticeship,
                            preparatory_technician=r.preparatory_technician, label=r.label)
            for r in DEFAULT_RULES]
    EligibilityRule.objects.bulk_create(rows)
    return len(rows)


def rules_for(occupation: Occupation | int | None) -> list[RuleData]:
    """The occupation's own rules if it has any, else the default rules in the
    database, else DEFAULT_TEMPLATE (nothing is written). One query."""
    occupation_id = occupation if isinstance(occupation, int) or occupation is None else occupation.pk
    condition = Q(occupation__isnull=True)
    if occupation_id is not None:
        condition |= Q(occupation_id=occupation_id)
    rows = list(EligibilityRule.objects.filter(condition).order_by("-level", "order", "pk"))
    own = [r for r in rows if occupation_id is not None and r.occupation_id == occupation_id]
    chosen = own or [r for r in rows if r.occupation_id is None]
    return [RuleData.from_row(r) for r in chosen] if chosen else list(DEFAULT_RULES)


def issued_certificate_exists(person: Person, occupation: Occupation | int, level: int) -> bool:
    """Hook: has this person been issued a certificate of this occupation and level on
    the platform? Issued certificates arrive in a later issue; until then False."""
    return False


# ---------------------------------------------------------------------------------------------
# Helpers


def _years(value: Decimal | int) -> str:
    """A number of years as written in Chinese text: 5, 2.5."""
    return f"{Decimal(value).normalize():f}"


def _level_short(code: int | None) -> str:
    return LEVEL_NAMES[code][0] if code in LEVEL_NAMES else str(code)


def _level_full(code: int | None) -> str:
    if code in LEVEL_NAMES:
        name, title = LEVEL_NAMES[code]
        return f"{name}/{title}"
    return str(code)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the birthday falls on 1 March
        return dt.date(day.year + years, 3, 1)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def _years_between(start: dt.date, end: dt.date) -> Decimal:
    """Years from start to end, rounded up to one decimal (as years are declared)."""
    days = max((end - start).days, 0)
    return (Decimal(days) / Decimal("365.25")).quantize(Decimal("0.1"), rounding=ROUND_CEILING)


def skip_level_thresholds(rules: Sequence[RuleData]) -> dict[int, Decimal]:
    """The years in the occupation that stand for the cheapest certificate chain to each
    level [HF 12]: threshold(5) = the fewest years of a level-5 years-only rule;
    threshold(L) = the least of a years-only rule of L and, over the rules of L that ask
    for a certificate of a lower level K (and nothing else but years),
    rule.min_years + threshold(K). Levels with no chain are left out."""
    thresholds: dict[int, Decimal] = {}
    for level in LEVEL_CODES:
        options = [r.min_years for r in rules if r.level == level and r.years_only]
        for r in rules:
            required = r.required_certificate_level
            if (r.level == level and r.certificate_and_years_only and required is not None and required > level
                    and required in thresholds):
                options.append(r.min_years + thresholds[required])
        if options:
            thresholds[level] = min(options)
    return thresholds


def _level_certificates(facts: CandidateFacts, occupation_id: int) -> list[CertificateFact]:
    return [c for c in facts.certificates
            if c.kind in LEVEL_CERTIFICATE_KINDS and c.occupation_id == occupation_id and c.level is not None]


def _qualifying_certificates(facts: CandidateFacts, occupation_id: int, required: int) -> list[CertificateFact]:
    """Certificates of this occupation at the required level or higher (code <= required)."""
    return [c for c in _level_certificates(facts, occupation_id) if c.level is not None and c.level <= required]


def _rule_failures(rule: RuleData, facts: CandidateFacts, occupation_id: int) -> list[str]:
    """Each condition of the rule the candidate does not meet, in Chinese; [] = met."""
    failures: list[str] = []
    required = rule.required_certificate_level
    if required is not None and not _qualifying_certificates(facts, occupation_id, required):
        message = _("未持有本职业%(level)s及以上证书") % {"level": _level_short(required)}
        other = any(c.kind in LEVEL_CERTIFICATE_KINDS and c.occupation_id != occupation_id
                    and c.level is not None and c.level <= required for c in facts.certificates)
        if other:
            message += _("（其他职业的证书不能作为申报依据）")
        failures.append(message)
    if rule.preparatory_technician and not any(
            c.kind == PREPARATORY_KIND and c.occupation_id == occupation_id for c in facts.certificates):
        failures.append(_("未持有本职业预备技师证书"))
    if rule.education:
        if facts.school_kind not in EDUCATION_SATISFIED_BY.get(rule.education, frozenset({rule.education})):
            failures.append(_("不符合学历要求：%(edu)s") % {
                "edu": dict(Education.choices).get(rule.education, rule.education)})
        elif not facts.major_matches:
            failures.append(_("所学专业与申报职业不相同或不相关"))
    if rule.apprenticeship and not facts.apprenticeship_completed:
        failures.append(_("学徒期未满"))
    if facts.years_in_occupation < rule.min_years:
        failures.append(_("本职业工作年限%(have)s年，不足%(need)s年") % {
            "have": _years(facts.years_in_occupation), "need": _years(rule.min_years)})
    return failures


@dataclass(frozen=True)
class _RouteResult:
    holds: bool
    label: str = ""
    failures: list[str] = field(default_factory=list)  # reported only when no route holds
    flags: list[str] = field(default_factory=list)  # reported only when this route is chosen


def _normal(facts: CandidateFacts, occupation_id: int, level: int, rules: Sequence[RuleData],
            on_date: dt.date) -> _RouteResult:
    level_rules = sorted((r for r in rules if r.level == level), key=lambda r: r.order)
    if not level_rules:
        return _RouteResult(False, failures=[_("本职业未设置%(level)s的申报条件") % {"level": _level_full(level)}])
    failures: list[str] = []
    for rule in level_rules:
        missing = _rule_failures(rule, facts, occupation_id)
        if not missing:
            return _RouteResult(True, rule.label, flags=_certificate_age_flags(rule, facts, occupation_id, on_date))
        failures.append(f"{rule.label}：{'；'.join(missing)}")
    return _RouteResult(False, failures=failures)


def _certificate_age_flags(rule: RuleData, facts: CandidateFacts, occupation_id: int,
                           on_date: dt.date) -> list[str]:
    """The template counts years after the certificate; only total years are declared.
    When every qualifying certificate's issue date is known and too recent, flag it."""
    required = rule.required_certificate_level
    if required is None or rule.min_years <= 0:
        return []
    certificates = _qualifying_certificates(facts, occupation_id, required)
    dates = [c.issued_on for c in certificates]
    if not dates or any(d is None for d in dates):
        return []
    earliest = min(d for d in dates if d is not None)
    if _years_between(earliest, on_date) >= rule.min_years:
        return []
    return [_("取得本职业%(level)s证书（%(date)s）至今不足%(need)s年，请核实取得证书后的工作年限") % {
        "level": _level_short(required), "date": earliest.isoformat(), "need": _years(rule.min_years)}]


def _skip_level(facts: CandidateFacts, occupation_id: int, level: int,
                rules: Sequence[RuleData]) -> _RouteResult:
    requested = facts.requested_route == Route.SKIP_LEVEL
    if level == max(LEVEL_CODES):  # nothing below the lowest level to skip
        return _RouteResult(False, failures=[_("越级申报：%(level)s无需越级申报") % {"level": _level_full(level)}]
                            if requested else [])
    if _level_certificates(facts, occupation_id):
        return _RouteResult(False, failures=[_("越级申报：已取得本职业证书，不适用越级申报")] if requested else [])
    threshold = skip_level_thresholds(rules).get(level)
    if threshold is None:
        return _RouteResult(False, failures=[_("越级申报：本职业未设置可越级申报%(level)s的年限条件") % {
            "level": _level_full(level)}])
    if facts.years_in_occupation < threshold:
        return _RouteResult(False, failures=[_("越级申报：未取得本职业证书，本职业工作年限%(have)s年，不足%(need)s年") % {
            "have": _years(facts.years_in_occupation), "need": _years(threshold)}])
    label = _("越级申报：未取得本职业证书，累计从事本职业工作满%(need)s年") % {"need": _years(threshold)}
    return _RouteResult(True, label)


_AWARD_WORDS = {
    Award.Kind.HONOUR.value: gettext_lazy("劳动奖章、劳动模范、技术能手等荣誉"),
    Award.Kind.COMPETITION.value: gettext_lazy("职业技能竞赛前三名"),
    Award.Kind.INNOVATION.value: gettext_lazy("技术改造、工艺革新、技术攻关成果"),
}


def _exceptional_grounds(facts: CandidateFacts) -> list[AwardFact]:
    """Awards that can ground an exceptional application [HF 13]."""
    grounds = []
    for award in facts.awards:
        if award.tier not in EXCEPTIONAL_HIGHEST_LEVEL or award.kind not in _AWARD_WORDS:
            continue
        if award.kind == Award.Kind.COMPETITION and not (award.rank and 1 <= award.rank <= COMPETITION_TOP):
            continue
        grounds.append(award)
    return grounds


def _exceptional(facts: CandidateFacts, level: int) -> _RouteResult:
    requested = facts.requested_route == Route.EXCEPTIONAL
    grounds = _exceptional_grounds(facts)
    if not grounds:
        if requested or facts.awards:
            return _RouteResult(False, failures=[_("破格申报：未填报可作为破格依据的市级及以上荣誉、竞赛前三名或技术成果")])
        return _RouteResult(False)
    best = min(grounds, key=lambda a: EXCEPTIONAL_HIGHEST_LEVEL[a.tier])
    highest = EXCEPTIONAL_HIGHEST_LEVEL[best.tier]
    words = {"tier": str(Award.Tier(best.tier).label), "kind": str(_AWARD_WORDS[best.kind]),
             "max": _level_full(highest)}
    if level < highest:
        return _RouteResult(False, failures=[
            _("破格申报：%(tier)s%(kind)s最高可破格申报%(max)s，不能申报%(level)s") % {
                **words, "level": _level_full(level)}])
    return _RouteResult(True, _("破格申报：获得%(tier)s%(kind)s，可破格申报至%(max)s") % words,
                        flags=[_("破格申报须经企业破格晋升制度评审，请核实奖励、成果证明材料")])


def _competition(facts: CandidateFacts) -> _RouteResult:
    requested = facts.requested_route == Route.COMPETITION
    entries = [a for a in facts.awards if a.kind == Award.Kind.COMPETITION]
    if not entries:
        return _RouteResult(False, failures=[_("竞赛选拔：未填报职业技能竞赛名次")] if requested else [])
    filed = [a for a in entries if a.filed_competition]
    ranked = [a.rank for a in filed if a.rank]
    top = min(ranked) if ranked else None
    if top is not None and top <= COMPETITION_TOP:
        return _RouteResult(True, _("竞赛选拔：在经人社部门备案的职业技能竞赛中获得第%(rank)d名，直接认定") % {"rank": top},
                            flags=[_("请核实竞赛备案文件及名次证明")])
    if not filed:
        failure = _("竞赛选拔：所填竞赛未经人社部门备案")
    elif top is None:
        failure = _("竞赛选拔：未填报竞赛名次")
    else:
        failure = _("竞赛选拔：经备案竞赛的最好名次为第%(rank)d名，须为前%(top)d名") % {"rank": top, "top": COMPETITION_TOP}
    return _RouteResult(False, failures=[failure])


def check_consistency(facts: CandidateFacts, *, min_age: int, on_date: dt.date) -> tuple[list[str], list[str]]:
    """The facts against each other: (reasons, flags)."""
    reasons: list[str] = []
    flags: list[str] = []
    if facts.id_is_resident:
        try:
            parsed = parse_resident_id(facts.id_number, today=on_date)
        except ValidationError as exc:
            reasons.extend(str(m) for m in exc.messages)
        else:
            if parsed.birth_date != facts.birth_date:
                reasons.append(_("出生日期%(b)s与身份证号码（%(i)s）不一致") % {
                    "b": facts.birth_date.isoformat(), "i": parsed.birth_date.isoformat()})
            if parsed.sex != facts.sex:
                reasons.append(_("性别与身份证号码不一致"))
    if facts.birth_date > on_date:
        reasons.append(_("出生日期不能晚于%(d)s") % {"d": on_date.isoformat()})
    else:
        age = age_on(facts.birth_date, on_date)
        if age < min_age:
            reasons.append(_("年龄%(age)d周岁，未满%(min)d周岁") % {"age": age, "min": min_age})
    working_age_from = _add_years(facts.birth_date, min_age)
    start = working_age_from
    if facts.work_started_on is not None:
        if facts.work_started_on > on_date:
            reasons.append(_("参加工作时间不能晚于%(d)s") % {"d": on_date.isoformat()})
        if facts.work_started_on < working_age_from:
            flags.append(_("参加工作时间%(w)s早于年满%(min)d周岁，请核实") % {
                "w": facts.work_started_on.isoformat(), "min": min_age})
        start = max(start, facts.work_started_on)
    possible = _years_between(start, on_date)
    if facts.years_in_occupation > possible:
        reasons.append(_("本职业工作年限%(have)s年，超过年满%(min)d周岁（或参加工作）以来的%(can)s年") % {
            "have": _years(facts.years_in_occupation), "min": min_age, "can": _years(possible)})
    if facts.graduated_on is not None:
        if facts.graduated_on > on_date:
            reasons.append(_("毕业时间%(g)s晚于%(d)s") % {"g": facts.graduated_on.isoformat(), "d": on_date.isoformat()})
        if facts.graduated_on <= facts.birth_date:
            reasons.append(_("毕业时间应晚于出生日期"))
        if (facts.school_kind and facts.work_started_on is not None
                and facts.work_started_on < facts.graduated_on):
            flags.append(_("参加工作时间早于毕业时间，请核实本职业工作年限是否计入了在校期间"))
    return reasons, flags


# ---------------------------------------------------------------------------------------------
# The engine


def evaluate(candidate: CandidateFacts, *, occupation_id: int, level: int, rules: Sequence[RuleData],
             min_age: int, on_date: dt.date, extra_reasons: Sequence[str] = (),
             kind: str = BatchKind.LEVEL) -> Verdict:
    """Pure: the verdict for these facts applying for `occupation_id` at level code `level`.
    `extra_reasons` are refusals found elsewhere (the database checks of
    `evaluate_application`); like any reason, they make the verdict ineligible.

    A special vocational ability assessment (`kind` "special") has no level, so no level
    rule, seniority or route applies [seed 004 (十): a skill unit open to whoever needs it
    for employment]: only the consistency checks (minimum age, ID, dates) decide."""
    reasons, flags = check_consistency(candidate, min_age=min_age, on_date=on_date)
    reasons.extend(extra_reasons)
    if kind == BatchKind.SPECIAL:
        if reasons:
            return Verdict(False, reasons=reasons, flags=flags)
        return Verdict(True, route=Route.NORMAL.value, flags=flags, rule_label=_(
            "专项职业能力考核：不设等级、工作年限和学历条件，年满%(min)d周岁") % {"min": min_age})
    if level not in LEVEL_NAMES:
        return Verdict(False, reasons=[*reasons, _("申报等级代码%(l)s不正确") % {"l": level}], flags=flags)

    results: dict[str, _RouteResult] = {
        Route.NORMAL.value: _normal(candidate, occupation_id, level, rules, on_date),
        Route.SKIP_LEVEL.value: _skip_level(candidate, occupation_id, level, rules),
        Route.EXCEPTIONAL.value: _exceptional(candidate, level),
        Route.COMPETITION.value: _competition(candidate),
    }
    order = [Route.NORMAL.value, Route.SKIP_LEVEL.value, Route.COMPETITION.value, Route.EXCEPTIONAL.value]
    if candidate.requested_route == Route.EXCEPTIONAL:
        order = [Route.NORMAL.value, Route.SKIP_LEVEL.value, Route.EXCEPTIONAL.value, Route.COMPETITION.value]
    chosen = next((route for route in order if results[route].holds), None)

    if chosen is None:
        for route in (Route.NORMAL.value, Route.SKIP_LEVEL.value, Route.EXCEPTIONAL.value, Route.COMPETITION.value):
            reasons.extend(results[route].failures)
        return Verdict(False, reasons=reasons, flags=flags)

    if reasons:  # a route holds, but the facts do not stand
        return Verdict(False, reasons=reasons, flags=flags)
    result = results[chosen]
    flags.extend(result.flags)
    requested = candidate.requested_route or Route.NORMAL.value
    if requested != chosen and requested in Route.values:
        flags.append(_("申报类别为“%(a)s”，按“%(b)s”条件判定符合") % {
            "a": str(Route(requested).label), "b": str(Route(chosen).label)})
    return Verdict(True, route=chosen, rule_label=result.label, flags=flags)


def facts_from_application(application: Application) -> CandidateFacts:
    """The facts of a stored application; uses its prefetched certificates and awards
    when present."""
    person = application.person
    return CandidateFacts(
        birth_date=application.birth_date,
        sex=application.sex,
        id_number=person.id_number or "",
        id_is_resident=person.id_type.is_resident_id,
        work_started_on=application.work_started_on,
        years_in_occupation=Decimal(application.years_in_occupation),
        school_kind=application.school_kind or "",
        major_matches=application.major_matches,
        graduated_on=application.graduated_on,
        apprenticeship_completed=application.apprenticeship_completed,
        requested_route=application.requested_route or Route.NORMAL.value,
        certificates=tuple(CertificateFact(c.kind, c.occupation_id, c.level, c.issued_on)
                           for c in application.certificates.all()),
        awards=tuple(AwardFact(a.kind, a.tier, a.rank, a.filed_competition) for a in application.awards.all()),
    )


def evaluate_application(application: Application, *, on_date: dt.date | None = None) -> Verdict:
    """The verdict on a stored application: the pure engine on its facts, with the
    organisation's policy profile (minimum age), on the batch's registration closing
    date by default, plus the database checks (the same person in another open
    application of the batch; the level already held)."""
    row = (Application.objects
           .select_related("batch__organisation__jurisdiction", "item__level", "person__id_type")
           .prefetch_related("certificates", "awards")
           .get(pk=application.pk))
    batch = row.batch
    on_date = on_date or batch.registration_closes or timezone.localdate()
    profile = batch.organisation.jurisdiction.policy_profile()
    occupation_id = row.item.occupation_id
    level = row.item.level.code if row.item.level is not None else None
    facts = facts_from_application(row)

    extra: list[str] = []
    others = list(Application.objects.filter(batch_id=row.batch_id, person_id=row.person_id)
                  .exclude(pk=row.pk).exclude(status=Application.Status.WITHDRAWN)
                  .order_by("number").values_list("number", flat=True))
    if others:
        extra.append(_("同一人在本批次已有报名（报名号%(n)s）") % {"n": "、".join(others)})
    if level is not None and (
            any(c.kind in LEVEL_CERTIFICATE_KINDS and c.occupation_id == occupation_id and c.level == level
                for c in facts.certificates)
            or issued_certificate_exists(row.person, occupation_id, level)):
        extra.append(_("已持有本职业该等级证书，不能重复申报"))
    return evaluate(facts, occupation_id=occupation_id, level=level if level is not None else 0,
                    rules=rules_for(occupation_id), min_age=profile.min_candidate_age, on_date=on_date,
                    extra_reasons=extra, kind=batch.kind)


__all__ = [
    "DEFAULT_RULES",
    "DEFAULT_TEMPLATE",
    "AwardFact",
    "CandidateFacts",
    "CertificateFact",
    "RuleData",
    "Verdict",
    "age_on",
    "check_consistency",
    "eligibility_template_seed",
    "evaluate",
    "evaluate_application",
    "facts_from_application",
    "issued_certificate_exists",
    "rules_for",
    "skip_level_thresholds",
]
