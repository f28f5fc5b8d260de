"""The working-day calendar against the State Council's official schedules
(国办发明电〔2024〕12号 for 2025, 国办发明电〔2025〕7号 for 2026)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from skilleval.core.models import CalendarOverride, CalendarYear
from skilleval.core.workdays import WorkingCalendar, add_working_days, working_calendar, working_days_between

D = dt.date


def _days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


OFFICIAL = {
    2025: {
        "off": [(D(2025, 1, 1), D(2025, 1, 1)), (D(2025, 1, 28), D(2025, 2, 4)), (D(2025, 4, 4), D(2025, 4, 6)),
                (D(2025, 5, 1), D(2025, 5, 5)), (D(2025, 5, 31), D(2025, 6, 2)), (D(2025, 10, 1), D(2025, 10, 8))],
        "on": [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)],
    },
    2026: {
        "off": [(D(2026, 1, 1), D(2026, 1, 3)), (D(2026, 2, 15), D(2026, 2, 23)), (D(2026, 4, 4), D(2026, 4, 6)),
                (D(2026, 5, 1), D(2026, 5, 5)), (D(2026, 6, 19), D(2026, 6, 21)), (D(2026, 9, 25), D(2026, 9, 27)),
                (D(2026, 10, 1), D(2026, 10, 7))],
        "on": [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)],
    },
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_official_holiday_is_off_and_every_adjusted_weekend_is_on(year):
    calendar = WorkingCalendar()
    for start, end in OFFICIAL[year]["off"]:
        for day in _days(start, end):
            assert not calendar.is_working_day(day), day
    for day in OFFICIAL[year]["on"]:
        assert day.weekday() >= 5
        assert calendar.is_working_day(day), day


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_other_day_follows_the_week(year):
    calendar = WorkingCalendar()
    off = {d for start, end in OFFICIAL[year]["off"] for d in _days(start, end)}
    on = set(OFFICIAL[year]["on"])
    for day in _days(D(year, 1, 1), D(year, 12, 31)):
        if day not in off and day not in on:
            assert calendar.is_working_day(day) == (day.weekday() < 5), day


def test_ten_working_days_across_national_day_2026():
    result = WorkingCalendar().add(D(2026, 9, 25), 10)
    assert result.date == D(2026, 10, 15)
    assert not result.provisional


def test_counting_back_and_between_agree():
    calendar = WorkingCalendar()
    assert calendar.subtract(D(2026, 10, 15), 9).date == D(2026, 9, 28)
    assert calendar.subtract(D(2026, 10, 15), 10).date == D(2026, 9, 24)  # 25-27 Sep are off
    assert calendar.between(D(2026, 9, 25), D(2026, 10, 15)) == (10, False)
    assert calendar.between(D(2026, 10, 15), D(2026, 9, 25)) == (-10, False)
    assert calendar.between(D(2026, 2, 13), D(2026, 3, 2)) == (7, False)  # Feb 14, 24-28, Mar 2


def test_spring_festival_2025_span():
    # From Friday 24 Jan 2025: Sun 26 Jan (on), Mon 27 Jan, then the 8-day holiday, Wed 5 Feb.
    result = WorkingCalendar().add(D(2025, 1, 24), 3)
    assert result.date == D(2025, 2, 5)


def test_year_without_a_schedule_is_provisional_never_silent():
    result = WorkingCalendar().add(D(2027, 3, 1), 5)
    assert result.provisional
    assert result.unconfirmed_years == (2027,)
    count, provisional = WorkingCalendar().between(D(2026, 12, 20), D(2027, 1, 10))
    assert provisional


@pytest.mark.django_db
def test_admin_overrides_and_confirmation_win():
    # 2027 schedule entered by the admin: 1 Jan off (Friday), Sat 9 Jan on (fictitious swap for the test).
    CalendarOverride.objects.create(date=D(2027, 1, 1), kind=CalendarOverride.Kind.HOLIDAY, note="元旦")
    CalendarOverride.objects.create(date=D(2027, 1, 9), kind=CalendarOverride.Kind.WORKDAY, note="调休上班")
    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    result = add_working_days(D(2026, 12, 31), 1)
    assert result.date == D(2027, 1, 4)
    assert not result.provisional
    assert working_calendar().is_working_day(D(2027, 1, 9))
    assert working_days_between(D(2027, 1, 8), D(2027, 1, 11)) == (2, False)


@pytest.mark.django_db
def test_workdays_command_prints_the_date():
    out = io.StringIO()
    call_command("workdays", "add", "2026-09-25", "10", stdout=out)
    assert out.getvalue().strip() == "2026-10-15"
    out = io.StringIO()
    call_command("workdays", "between", "2026-09-25", "2026-10-15", stdout=out)
    assert out.getvalue().strip() == "10"
