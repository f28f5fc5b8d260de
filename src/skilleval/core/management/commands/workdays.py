import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from skilleval.core.models import CalendarOverride
from skilleval.core.workdays import WorkingCalendar, working_calendar


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = "工作日计算：`workdays add 2026-09-25 10` 推算日期；`workdays between A B` 计算工作日数。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="起始日期之后第 N 个工作日（N 为负数时向前）")
        add.add_argument("start")
        add.add_argument("days", type=int)
        between = sub.add_parser("between", help="起始日期之后至截止日期（含）的工作日数")
        between.add_argument("start")
        between.add_argument("end")
        check = sub.add_parser("is", help="某日是否为工作日")
        check.add_argument("date")

    def handle(self, *args, **options):
        # On a fresh machine the database may not exist yet: then there are no admin
        # overrides and the holiday library's schedule is the whole calendar.
        if CalendarOverride._meta.db_table in connection.introspection.table_names():
            calendar = working_calendar()
        else:
            calendar = WorkingCalendar()
        action = options["action"]
        if action == "add":
            result = calendar.add(_date(options["start"]), options["days"])
            self.stdout.write(result.date.isoformat())
            if result.provisional:
                years = "、".join(str(y) for y in result.unconfirmed_years)
                sys.stderr.write(f"暂定：{years} 年节假日安排尚未确认\n")
        elif action == "between":
            count, provisional = calendar.between(_date(options["start"]), _date(options["end"]))
            self.stdout.write(str(count))
            if provisional:
                sys.stderr.write("暂定：区间内有节假日安排尚未确认的年份\n")
        else:
            day = _date(options["date"])
            self.stdout.write("工作日" if calendar.is_working_day(day) else "休息日")
