"""Forms of the rooms and staff arrangement (考场编排): sites, rooms, a session's rooms,
declared conflicts, the automatic run and the manual adjustments. They parse input only;
the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from skilleval.accounts.models import Membership, User
from skilleval.batches.models import Application, BatchStaff

from .models import ExamRoom, ExamSite, RoomKind, StaffAssignment, StaffConflict
from .services.arrangement import ACCOUNT_ROLES, MAX_ROOM_CAPACITY


class SiteForm(forms.Form):
    name = forms.CharField(label=_("考点名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)


class SiteFilterForm(forms.Form):
    q = forms.CharField(label=_("考点名称或地址"), required=False)


class RoomForm(forms.Form):
    site = forms.ModelChoiceField(label=_("考点"), queryset=ExamSite.objects.none())
    name = forms.CharField(label=_("考场名称"), max_length=100)
    kind = forms.ChoiceField(label=_("考场类型"), choices=RoomKind.choices)
    capacity = forms.IntegerField(label=_("座位数"), min_value=1, max_value=MAX_ROOM_CAPACITY)
    has_video = forms.BooleanField(label=_("配备电子监控"), required=False, initial=True)
    notes = forms.CharField(label=_("说明"), max_length=200, required=False,
                            help_text=_("未配备电子监控的，写明保证全程留痕的措施（SD 4(5)1）"))

    def __init__(self, *args, organisation_id, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["site"]
        else:
            self.fields["site"].queryset = ExamSite.objects.filter(organisation_id=organisation_id)


class RoomFilterForm(forms.Form):
    q = forms.CharField(label=_("考场名称"), required=False)
    site = forms.ModelChoiceField(label=_("考点"), queryset=ExamSite.objects.none(), required=False,
                                  empty_label=_("全部"))
    kind = forms.ChoiceField(label=_("考场类型"), choices=[("", _("全部")), *RoomKind.choices], required=False)

    def __init__(self, *args, organisation_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = ExamSite.objects.filter(organisation_id=organisation_id)


class SessionRoomsForm(forms.Form):
    rooms = forms.ModelMultipleChoiceField(label=_("考场"), queryset=ExamRoom.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, session, room_kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rooms"].queryset = ExamRoom.objects.filter(
            site__organisation_id=session.batch.organisation_id, kind=room_kind).select_related("site")
        self.fields["rooms"].label_from_instance = lambda r: f"{r}（{r.capacity}座）"


class RunForm(forms.Form):
    seed = forms.IntegerField(label=_("随机种子（可选）"), min_value=0, max_value=2**31 - 1, required=False,
                              help_text=_("留空则随机生成；相同数据和种子得到相同的编排"))


class ConflictForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("考务人员"), queryset=BatchStaff.objects.none())
    application = forms.ModelChoiceField(label=_("须回避的考生"), queryset=Application.objects.none())
    kind = forms.ChoiceField(label=_("回避事由"), choices=StaffConflict.Kind.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, batch, staff_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset if staff_queryset is not None else batch.staff.all()
        self.fields["application"].queryset = batch.applications.exclude(
            status=Application.Status.WITHDRAWN).order_by("number")
        self.fields["application"].label_from_instance = lambda a: f"{a.name}（{a.number}）"


class ConflictFilterForm(forms.Form):
    q = forms.CharField(label=_("人员或考生姓名"), required=False)
    kind = forms.ChoiceField(label=_("回避事由"), choices=[("", _("全部")), *StaffConflict.Kind.choices],
                             required=False)


class MoveForm(forms.Form):
    ticket_number = forms.CharField(label=_("准考证号"), max_length=30)
    room = forms.ModelChoiceField(label=_("调入考场"), queryset=ExamRoom.objects.none())
    seat = forms.IntegerField(label=_("座位号（可选）"), min_value=1, required=False,
                              help_text=_("留空则安排该考场第一个空座"))

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = session.rooms.select_related("site")


class StaffAddForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("人员"), queryset=BatchStaff.objects.none())
    duty = forms.ChoiceField(label=_("岗位"), choices=StaffAssignment.Duty.choices)
    room = forms.ModelChoiceField(label=_("考场（监考人员、考评员）"), queryset=ExamRoom.objects.none(), required=False)
    site = forms.ModelChoiceField(label=_("考点（考点负责人）"), queryset=ExamSite.objects.none(), required=False)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = session.batch.staff.order_by("role", "name")
        self.fields["staff"].label_from_instance = lambda s: f"{s.name}（{s.get_role_display()}）"
        self.fields["room"].queryset = session.rooms.select_related("site")
        self.fields["site"].queryset = ExamSite.objects.filter(rooms__sessions=session).distinct()


class ReplaceForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("替换为"), queryset=BatchStaff.objects.none(), empty_label=_("选择替换人员"))

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = assignment.session.batch.staff.filter(role=assignment.staff.role).exclude(
            pk=assignment.staff_id).order_by("name")


class SwapForm(forms.Form):
    first = forms.ModelChoiceField(label=_("人员甲"), queryset=StaffAssignment.objects.none())
    second = forms.ModelChoiceField(label=_("人员乙"), queryset=StaffAssignment.objects.none())

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        rows = StaffAssignment.objects.filter(session__batch_id=session.batch_id, session__ends_at__gt=session.starts_at
                                              ).select_related("staff", "session", "room").order_by(
            "session__starts_at", "duty", "staff__name")
        self.fields["first"].queryset = rows.filter(session=session)
        self.fields["second"].queryset = rows
        label = lambda r: f"{r.staff.name}：{r.session.name} {r.room.name if r.room_id else ''}{r.get_duty_display()}"  # noqa: E731
        self.fields["first"].label_from_instance = label
        self.fields["second"].label_from_instance = label


class AccountLinkForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("名册人员"), queryset=BatchStaff.objects.none())
    user = forms.ModelChoiceField(label=_("登录账号"), queryset=User.objects.none(), required=False,
                                  empty_label=_("（取消关联）"))

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = batch.staff.order_by("role", "name")
        self.fields["staff"].label_from_instance = lambda s: f"{s.name}（{s.get_role_display()}）"
        roles = set().union(*ACCOUNT_ROLES.values())
        self.fields["user"].queryset = User.objects.filter(pk__in=Membership.objects.filter(
            organisation_id=batch.organisation_id, role__in=roles, is_active=True).values("user_id")).order_by(
            "username")
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name() or u.username}（{u.username}）"
