"""Forms of the exam day. They parse input only; services/examday.py decides. The
session records' forms are built from the field definitions in the service
(RECORD_SPECS), so the form, the API and the printed record never disagree."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Attempt, ExamIncident, ExamRoom, ExamSession, SessionMedia
from .services.examday import CATEGORIES, ID, QR, RecordSpec

DATETIME = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})
NO_AUTOFILL = {"autocomplete": "off", "spellcheck": "false"}
RADIO = forms.RadioSelect(attrs={"class": "form-check-input"})


class CheckInForm(forms.Form):
    """What the proctor's scanner typed (the QR code's text) or the ID number typed by hand."""

    method = forms.ChoiceField(choices=[(QR, QR), (ID, ID)], widget=forms.HiddenInput)
    code = forms.CharField(max_length=80, strip=True)


MAX_ID = 2**63 - 1


class AttemptsField(forms.ModelMultipleChoiceField):
    """Attempts by id; an id no database integer can hold is an invalid choice, not a query."""

    def _check_values(self, value):
        for pk in value:
            if not str(pk).isdigit() or int(pk) > MAX_ID:
                raise forms.ValidationError(_("所选考生无效。"), code="invalid_pk_value")
        return super()._check_values(value)


class AbsentForm(forms.Form):
    attempts = AttemptsField(label=_("未签到的考生"), queryset=Attempt.objects.none(),
                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attempts"].queryset = candidates
        self.fields["attempts"].label_from_instance = lambda a: (
            f"{a.application.name}（{a.ticket_number}，{a.room.name if a.room else '—'} {a.seat or ''}号）")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


def _rooms(session: ExamSession):
    return session.rooms.select_related("site").order_by("site__name", "name")


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=ExamIncident.Kind.choices, widget=RADIO)
    category = forms.ChoiceField(label=_("情形"), help_text=_("按《技能人才评价违纪违规行为处理规则》和突发事件处理办法的情形选择"))
    ticket_number = forms.CharField(label=_("考生准考证号"), max_length=30, required=False,
                                    help_text=_("违纪违规必填；突发事件涉及具体考生时填写"),
                                    widget=forms.TextInput(attrs=NO_AUTOFILL))
    room = forms.ModelChoiceField(label=_("考场"), queryset=ExamRoom.objects.none(), required=False)
    occurred_at = forms.DateTimeField(label=_("发生时间"), widget=DATETIME)
    description = forms.CharField(label=_("经过"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    handling = forms.ChoiceField(label=_("处理（违纪违规为建议，由质量督导员认定）"), choices=ExamIncident.Handling.choices,
                                 required=False, help_text=_("留空按该情形的通常处理"))
    handling_note = forms.CharField(label=_("处理说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                    max_length=2000)

    def __init__(self, *args, session: ExamSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.fields["category"].choices = [("", _("请选择情形"))] + [
            (str(kind_label), [(c.label, c.label) for c in CATEGORIES if c.kind == kind])
            for kind, kind_label in ExamIncident.Kind.choices]
        self.fields["room"].queryset = _rooms(session)
        self.fields["handling"].choices = [("", _("按通常处理")), *ExamIncident.Handling.choices]

    def clean_ticket_number(self):
        ticket = (self.cleaned_data.get("ticket_number") or "").strip()
        if not ticket:
            return None
        attempt = self.session.attempts.filter(ticket_number=ticket.upper()).first()
        if attempt is None:
            raise forms.ValidationError(_("本场次没有该准考证号的考生。"))
        return attempt


class DecideForm(forms.Form):
    handling = forms.ChoiceField(label=_("认定处理"), choices=ExamIncident.Handling.choices)
    handling_note = forms.CharField(label=_("认定依据"), max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("违纪违规事实、证据和适用的规则"))

    def __init__(self, *args, incident: ExamIncident | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if incident is not None:
            from .services.examday import CATEGORIES_BY_LABEL, VIOLATION_HANDLINGS

            spec = CATEGORIES_BY_LABEL.get(incident.category)
            allowed = spec.handlings if spec else tuple(VIOLATION_HANDLINGS)
            self.fields["handling"].choices = [(h, ExamIncident.Handling(h).label) for h in allowed]
            self.fields["handling"].initial = incident.handling


def record_form_class(spec: RecordSpec, session: ExamSession) -> type[forms.Form]:
    """A form for one kind of record, its fields from the kind's definition."""
    fields: dict[str, forms.Field] = {}
    if spec.per_room:
        fields["room"] = forms.ModelChoiceField(label=_("考场"), queryset=_rooms(session),
                                                required=session.rooms.exists())
    for f in spec.fields:
        common = {"label": f.label, "required": f.required, "help_text": f.help}
        if f.type == "bool":
            fields[f.name] = forms.TypedChoiceField(
                choices=[("yes", _("是")), ("no", _("否"))], widget=RADIO, coerce=lambda v: v == "yes",
                **{**common, "required": True})
        elif f.type == "int":
            fields[f.name] = forms.IntegerField(min_value=0, **common)
        elif f.type == "datetime":
            fields[f.name] = forms.DateTimeField(widget=DATETIME, **common)
        elif f.type == "choice":
            fields[f.name] = forms.ChoiceField(choices=[("", "—"), *[(c, c) for c in f.choices]], **common)
        elif f.type == "textarea":
            fields[f.name] = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, **common)
        else:
            fields[f.name] = forms.CharField(max_length=200, **common)
    return type(f"{spec.kind.title()}RecordForm", (forms.Form,), fields)


class MediaForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=SessionMedia.Kind.choices, widget=RADIO,
                             initial=SessionMedia.Kind.PHOTO)
    file = forms.FileField(label=_("照片（JPG/PNG）"), required=False)
    reference = forms.CharField(label=_("录像存储位置"), max_length=300, required=False,
                                help_text=_("如：监控主机编号/通道/时间段，或存储路径"))
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    room = forms.ModelChoiceField(label=_("考场"), queryset=ExamRoom.objects.none(), required=False)

    def __init__(self, *args, session: ExamSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = _rooms(session)
