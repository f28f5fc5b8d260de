"""A synthetic jurisdiction for benchmarks and for trying the system at scale
(`skilleval synthesize`, issue 9 item 3).

Organisations across the reference cities (filed with filing numbers, a few unfiled or
terminated), their approved scope, candidates with valid 18-digit resident ID numbers
(GB 11643 check character) and plausible Chinese names, batches at every stage with
their items, applications, results of the confirmed batches and certificates with
correct 22-digit numbers: the passed results' certificates plus a historical register
over the past years. The serial counters are written at the last serial used per
organisation, year and level, so certificates issued afterwards continue the sequence.

Rows are written in bulk: COPY on PostgreSQL, bulk_create elsewhere. Every value goes
through its model field's `get_db_prep_save` unless the field is one of Django's plain
types, so a field that transforms its value on the way to the database (an encrypted
ID number) keeps working. Primary keys are allocated here (above the table's maximum)
and the sequences reset afterwards. The data is marked by the organisations' e-mail
domain (`SYNTHETIC_EMAIL_DOMAIN`): a second run refuses unless asked to append."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.core.errors import DomainError
from skilleval.core.validators import resident_id_check_char, uscc_check_char

SYNTHETIC_EMAIL_DOMAIN = "synthetic.invalid"
CHUNK = 20_000

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国志红玉兰文斌宇浩然俊峰海燕晓东鹏飞雪梅立新"
         "春晖丹凤嘉欣子涵梓轩一鸣思远佳琪晨阳天佑国庆振华德明永强秋菊金凤家豪雨婷诗琪")
TRADE_WORDS = ("恒通", "华晟", "鑫源", "宏远", "天成", "中科", "瑞达", "金桥", "永兴", "海川", "新锐", "博创",
               "东方", "长江", "泰和", "安达", "联创", "精工", "盛世", "远航", "润丰", "嘉禾", "众诚", "卓越")
INDUSTRIES = ("机械制造", "电气设备", "汽车零部件", "化工", "食品", "建筑工程", "电子科技", "物流", "纺织",
              "新能源", "钢铁", "医药", "船舶", "家电", "轨道交通", "信息技术")
SUFFIXES = ("有限公司", "股份有限公司", "集团有限公司")
POSTS = ("车工", "钳工", "电工", "焊工", "装配工", "质检员", "维修工", "操作工", "仓管员", "数控操作员")
EDUCATIONS = ("初中", "高中", "中专", "技工学校", "大专", "本科")

# Distribution of batch stages (weights).
BATCH_STAGES = (("plan_confirmed", 55), ("announced", 12), ("plan_filed", 8), ("plan_returned", 5),
                ("draft", 12), ("cancelled", 8))

# Django's own field types whose Python value COPY / bulk_create take as is.
_PLAIN_FIELDS = frozenset({
    models.AutoField, models.BigAutoField, models.CharField, models.TextField, models.EmailField,
    models.IntegerField, models.SmallIntegerField, models.BigIntegerField, models.PositiveIntegerField,
    models.PositiveSmallIntegerField, models.BooleanField, models.DateField, models.DateTimeField,
    models.DecimalField, models.ForeignKey, models.OneToOneField, models.FileField,
})


@dataclass
class Sizes:
    organisations: int = 2_000
    candidates: int = 200_000
    certificates: int = 1_000_000
    batches_per_organisation: int | None = None  # None: 3 to 6 at random


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    method: str = ""


def synthetic_data_exists() -> bool:
    from skilleval.orgs.models import Organisation

    return Organisation.objects.filter(contact_email__endswith=f"@{SYNTHETIC_EMAIL_DOMAIN}").exists()


# --- bulk writing --------------------------------------------------------------------------------


class Writer:
    """Writes rows (dicts keyed by field attname) of one model with explicit primary keys."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.prepared = [type(f) not in _PLAIN_FIELDS for f in self.fields]
        pk = model._meta.pk
        assert pk is not None
        self.next_pk = (model._default_manager.aggregate(m=models.Max(pk.attname))["m"] or 0) + 1
        self.written = 0

    def allocate(self) -> int:
        pk = self.next_pk
        self.next_pk += 1
        return pk

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            self.model._default_manager.bulk_create([self.model(**{**self.defaults, **row}) for row in rows],
                                           batch_size=2_000)
        self.written += len(rows)

    def _copy(self, rows: list[dict[str, Any]]) -> None:
        qn = connection.ops.quote_name
        columns = ", ".join(qn(str(f.column)) for f in self.fields)
        specs = [(f, f.attname, self.defaults.get(f.attname), prep) for f, prep in zip(self.fields, self.prepared,
                                                                                     strict=True)]
        with connection.cursor() as cursor, cursor.copy(
                f"COPY {qn(self.model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for f, attname, default, prep in specs:
                    value = row.get(attname, default)
                    values.append(f.get_db_prep_save(value, connection) if prep else value)
                copy.write_row(values)

    def reset_sequence(self) -> None:
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(sql)


def _chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- generation ----------------------------------------------------------------------------------


@dataclass
class OrgInfo:
    pk: int
    name: str
    filing_number: str | None
    city_code: str
    jurisdiction_id: int
    filed: bool
    scope: list[tuple[int, int]]  # (occupation id, level id)
    people: list[tuple[int, str, str]] = field(default_factory=list)  # (person id, name, id number)
    counters: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))


