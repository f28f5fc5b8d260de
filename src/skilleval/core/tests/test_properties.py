"""Property-based tests (Hypothesis) for the rules everything else leans on: ID and
credit-code validators and the working-day calendar. Bounded example counts keep CI
fast; each property is one a clerk would notice if it broke."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from skilleval.core.validators import (
    mask_id_number,
    parse_resident_id,
    resident_id_check_char,
    uscc_check_char,
    validate_filing_number,
    validate_uscc,
)
from skilleval.core.workdays import WorkingCalendar

TODAY = dt.date(2026, 11, 22)
REGIONS = ["110101", "120116", "340104", "340302", "370202", "420202", "440305", "650102"]


@st.composite
def resident_ids(draw):
    region = draw(st.sampled_from(REGIONS))
    birth = draw(st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2010, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17), birth


@settings(max_examples=300, deadline=None)
@given(resident_ids())
def test_every_well_formed_id_parses_with_its_birth_date_and_sex(case):
    number, birth = case
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed.birth_date == birth and parsed.sex == ("M" if int(number[16]) % 2 else "F")
    assert parse_resident_id(number.lower(), today=TODAY).number == number
    masked = mask_id_number(number)
    assert masked[:3] == number[:3] and masked[-4:] == number[-4:] and set(masked[3:-4]) == {"*"}


@settings(max_examples=300, deadline=None)
@given(resident_ids(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_mistyped_digit_is_caught(case, position, shift):
    number, _ = case
    digit = (int(number[position]) + shift) % 10
    typo = number[:position] + str(digit) + number[position + 1:]
    with pytest.raises(ValidationError):
        parse_resident_id(typo, today=TODAY)


@settings(max_examples=300, deadline=None)
@given(resident_ids(), st.integers(min_value=0, max_value=15))
def test_swapping_two_neighbouring_digits_is_caught(case, position):
    number, _ = case
    if number[position] == number[position + 1]:
        return
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2:]
    with pytest.raises(ValidationError):
        parse_resident_id(swapped, today=TODAY)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_is_either_valid_or_refused_with_a_message(text):
    for check in (lambda v: parse_resident_id(v, today=TODAY), validate_uscc, validate_filing_number):
        try:
            check(text)
        except ValidationError as exc:
            assert exc.messages and all(m for m in exc.messages)


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=USCC_CHARS, min_size=2, max_size=2), st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.text(alphabet=USCC_CHARS, min_size=9, max_size=9), st.integers(min_value=0, max_value=17),
       st.sampled_from(USCC_CHARS))
def test_credit_codes_round_trip_and_a_changed_character_is_caught(head, region, body, position, other):
    first17 = head + region + body
    code = first17 + uscc_check_char(first17)
    assert validate_uscc(code.lower()) == code
    if code[position] == other or (2 <= position < 8 and not other.isdigit()):
        return
    with pytest.raises(ValidationError):
        validate_uscc(code[:position] + other + code[position + 1:])


CALENDAR = WorkingCalendar()


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 6, 30)), st.integers(min_value=0, max_value=40))
def test_adding_working_days_counts_back_to_the_same_number(start, n):
    end = CALENDAR.add(start, n).date
    assert CALENDAR.between(start, end)[0] == n
    if n:
        assert CALENDAR.is_working_day(end) and end > start
        assert CALENDAR.add(start, n + 1).date > end  # monotonic
        assert CALENDAR.subtract(end, n).date <= start


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 12, 31)))
def test_ten_working_days_never_take_more_than_three_weeks_and_two_days(start):
    end = CALENDAR.add(start, 10).date
    # 调休 working weekends can make ten working days fit in eleven calendar days; the
    # longest holidays (Spring Festival, National Day: 8-9 days off) stretch it to 23 at most.
    assert 10 <= (end - start).days <= 10 + 4 + 9
