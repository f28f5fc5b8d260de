"""Encrypt the ID numbers already stored (AES-SIV, see core/crypto.py); backwards decrypts them."""

from django.db import migrations

from skilleval.core.crypto import encrypt_column

forwards, backwards = encrypt_column("orgs", "StaffMember")


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0002_protect_id_numbers"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