class Synthesizer:
    def __init__(self, sizes: Sizes, seed: int, log: Callable[[str], None], today: dt.date | None = None):
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.log = log
        self.today = today or timezone.localdate()
        self.now = timezone.now()
        self.tag = self.now.strftime("%y%m%d%H%M%S")
        self.report = Report(method="COPY" if connection.vendor == "postgresql" else "bulk_create")

    # names and numbers
    def person_name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

    def resident_id(self, city_code: str, birth: dt.date, sex: str, taken: set[str]) -> str:
        while True:
            district = f"{city_code[:4]}{self.rng.choice((2, 3, 4, 11, 21, 22)):02d}"
            order = self.rng.randrange(0, 100) * 10 + self.rng.randrange(1 if sex == "M" else 0, 10, 2)
            first17 = f"{district}{birth:%Y%m%d}{order:03d}"
            number = first17 + resident_id_check_char(first17)
            if number not in taken:
                taken.add(number)
                return number

    def uscc(self, city_code: str, taken: set[str]) -> str:
        while True:
            first17 = f"91{city_code}MA{self.rng.randrange(10**7):07d}"
            first17 = first17[:17]
            code = first17 + uscc_check_char(first17)
            if code not in taken:
                taken.add(code)
                return code

    def run(self) -> Report:
        started = time.perf_counter()
        with transaction.atomic():
            self._prepare_reference()
            orgs = self._organisations()
            self._persons(orgs)
            confirmed_results = self._batches_and_applications(orgs)
            self._certificates(orgs, confirmed_results)
            self._counters(orgs)
            self._audit()
        self.report.seconds = round(time.perf_counter() - started, 1)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("accounts_person", "orgs_organisation", "batches_batch", "batches_application",
                              "results_result", "certificates_certificate", "certificates_serialcounter",
                              "certificates_certificatetally"):
                    cursor.execute(f"ANALYZE {table}")
        return self.report

    def _count(self, name: str, writer: Writer) -> None:
        self.report.counts[name] = writer.written
        writer.reset_sequence()

    def _prepare_reference(self) -> None:
        from skilleval.catalog.models import IDType, Jurisdiction, Level, Occupation
        from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference

        if not Level.objects.filter(code__isnull=False).exists() or not IDType.objects.filter(code="201").exists():
            catalog_seed_reference()
        if not Occupation.objects.exists():
            catalog_load_sample()
        self.levels: dict[int, int] = {lv.code: lv.pk for lv in Level.objects.filter(code__isnull=False)
                                       if lv.code is not None}
        self.resident_id_type = IDType.objects.get(code="201").pk
        self.occupations = list(Occupation.objects.order_by("code").values_list("pk", "name")[:200])
        if not self.occupations:
            raise DomainError(_("职业目录为空，请先执行 skilleval import_catalog 或 seed_reference --sample。"))
        self.occupation_names = dict(self.occupations)
        # Cities where organisations file: every city, and provinces without cities (municipalities).
        jurisdictions = list(Jurisdiction.objects.select_related("parent"))
        with_children = {j.parent_id for j in jurisdictions if j.parent_id}
        self.cities = sorted((j for j in jurisdictions if j.level == Jurisdiction.Level.CITY or j.pk not in with_children),
                             key=lambda j: j.code)
        if not self.cities:
            raise DomainError(_("没有辖区数据，请先执行 skilleval seed_reference。"))

    def _organisations(self) -> list[OrgInfo]:
        from skilleval.orgs.models import Nature, Organisation, ScopeItem

        self.log(_("生成 %(n)d 家机构") % {"n": self.sizes.organisations})
        taken_uscc = set(Organisation.objects.values_list("uscc", flat=True))
        existing_filing = {number for number in Organisation.objects.exclude(filing_number=None)
                           .values_list("filing_number", flat=True) if number}
        next_serial: dict[str, int] = defaultdict(int)
        for number in existing_filing:
            stem = number[:7]
            next_serial[stem] = max(next_serial[stem], int(number[7:]))
        writer, scope_writer = Writer(Organisation), Writer(ScopeItem)
        level_codes = sorted(self.levels)  # 1..5
        rows, scope_rows, orgs = [], [], []
        for i in range(self.sizes.organisations):
            # The first organisation of a run is a filed private enterprise of the first city: a
            # predictable tenant to sign in to (and what the N+1 test looks at).
            city = self.rng.choice(self.cities) if i else self.cities[0]
            province = city.parent or city
            nature = self.rng.choices([Nature.PRIVATE, Nature.SOE, Nature.FOREIGN, Nature.PROVINCIAL_SOE,
                                       Nature.CENTRAL_SOE_BRANCH], weights=[60, 15, 10, 10, 5])[0] if i else Nature.PRIVATE
            jurisdiction = province if nature in (Nature.PROVINCIAL_SOE, Nature.CENTRAL_SOE_BRANCH) else city
            status = self.rng.choices([Organisation.Status.FILED, Organisation.Status.UNFILED,
                                       Organisation.Status.TERMINATED], weights=[90, 6, 4])[0] if i else \
                Organisation.Status.FILED
            pk = writer.allocate()
            city_short = city.name.removesuffix("市").removesuffix("省")
            name = (f"{city_short}{self.rng.choice(TRADE_WORDS)}{self.rng.choice(INDUSTRIES)}"
                    f"{self.rng.choice(SUFFIXES)}")
            filed_at = self.today - dt.timedelta(days=self.rng.randrange(30, 1000))
            row: dict[str, Any] = {
                "id": pk, "created_at": self.now, "updated_at": self.now, "name": name,
                "uscc": self.uscc(city.code, taken_uscc), "city_id": city.pk, "nature": nature,
                "jurisdiction_id": jurisdiction.pk, "address": f"{city.name}经济技术开发区{self.rng.randrange(1, 999)}号",
                "contact_person": self.person_name(), "contact_phone": f"1{self.rng.randrange(3, 9)}{self.rng.randrange(10**9):09d}",
                "contact_email": f"org{self.tag}{i}@{SYNTHETIC_EMAIL_DOMAIN}", "status": status,
            }
            filing_number = None
            if status != Organisation.Status.UNFILED:
                stem = f"Y{jurisdiction.code}"
                next_serial[stem] += 1
                filing_number = f"{stem}{next_serial[stem]:06d}"
                row.update(filing_number=filing_number, filed_at=filed_at, filing_valid_from=filed_at,
                           filing_valid_until=filed_at.replace(year=filed_at.year + 3) - dt.timedelta(days=1)
                           if not (filed_at.month == 2 and filed_at.day == 29) else filed_at + dt.timedelta(days=1094),
                           cert_serial_start=1, cert_serial_end=999999,
                           last_evaluation_on=self.today - dt.timedelta(days=self.rng.randrange(10, 300)))
            if status == Organisation.Status.TERMINATED:
                row.update(terminated_at=self.now - dt.timedelta(days=self.rng.randrange(1, 200)),
                           termination_ground="inactive", termination_reason=_("连续一年以上未开展评价（合成数据）"))
            rows.append(row)
            scope: list[tuple[int, int]] = []
            if filing_number:
                for occupation_id, _name in self.rng.sample(self.occupations, min(3, len(self.occupations))):
                    for code in self.rng.sample(level_codes, 2):
                        scope.append((occupation_id, self.levels[code]))
                        scope_rows.append({"id": scope_writer.allocate(), "created_at": self.now,
                                           "updated_at": self.now, "organisation_id": pk,
                                           "occupation_id": occupation_id, "level_id": self.levels[code],
                                           "standard_kind": "national", "added_on": filed_at})
            orgs.append(OrgInfo(pk=pk, name=name, filing_number=filing_number, city_code=city.code,
                                jurisdiction_id=jurisdiction.pk, filed=status == Organisation.Status.FILED, scope=scope))
        writer.write(rows)
        scope_writer.write(scope_rows)
        self._count("organisations", writer)
        self._count("scope_items", scope_writer)
        return orgs

    def _persons(self, orgs: list[OrgInfo]) -> None:
        from skilleval.accounts.models import Person

        self.log(_("生成 %(n)d 名考生") % {"n": self.sizes.candidates})
        writer = Writer(Person)
        taken: set[str] = set()
        if writer.next_pk > 1:
            taken.update(Person.objects.filter(id_type_id=self.resident_id_type).values_list("id_number", flat=True))
        employers = [o for o in orgs if o.filing_number] or orgs

        def rows() -> Iterator[dict[str, Any]]:
            for _i in range(self.sizes.candidates):
                org = self.rng.choice(employers)
                sex = self.rng.choice("MF")
                birth = dt.date(1966, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 40 * 365))
                number = self.resident_id(org.city_code, birth, sex, taken)
                name = self.person_name()
                pk = writer.allocate()
                org.people.append((pk, name, number))
                yield {"id": pk, "created_at": self.now, "updated_at": self.now, "id_type_id": self.resident_id_type,
                       "id_number": number, "name": name, "sex": sex, "birth_date": birth,
                       "phone": f"1{self.rng.randrange(3, 9)}{self.rng.randrange(10**9):09d}", "organisation_id": org.pk}

        for chunk in _chunks(rows()):
            writer.write(chunk)
            self.log(_("  考生 %(n)d / %(t)d") % {"n": writer.written, "t": self.sizes.candidates})
        self._count("persons", writer)

    def _batches_and_applications(self, orgs: list[OrgInfo]) -> list[tuple[OrgInfo, dict[str, Any]]]:
        """Batches at every stage; each candidate applies once in a batch of their employer.
        Returns the passed results of confirmed batches (for their certificates)."""
        from skilleval.batches.models import Application, Batch, BatchItem
        from skilleval.results.models import Result, ResultBook

        self.log(_("生成认定批次、申报与成绩"))
        batch_w, item_w, app_w, result_w = Writer(Batch), Writer(BatchItem), Writer(Application), Writer(Result)
        book_w = Writer(ResultBook)
        book_rows: list[dict[str, Any]] = []
        stages, weights = zip(*BATCH_STAGES, strict=True)
        passed: list[tuple[OrgInfo, dict[str, Any]]] = []
        batch_rows: list[dict[str, Any]] = []
        item_rows: list[dict[str, Any]] = []
        app_rows: list[dict[str, Any]] = []
        result_rows: list[dict[str, Any]] = []
        for n, org in enumerate(orgs):
            if not org.filing_number or not org.scope:
                continue
            open_batches: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
            count = self.sizes.batches_per_organisation or self.rng.randrange(3, 7)
            for b in range(count):
                # The run's first organisation has one batch at each stage in turn, from confirmed.
                status = stages[b % len(stages)] if n == 0 else self.rng.choices(stages, weights=weights)[0]
                if not org.filed and status not in ("plan_confirmed", "cancelled"):
                    status = "plan_confirmed"
                days_ago = self.rng.randrange(0, 60) if status in ("announced", "draft", "plan_filed",
                                                                   "plan_returned") else self.rng.randrange(60, 900)
                opens = self.today - dt.timedelta(days=days_ago)
                first_exam = opens + dt.timedelta(days=30)
                pk = batch_w.allocate()
                batch = {
                    "id": pk, "created_at": self.now, "updated_at": self.now, "organisation_id": org.pk,
                    "code": f"SYN{self.tag}-{pk:08d}",
                    "name": _("%(y)d年第%(n)d期职业技能等级认定") % {"y": opens.year, "n": b + 1},
                    "status": status, "registration_opens": opens, "registration_closes": opens + dt.timedelta(days=14),
                    "first_exam_date": first_exam, "last_exam_date": first_exam + dt.timedelta(days=2),
                    "sites": _("本单位培训中心"), "contact": f"{self.person_name()} 0551-6{self.rng.randrange(10**6):06d}",
                    "announced_at": None if status == "draft" else self.now - dt.timedelta(days=days_ago),
                }
                if status in ("plan_filed", "plan_returned", "plan_confirmed"):
                    batch.update(plan_filed_on=opens + dt.timedelta(days=15), plan_jurisdiction_id=org.jurisdiction_id,
                                 plan_filed_at=self.now - dt.timedelta(days=max(days_ago - 15, 0)))
                if status in ("plan_returned", "plan_confirmed"):
                    batch["plan_decided_at"] = self.now - dt.timedelta(days=max(days_ago - 20, 0))
                if status == "plan_confirmed":
                    book_rows.append({"id": book_w.allocate(), "created_at": self.now, "updated_at": self.now,
                                      "batch_id": pk, "compiled_at": self.now, "approved_at": self.now,
                                      "committee_note": _("评价委员会审定（合成数据）")})
                if status == "plan_returned":
                    batch["plan_return_reason"] = _("考评人员配比不足，请补充后重新报备。")
                batch_rows.append(batch)
                items = []
                for occupation_id, level_id in self.rng.sample(org.scope, min(2, len(org.scope))):
                    item = {"id": item_w.allocate(), "created_at": self.now, "updated_at": self.now,
                            "batch_id": pk, "occupation_id": occupation_id, "level_id": level_id,
                            "theory_weight": 40, "practical_weight": 60, "pass_mark": 60,
                            "exam_date": first_exam, "capacity": 200}
                    items.append(item)
                    item_rows.append(item)
                if status not in ("draft", "cancelled"):
                    open_batches.append((batch, items))
            if not open_batches:
                continue
            for person_id, name, id_number in org.people:
                batch, items = self.rng.choice(open_batches)
                item = self.rng.choice(items)
                app_pk = app_w.allocate()
                confirmed = batch["status"] == "plan_confirmed"
                status = "accepted" if confirmed else self.rng.choices(
                    ["submitted", "accepted", "returned", "rejected"], weights=[40, 40, 10, 10])[0]
                sex = "M" if int(id_number[16]) % 2 else "F"
                birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
                app_rows.append({
                    "id": app_pk, "created_at": self.now, "updated_at": self.now, "batch_id": batch["id"],
                    "item_id": item["id"], "person_id": person_id, "status": status,
                    "source": self.rng.choice(["online", "import"]), "number": f"SYN{self.tag}-{app_pk:09d}",
                    "name": name, "sex": sex, "birth_date": birth, "education": self.rng.choice(EDUCATIONS),
                    "work_started_on": birth + dt.timedelta(days=365 * 19), "phone": "13800000000",
                    "current_post": self.rng.choice(POSTS),
                    "post_occupation_id": item["occupation_id"], "years_in_occupation": Decimal(self.rng.randrange(2, 20)),
                    "eligible": status != "rejected", "route": "normal", "commitment_signed": True,
                    "evaluated_at": self.now, "reviewed_at": self.now if status != "submitted" else None,
                })
                if confirmed:
                    outcome = self.rng.choices(["passed", "failed", "absent"], weights=[82, 14, 4])[0]
                    theory = Decimal(self.rng.randrange(60 if outcome == "passed" else 30, 100))
                    practical = Decimal(self.rng.randrange(60 if outcome == "passed" else 30, 100))
                    result = {
                        "id": result_w.allocate(), "created_at": self.now, "updated_at": self.now,
                        "batch_id": batch["id"], "application_id": app_pk,
                        "status": "absent" if outcome == "absent" else "approved",
                        "passed": outcome == "passed", "approved_at": self.now,
                    }
                    if outcome != "absent":
                        result.update(theory_score=theory, practical_score=practical,
                                      total_score=(theory * 4 + practical * 6) / 10)
                    if outcome == "passed" and result["total_score"] < 60:
                        result["total_score"] = Decimal(60)
                    result_rows.append(result)
                    if outcome == "passed":
                        passed.append((org, {"result_id": result["id"], "batch_id": batch["id"],
                                             "person": (person_id, name, id_number),
                                             "occupation_id": item["occupation_id"], "level_id": item["level_id"],
                                             "issued_on": min(batch["last_exam_date"] + dt.timedelta(days=40),
                                                              self.today)}))
            if len(app_rows) >= CHUNK:
                batch_w.write(batch_rows)
                item_w.write(item_rows)
                app_w.write(app_rows)
                result_w.write(result_rows)
                batch_rows, item_rows, app_rows, result_rows = [], [], [], []
                self.log(_("  申报 %(n)d") % {"n": app_w.written})
        batch_w.write(batch_rows)
        item_w.write(item_rows)
        app_w.write(app_rows)
        result_w.write(result_rows)
        book_w.write(book_rows)
        for name, writer in (("batches", batch_w), ("batch_items", item_w), ("applications", app_w),
                             ("results", result_w), ("result_books", book_w)):
            self._count(name, writer)
        return passed

    def _certificates(self, orgs: list[OrgInfo], passed: list[tuple[OrgInfo, dict[str, Any]]]) -> None:
        from skilleval.certificates.models import Certificate
        from skilleval.certificates.services import certificate_number

        total = self.sizes.certificates
        self.log(_("生成 %(n)d 张证书") % {"n": total})
        writer = Writer(Certificate)
        level_code_of = {pk: code for code, pk in self.levels.items()}
        issuers = [o for o in orgs if o.filing_number and o.people and o.scope]
        if not issuers:
            self.report.counts["certificates"] = 0
            return

        def certificate(org: OrgInfo, person: tuple[int, str, str], occupation_id: int, level_id: int,
                        issued_on: dt.date, result_id: int | None = None, batch_id: int | None = None) -> dict:
            code = level_code_of[level_id]
            key = (issued_on.year, code)
            org.counters[key] += 1
            number = certificate_number(org, issued_on.year, code, org.counters[key])  # type: ignore[arg-type]
            roll = self.rng.random()
            status = "revoked" if roll < 0.003 else "reissued" if roll < 0.013 else "valid"
            row = {"id": writer.allocate(), "created_at": self.now, "updated_at": self.now, "number": number,
                   "organisation_id": org.pk, "year": issued_on.year, "level_id": level_id, "level_code": code,
                   "serial": org.counters[key], "batch_id": batch_id, "result_id": result_id,
                   "person_id": person[0], "name": person[1], "id_type_id": self.resident_id_type,
                   "id_number": person[2], "unit": org.name, "occupation_id": occupation_id, "issued_on": issued_on,
                   "evaluation_organisation": org.name, "issuing_organisation": org.name, "status": status,
                   "revision": 2 if status == "reissued" else 1}
            if status == "revoked":
                row.update(revoked_at=self.now, revoked_by_authority=True, revocation_ground="irregular",
                           revocation_reason=_("评价过程违规，结果无效（合成数据）"))
            return row

        def rows() -> Iterator[dict[str, Any]]:
            made = 0
            # Historical register first (older years), then the confirmed batches' certificates.
            historical = max(0, total - len(passed))
            for _i in range(historical):
                org = self.rng.choice(issuers)
                occupation_id, level_id = self.rng.choice(org.scope)
                year = self.today.year - self.rng.randrange(1, 6)
                issued_on = dt.date(year, self.rng.randrange(1, 13), self.rng.randrange(1, 29))
                yield certificate(org, self.rng.choice(org.people), occupation_id, level_id, issued_on)
                made += 1
            for org, p in passed[: total - made]:
                yield certificate(org, p["person"], p["occupation_id"], p["level_id"], p["issued_on"],
                                  result_id=p["result_id"], batch_id=p["batch_id"])

        for chunk in _chunks(rows(), 50_000):
            writer.write(chunk)
            self.log(_("  证书 %(n)d / %(t)d") % {"n": writer.written, "t": total})
        self._count("certificates", writer)
        from skilleval.certificates.tally import tally_rebuild

        tally_rebuild()  # the statistics' counts of the register, written here around the services

    def _counters(self, orgs: list[OrgInfo]) -> None:
        from skilleval.certificates.models import SerialCounter

        writer = Writer(SerialCounter)
        writer.write([{"id": writer.allocate(), "organisation_id": org.pk, "year": year, "level_code": code,
                       "last_serial": last}
                      for org in orgs for (year, code), last in org.counters.items()])
        self._count("serial_counters", writer)

    def _audit(self) -> None:
        from skilleval.core.audit import audit_record
        from skilleval.core.models import AuditEvent

        audit_record(actor=None, action=AuditEvent.Action.CREATE, object_type="synthetic",
                     object_repr=_("合成数据"), summary=_("生成合成辖区数据（skilleval synthesize）"),
                     after=dict(self.report.counts))


def synthesize(*, sizes: Sizes, seed: int = 20260315, append: bool = False,
               log: Callable[[str], None] = lambda line: None) -> Report:
    """Generate a synthetic jurisdiction; refuses when synthetic data exists unless `append`."""
    for name in ("organisations", "candidates", "certificates"):
        if getattr(sizes, name) < 0:
            raise DomainError(_("数量不能为负数。"), field=name)
    if sizes.organisations < 1 and (sizes.candidates or sizes.certificates):
        raise DomainError(_("至少需要 1 家机构才能生成考生和证书。"), field="organisations")
    if synthetic_data_exists() and not append:
        raise DomainError(_("数据库中已有合成数据（机构邮箱后缀 @%(d)s）。如需在其上追加，请加 --append。") % {
            "d": SYNTHETIC_EMAIL_DOMAIN})
    return Synthesizer(sizes, seed, log).run()
