import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from skilleval.core.validators import (
    mask_id_number,
    parse_resident_id,
    resident_id_check_char,
    uscc_check_char,
    validate_filing_number,
    validate_uscc,
)

# Published examples: GB 11643 sample number and a real enterprise's USCC format.
VALID_ID = "11010519491231002X"


def test_resident_id_parses_birth_date_and_sex():
    parsed = parse_resident_id(VALID_ID)
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"  # 17th digit 2 is even
    assert parsed.region_code == "110105"


def test_resident_id_lowercase_x_and_spaces_are_normalised():
    assert parse_resident_id(" 11010519491231002x ").number == VALID_ID


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1101051949123100", "应为18位"),
        ("11010519491231002Y", "前17位应为数字"),
        ("11010519491231002", "应为18位"),
        ("110105194912310021", "校验位错误"),
        ("990105194912310021", "地区码"),
        ("110105194902300028", "不是有效日期"),
    ],
)
def test_resident_id_errors_say_what_is_wrong(value, fragment):
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(value)
    assert fragment in exc.value.messages[0]


def test_resident_id_birth_in_future_is_refused():
    first17 = "34010420300101001"
    with pytest.raises(ValidationError, match="不合理"):
        parse_resident_id(first17 + resident_id_check_char(first17), today=dt.date(2026, 1, 1))


def test_uscc_check_character():
    # 91350100M000100Y43 is the standard's worked example.
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert validate_uscc("91350100m000100y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("91350100M000100Y4", "应为18位"),
        ("91350100M000100Y44", "校验位错误"),
        ("91350100M0001O0Y43", "不允许的字符"),
        ("9135X100M000100Y43", "行政区划码"),
    ],
)
def test_uscc_errors(value, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(value)
    assert fragment in exc.value.messages[0]


def test_filing_number_accepts_letter_or_digit_then_twelve_digits():
    assert validate_filing_number("y340100000012") == "Y340100000012"
    assert validate_filing_number("1340100000012") == "1340100000012"
    for bad in ("Y34010000001", "YY40100000012", "Y3401000000123"):
        with pytest.raises(ValidationError):
            validate_filing_number(bad)


def test_mask_id_number_keeps_only_ends():
    assert mask_id_number(VALID_ID) == "110***********002X"
