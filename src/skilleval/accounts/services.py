"""Every write to users, memberships, people and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.core.audit import audit_record
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.core.validators import parse_resident_id

from . import totp
from .models import ApiToken, Membership, Person, Role, User

TOKEN_PREFIX = "sk_"
USERNAME_RE = re.compile(r"[A-Za-z0-9_.-]{3,30}")


def _membership_scope(user: User) -> tuple[int | None, int | None]:
    m = user.memberships.filter(is_active=True).exclude(organisation=None, jurisdiction=None).first()
    return (m.organisation_id, m.jurisdiction_id) if m else (None, None)


@transaction.atomic
def user_create(
    *, actor: Any, username: str, full_name: str, password: str, roles: list[str] = (),  # type: ignore[assignment]
    organisation: Any = None, jurisdiction: Any = None, phone: str = "",
) -> User:
    """Create a user with their roles. Organisation roles need the organisation,
    the authority role the jurisdiction; one user belongs to one place."""
    if not USERNAME_RE.fullmatch(username or ""):
        raise DomainError(_("用户名为3至30位字母、数字、下划线、点或连字符。"), field="username")
    if User.objects.filter(username=username).exists():
        raise DomainError(_("用户名“%(u)s”已被使用。") % {"u": username}, field="username")
    user = User(username=username, full_name=full_name, phone=phone)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), field="password") from None
    user.set_password(password)
    user.is_staff = Role.PLATFORM_ADMIN in roles
    user.is_superuser = Role.PLATFORM_ADMIN in roles
    user.save()
    for role in roles:
        membership_add(actor=actor, user=user, role=role, organisation=organisation, jurisdiction=jurisdiction)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=user,
                 after={"username": username, "full_name": full_name, "roles": list(roles)},
                 organisation_id=getattr(organisation, "pk", None), jurisdiction_id=getattr(jurisdiction, "pk", None))
    return user


def membership_add(*, actor: Any, user: User, role: str, organisation: Any = None, jurisdiction: Any = None) -> Membership:
    if role == Role.AUTHORITY:
        organisation = None
        if jurisdiction is None:
            raise DomainError(_("人社部门工作人员必须指定所属辖区。"), field="jurisdiction")
    elif role == Role.PLATFORM_ADMIN:
        organisation = jurisdiction = None
    else:
        jurisdiction = None
        if organisation is None:
            raise DomainError(_("机构角色必须指定所属机构。"), field="organisation")
    other = user.memberships.exclude(organisation=organisation, jurisdiction=jurisdiction).exclude(
        organisation=None, jurisdiction=None
    )
    if (organisation or jurisdiction) and other.exists():
        raise DomainError(_("一个账号只能属于一个机构或一个人社部门。"))
    membership, _created = Membership.objects.get_or_create(
        user=user, role=role, defaults={"organisation": organisation, "jurisdiction": jurisdiction}
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=membership,
                 after={"user": user.username, "role": role},
                 organisation_id=getattr(organisation, "pk", None), jurisdiction_id=getattr(jurisdiction, "pk", None))
    return membership


@transaction.atomic
def person_create(
    *, actor: Any, id_type: Any, id_number: str, name: str, sex: str = "", birth_date: dt.date | None = None,
    phone: str = "", user: User | None = None, organisation: Any = None,
) -> Person:
    """Register a person. For a resident ID the birth date and sex come from the number
    and must agree with what was given."""
    id_number = id_number.strip().upper()
    if id_type.is_resident_id:
        try:
            parsed = parse_resident_id(id_number)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="id_number") from None
        if birth_date and birth_date != parsed.birth_date:
            raise DomainError(_("出生日期与身份证号码不一致。"), field="birth_date")
        if sex and sex != parsed.sex:
            raise DomainError(_("性别与身份证号码不一致。"), field="sex")
        birth_date, sex = parsed.birth_date, parsed.sex
    if not birth_date or not sex:
        raise DomainError(_("请填写出生日期和性别。"), field="birth_date")
    if Person.objects.filter(id_type=id_type, id_number=id_number).exists():
        raise DomainError(_("该证件号码已登记。"), field="id_number")
    person = Person.objects.create(id_type=id_type, id_number=id_number, name=name.strip(), sex=sex,
                                   birth_date=birth_date, phone=phone, user=user, organisation=organisation)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=person,
                 after={"name": person.name, "id_type": id_type.code, "id_number": person.masked_id_number},
                 organisation_id=getattr(organisation, "pk", None))
    return person


def login_failed(*, username: str, ip_address: str | None = None) -> User | None:
    """Count a failed login; lock the account when the limit is reached."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            return None
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count"])
        audit_record(actor=None, action=AuditEvent.Action.LOGIN_FAILED, obj=user, ip_address=ip_address,
                     summary=_("第 %(n)d 次连续登录失败") % {"n": user.failed_login_count})
        if user.failed_login_count >= settings.SKILLEVAL_LOGIN_MAX_FAILURES:
            user.locked_until = timezone.now() + dt.timedelta(minutes=settings.SKILLEVAL_LOGIN_LOCK_MINUTES)
            user.failed_login_count = 0
            user.save(update_fields=["locked_until", "failed_login_count"])
            audit_record(actor=None, action=AuditEvent.Action.LOCKED, obj=user, ip_address=ip_address,
                         summary=_("连续登录失败，账号锁定至 %(t)s") % {
                             "t": timezone.localtime(user.locked_until).strftime("%Y-%m-%d %H:%M")})
    return user


