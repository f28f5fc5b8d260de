"""The platform's certificate signing keys:

    skilleval certificate_keys list                 # kid, status, dates
    skilleval certificate_keys rotate               # new active key; the old one is retired, still published
    skilleval certificate_keys export FILE.json     # the public keys (JWKS), for offline verifiers"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skilleval.certificates.selectors import platform_keys_published
from skilleval.certificates.services import platform_key_active, platform_key_rotate
from skilleval.certificates.signing import jwks, key_file
from skilleval.core.errors import DomainError


class Command(BaseCommand):
    help = "证书签名密钥：list 列出，rotate 轮换（旧密钥停用但继续公布），export 导出公钥 JSON。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "rotate", "export"])
        parser.add_argument("path", nargs="?", help="export 的输出文件（省略则输出到标准输出）")

    def handle(self, *args, **options):
        try:
            if options["action"] == "rotate":
                key = platform_key_rotate(actor=None)
                self.stdout.write(f"已启用新密钥 {key.kid}；私钥文件 {key_file(key.kid)}（权限 600）。旧密钥已停用，继续公布用于验证。")
                return
            if options["action"] == "export":
                if not platform_keys_published():
                    platform_key_active()
                text = json.dumps(jwks(platform_keys_published()), ensure_ascii=False, indent=2)
                if options["path"]:
                    Path(options["path"]).write_text(text + "\n", encoding="utf-8")
                    self.stdout.write(f"公钥已写入 {options['path']}")
                else:
                    self.stdout.write(text)
                return
        except DomainError as exc:
            raise CommandError(exc.message) from None
        keys = platform_keys_published()
        if not keys:
            self.stdout.write("尚无签名密钥（首次发证时自动生成，或执行 rotate）。")
        for key in keys:
            present = "私钥文件存在" if key_file(key.kid).exists() else "私钥文件缺失"
            retired = f"，停用于 {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else ""
            self.stdout.write(f"{key.kid}  {key.get_status_display()}  启用于 {key.activated_at:%Y-%m-%d %H:%M}{retired}  {present}")
