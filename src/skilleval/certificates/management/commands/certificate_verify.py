"""Verify a certificate QR code offline, from the platform's published public keys alone:

    skilleval certificate_verify "https://…/c/<number>#<token>" --keys public-keys.json

No database and no network: the keys file is the JSON published at /certificates/keys.json.
Exit status 0 when the signature is valid, 1 when it is not (the reason is printed)."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skilleval.certificates.signing import (
    FIELD_LABELS,
    TokenError,
    public_keys_from_jwks,
    token_from_text,
    verify_token,
)


class Command(BaseCommand):
    help = "离线核验证书二维码：只用平台公布的公钥（JSON）验证签名，不连接数据库和网络。"
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("token", help="二维码内容：核验网址（含 # 之后的签名）或签名本身；“-”表示从标准输入读取")
        parser.add_argument("--keys", required=True, help="平台公钥文件（/certificates/keys.json 下载的 JSON）")

    def handle(self, *args, **options):
        text = sys.stdin.read() if options["token"] == "-" else options["token"]
        try:
            data = json.loads(Path(options["keys"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取公钥文件：{exc}") from None
        try:
            keys = public_keys_from_jwks(data)
            url_number, token = token_from_text(text)
            verified = verify_token(token, keys)
            if url_number and url_number != verified.number:
                raise TokenError("网址中的证书编号与签名内容不一致，核验失败。")
        except TokenError as exc:
            self.stderr.write(f"核验失败：{exc.message}")
            sys.exit(1)
        self.stdout.write("签名有效：以下内容由平台签发，未被改动。")
        for name, label in FIELD_LABELS.items():
            value = verified.fields.get(name, "")
            self.stdout.write(f"  {label}：{value if value != '' else '—'}")
        self.stdout.write("证书是否被撤销或补发（旧版作废）以平台在线核验结果为准：扫码打开的核验页或证书查询页。")