def login_succeeded(*, user: User, ip_address: str | None = None) -> None:
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    audit_record(actor=user, action=AuditEvent.Action.LOGIN, obj=user, ip_address=ip_address)


def logged_out(*, user: User, ip_address: str | None = None) -> None:
    audit_record(actor=user, action=AuditEvent.Action.LOGOUT, obj=user, ip_address=ip_address)


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise DomainError(_("原密码不正确。"), field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), field="new_password1") from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    organisation_id, jurisdiction_id = _membership_scope(user)
    audit_record(actor=user, action=AuditEvent.Action.PASSWORD, obj=user,
                 organisation_id=organisation_id, jurisdiction_id=jurisdiction_id)


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor's own user; the key is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写令牌用途。"), field="name")
    if len(name) > 100:
        raise DomainError(_("用途不能超过100个字符。"), field="name")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor.user, name=name, prefix=key[:10], key_hash=_hash_key(key))
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=token, after={"name": name, "prefix": token.prefix},
                 organisation_id=actor.organisation_id, jurisdiction_id=actor.jurisdiction_id)
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> None:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise DomainError(_("该令牌已吊销。"))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.TRANSITION, obj=token, summary=_("吊销 API 令牌"),
                 organisation_id=actor.organisation_id, jurisdiction_id=actor.jurisdiction_id)


def api_token_authenticate(key: str) -> User | None:
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash_key(key), revoked_at=None).first()
    if token is None or not token.user.is_active or token.user.is_locked():
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# ---------------------------------------------------------------------------------------------
# Second factor (TOTP), offered to authority staff and organisation administrators

SECOND_FACTOR_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.AUTHORITY, Role.ORG_ADMIN})


def second_factor_offered(user: User) -> bool:
    return user.memberships.filter(is_active=True, role__in=SECOND_FACTOR_ROLES).exists()


def _totp_audit(user: User, summary: str) -> None:
    organisation_id, jurisdiction_id = _membership_scope(user)
    audit_record(actor=user, action=AuditEvent.Action.UPDATE, obj=user, summary=summary,
                 organisation_id=organisation_id, jurisdiction_id=jurisdiction_id)


@transaction.atomic
def totp_setup_begin(*, user: User) -> str:
    """A new secret for the user's authenticator app; it takes effect only once a code
    from the app has been confirmed with `totp_enable`."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not second_factor_offered(user):
        raise DomainError(_("动态口令仅面向人社部门工作人员和机构管理员。"))
    if user.totp_enabled_at is not None:
        raise DomainError(_("动态口令已启用；如需更换手机，请先停用再重新绑定。"))
    user.totp_secret = totp.secret_new()
    user.save(update_fields=["totp_secret"])
    return user.totp_secret


@transaction.atomic
def totp_enable(*, user: User, code: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.totp_enabled_at is not None:
        raise DomainError(_("动态口令已启用。"))
    if not user.totp_secret:
        raise DomainError(_("请先生成绑定密钥。"))
    step = totp.matching_step(user.totp_secret, code)
    if step is None:
        raise DomainError(_("动态口令不正确：请输入验证器应用当前显示的6位数字，并核对手机时间。"), field="code")
    user.totp_enabled_at = timezone.now()
    user.totp_last_step = step
    user.save(update_fields=["totp_enabled_at", "totp_last_step"])
    _totp_audit(user, _("启用登录动态口令（双因素认证）"))
    return user


@transaction.atomic
def totp_disable(*, user: User, password: str) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(password or ""):
        raise DomainError(_("密码不正确。"), field="password")
    if user.totp_enabled_at is None:
        raise DomainError(_("动态口令未启用。"))
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = "", None, 0
    user.save(update_fields=["totp_secret", "totp_enabled_at", "totp_last_step"])
    _totp_audit(user, _("停用登录动态口令（双因素认证）"))
    return user


def totp_check_login(*, user: User, code: str, ip_address: str | None = None) -> bool:
    """The second login step. A code counts once (a replayed code is refused) and a
    wrong code counts as a failed login towards the lockout."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_locked():
            return False
        step = totp.matching_step(locked.totp_secret, code) if locked.totp_enabled_at else None
        if step is not None and step > locked.totp_last_step:
            User.objects.filter(pk=user.pk).update(totp_last_step=step)
            return True
    login_failed(username=user.username, ip_address=ip_address)
    return False
