"""Forms of the question bank pages. Each entry form runs the service's own check in
`clean()`, so every Chinese message lands at its field in one round; the services
check again when they write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ItemKind, ItemStatus
from .services import bank

LETTERS = bank.LETTERS


def _level_choices(blank: str | None = None) -> list[tuple[Any, str]]:
    choices: list[tuple[Any, str]] = [("", blank)] if blank is not None else []
    return choices + sorted(bank.level_labels().items(), reverse=True)


def _occupation_choices(organisation_id: int, extra: Any = None, blank: str = "") -> list[tuple[str, str]]:
    occupations = {o.code: o for o in bank.bank_occupations(organisation_id)}
    if extra is not None and extra.code not in occupations:
        occupations[extra.code] = extra
    return [("", blank or "——")] + [(code, f"{code} {o.name}") for code, o in sorted(occupations.items())]


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class _BankEntryForm(forms.Form):
    """Shared: the occupation choices of the organisation's scope, required-field
    messages in the services' words, and the service check in clean()."""

    required_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, organisation_id: int, instance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id = organisation_id
        self.instance = instance
        _set_choices(self, "occupation", _occupation_choices(
            organisation_id, instance.occupation if instance is not None else None, blank=str(_("请选择职业"))))
        _set_choices(self, "level", _level_choices(str(_("请选择等级"))))
        for name in self.required_fields:
            field = self.fields[name]
            field.required = True
            verb = _("请选择%(f)s。") if isinstance(field, forms.ChoiceField) else _("请填写%(f)s。")
            field.error_messages["required"] = verb % {"f": field.label}

    def run_check(self, problems: list[tuple[str, str]]) -> None:
        for name, message in problems:
            target = name if name in self.fields else ("option_a" if name == "options" else None)
            if target is not None and target in self.errors:
                continue
            self.add_error(target, message)


