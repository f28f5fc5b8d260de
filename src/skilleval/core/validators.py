"""Identity numbers and enterprise codes: one implementation used by forms,
imports and the API. Each check raises ValidationError with a Chinese message."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 11643-1999: weights for the first 17 characters and the check-character table.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Province-level codes in use (GB/T 2260) for the first two digits.
_PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
}


@dataclass(frozen=True)
class ResidentId:
    number: str
    region_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_resident_id(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def parse_resident_id(value: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate an 18-character resident ID number (ID type 201) and return its parts."""
    number = normalize_resident_id(value)
    if len(number) != 18:
        raise ValidationError(_("居民身份证号码应为18位，当前为%(n)d位。") % {"n": len(number)}, code="length")
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(_("居民身份证号码前17位应为数字，最后一位为数字或X。"), code="format")
    if number[:2] not in _PROVINCE_CODES:
        raise ValidationError(_("居民身份证号码的地区码“%(code)s”无效。") % {"code": number[:6]}, code="region")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("居民身份证号码中的出生日期“%(d)s”不是有效日期。") % {"d": number[6:14]}, code="birth") from None
    today = today or dt.date.today()
    if birth.year < 1900 or birth > today:
        raise ValidationError(_("居民身份证号码中的出生日期“%(d)s”不合理。") % {"d": birth.isoformat()}, code="birth")
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(_("居民身份证号码校验位错误，请核对号码。"), code="checksum")
    return ResidentId(
        number=number,
        region_code=number[:6],
        birth_date=birth,
        sex="M" if int(number[16]) % 2 == 1 else "F",
    )


def validate_resident_id(value: str) -> None:
    parse_resident_id(value)


# GB 32100-2015: 31 characters (no I, O, Z, S, V), weights, check = 31 - (sum mod 31).
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_uscc(value: str) -> str:
    """Validate a unified social credit code; return it normalised."""
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为18位，当前为%(n)d位。") % {"n": len(code)}, code="length")
    bad = sorted({c for c in code if c not in _USCC_CHARS})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、Z、S、V）。") % {"chars": "、".join(bad)},
            code="format",
        )
    if not code[2:8].isdigit():
        raise ValidationError(_("统一社会信用代码第3至8位应为登记管理机关行政区划码（数字）。"), code="region")
    if code[17] != uscc_check_char(code[:17]):
        raise ValidationError(_("统一社会信用代码校验位错误，请核对代码。"), code="checksum")
    return code


FILING_NUMBER_RE = re.compile(r"[A-Z0-9]\d{12}")


def validate_filing_number(value: str) -> str:
    """The 13-character filing number (备案号): a capital letter or digit, then 12 digits."""
    code = (value or "").strip().upper()
    if not FILING_NUMBER_RE.fullmatch(code):
        raise ValidationError(_("备案号应为13位：首位为大写字母或数字，其后12位为数字。"), code="format")
    return code


def mask_id_number(value: str) -> str:
    """Show the first 3 and last 4 characters only: 340***********1234."""
    value = value or ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
