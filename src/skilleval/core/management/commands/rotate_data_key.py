import json

from django.core.management.base import BaseCommand

from skilleval.core.crypto import data_key_rotate, new_key_entry


class Command(BaseCommand):
    help = "轮换证件号码加密密钥：所有证件号码在一个事务中用新密钥重新加密（旧密钥保留用于读取旧备份）。"

    def add_arguments(self, parser):
        parser.add_argument("--print-new", action="store_true",
                            help="只打印一个新的密钥条目（kid:base64url），用于 SKILLEVAL_DATA_KEY，不改动数据")

    def handle(self, *args, **options):
        if options["print_new"]:
            self.stdout.write(new_key_entry())
            return
        self.stdout.write(json.dumps(data_key_rotate(), ensure_ascii=False))