class QuestionItemForm(_BankEntryForm):
    required_fields = ("code", "occupation", "level", "kind", "stem", "answer", "knowledge_point", "difficulty")

    code = forms.CharField(label=_("试题编号"), max_length=40,
                           help_text=_("本单位内唯一，如 CG5-0001；可用字母、数字、汉字和 - _ ."))
    occupation = forms.ChoiceField(label=_("职业"), help_text=_("只能选择本单位当前备案范围内的职业"))
    level = forms.ChoiceField(label=_("等级"))
    kind = forms.ChoiceField(label=_("题型"), choices=[("", _("请选择题型")), *ItemKind.choices])
    stem = forms.CharField(label=_("题干"), widget=forms.Textarea(attrs={"rows": 4}), max_length=bank.STEM_MAX)
    option_a = forms.CharField(label=_("选项A"), required=False, max_length=bank.OPTION_MAX)
    option_b = forms.CharField(label=_("选项B"), required=False, max_length=bank.OPTION_MAX)
    option_c = forms.CharField(label=_("选项C"), required=False, max_length=bank.OPTION_MAX)
    option_d = forms.CharField(label=_("选项D"), required=False, max_length=bank.OPTION_MAX)
    option_e = forms.CharField(label=_("选项E"), required=False, max_length=bank.OPTION_MAX)
    option_f = forms.CharField(label=_("选项F"), required=False, max_length=bank.OPTION_MAX)
    answer = forms.CharField(
        label=_("标准答案"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("单选填一个字母（如 A）；多选填两个以上字母（如 ABD）；判断填“对”或“错”；简答填参考答案（评分要点）"))
    knowledge_point = forms.CharField(label=_("鉴定要素（知识点）"), max_length=100)
    difficulty = forms.ChoiceField(label=_("难度"), initial="3",
                                   choices=[(str(i), label) for i, label in (
                                       (1, _("1 易")), (2, _("2 较易")), (3, _("3 中等")), (4, _("4 较难")),
                                       (5, _("5 难")))])

    @classmethod
    def initial_from(cls, item: Any) -> dict[str, Any]:
        data = bank.item_data_from(item)
        initial = {"code": data.code, "occupation": data.occupation_code, "level": str(data.level), "kind": data.kind,
                   "stem": data.stem, "answer": data.answer, "knowledge_point": data.knowledge_point,
                   "difficulty": str(data.difficulty)}
        initial.update({f"option_{x.lower()}": data.options.get(x, "") for x in LETTERS})
        return initial

    def item_data(self) -> bank.ItemData:
        data = self.cleaned_data
        return bank.ItemData(
            code=data.get("code", ""), occupation_code=data.get("occupation", ""), level=data.get("level", ""),
            kind=data.get("kind", ""), stem=data.get("stem", ""),
            options={x: data.get(f"option_{x.lower()}", "") for x in LETTERS}, answer=data.get("answer", ""),
            knowledge_point=data.get("knowledge_point", ""), difficulty=data.get("difficulty", ""))

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        _checked, problems = bank.question_item_check(organisation_id=self.organisation_id, data=self.item_data())
        self.run_check(problems)
        return cleaned


class PracticalTaskForm(_BankEntryForm):
    required_fields = ("code", "occupation", "level", "title", "description", "duration_minutes", "rubric")

    code = forms.CharField(label=_("试题编号"), max_length=40, help_text=_("本单位内唯一，如 CG5-SC-01"))
    occupation = forms.ChoiceField(label=_("职业"), help_text=_("只能选择本单位当前备案范围内的职业"))
    level = forms.ChoiceField(label=_("等级"))
    title = forms.CharField(label=_("试题名称"), max_length=200)
    description = forms.CharField(label=_("试题内容与要求"), widget=forms.Textarea(attrs={"rows": 5}))
    duration_minutes = forms.CharField(label=_("考核时间（分钟）"), initial="120",
                                       widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    rubric = forms.CharField(
        label=_("评分标准"), widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}),
        help_text=_("每行一项，格式“项目|分值|评分标准”，如：尺寸精度|40|外圆φ40±0.02，每超差0.01扣5分。"
                    "分值为正整数，总分须大于0。"))

    @classmethod
    def initial_from(cls, task: Any) -> dict[str, Any]:
        data = bank.task_data_from(task)
        return {"code": data.code, "occupation": data.occupation_code, "level": str(data.level), "title": data.title,
                "description": data.description, "duration_minutes": str(data.duration_minutes),
                "rubric": data.rubric}

    def task_data(self) -> bank.TaskData:
        data = self.cleaned_data
        return bank.TaskData(code=data.get("code", ""), occupation_code=data.get("occupation", ""),
                             level=data.get("level", ""), title=data.get("title", ""),
                             description=data.get("description", ""),
                             duration_minutes=data.get("duration_minutes", ""), rubric=data.get("rubric", ""))

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        _checked, problems = bank.practical_task_check(organisation_id=self.organisation_id, data=self.task_data())
        self.run_check(problems)
        return cleaned


class _BankFilterForm(forms.Form):
    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "occupation", _occupation_choices(organisation_id, blank=str(_("全部"))))
        _set_choices(self, "level", _level_choices(str(_("全部"))))

    def describe(self) -> str:
        """The filters in use, in words (for the export's audit event)."""
        if not self.is_bound or not self.is_valid():
            return ""
        parts = []
        for name, value in self.cleaned_data.items():
            if value in ("", None):
                continue
            field = self.fields[name]
            shown = dict(getattr(field, "choices", ())).get(value, value) if hasattr(field, "choices") else value
            parts.append(f"{field.label}：{shown}")
        return "；".join(parts)


class QuestionItemFilterForm(_BankFilterForm):
    q = forms.CharField(label=_("试题编号/题干"), required=False, max_length=100)
    occupation = forms.ChoiceField(label=_("职业"), required=False)
    level = forms.ChoiceField(label=_("等级"), required=False)
    kind = forms.ChoiceField(label=_("题型"), required=False, choices=[("", _("全部")), *ItemKind.choices])
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *ItemStatus.choices])
    knowledge_point = forms.CharField(label=_("鉴定要素"), required=False, max_length=100)


class PracticalTaskFilterForm(_BankFilterForm):
    q = forms.CharField(label=_("试题编号/名称"), required=False, max_length=100)
    occupation = forms.ChoiceField(label=_("职业"), required=False)
    level = forms.ChoiceField(label=_("等级"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *ItemStatus.choices])


class BankImportForm(forms.Form):
    file = forms.FileField(label=_("理论试题表（XLSX）"))
    clean_rows_only = forms.BooleanField(
        label=_("只导入没有错误的行（有错误的行跳过并列入错误报告）"), required=False)


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("停用原因"), required=False, max_length=200)
