import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from skilleval.portal.demo import DEMO_PASSWORD, demo_exam_ticket, demo_is_loaded, demo_load, demo_logins


class Command(BaseCommand):
    help = "启动演示站点：首次运行时建库、迁移、载入参考数据和演示数据；之后复用已有数据。"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="只准备数据，不启动服务")
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")

    def handle(self, *args, **options):
        self.stdout.write(f"数据库：{settings.DATABASES['default']['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        if demo_is_loaded():
            self.stdout.write("演示数据已存在，直接复用。")
        else:
            self.stdout.write("正在载入参考数据和演示数据……")
            demo_load()
        self._print_logins(options)
        if options["no_serve"]:
            return
        worker = None if options["no_worker"] else self._start_worker()
        try:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _print_logins(self, options):
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(f"演示站点：{url}    所有演示账号的密码：{DEMO_PASSWORD}")
        self.stdout.write("-" * 72)
        for login in demo_logins():
            self.stdout.write(f"  {login.username:<15}{login.full_name:<8}{login.sees}")
        self.stdout.write("-" * 72)
        self.stdout.write(f"REST API 文档：{url}api/v1/docs    管理后台：{url}admin/（admin 账号）")
        ticket = demo_exam_ticket()
        if ticket:
            self.stdout.write(f"演示机考：{url}exams/cbt/exam/sign-in/  准考证号 {ticket[0]}  身份证号 {ticket[1]}")
        from skilleval.certificates.demo import demo_certificate_number

        number = demo_certificate_number()
        if number:
            self.stdout.write(f"证书查询（无需登录）：{url}certificates/query/  证书编号 {number}")
        self.stdout.write("")

    def _start_worker(self) -> subprocess.Popen:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                      "skilleval.config.settings.base")}
        self.stdout.write("后台任务进程已启动（Celery，文件系统队列，无需额外服务；内置定时任务每天 06:30 执行）。")
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "skilleval.config", "worker", "--pool=solo", "--beat",
             f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}",
             "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
            env=env,
        )
