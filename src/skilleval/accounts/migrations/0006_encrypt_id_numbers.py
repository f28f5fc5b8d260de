"""Encrypt the ID numbers already stored (AES-SIV, see core/crypto.py); backwards decrypts them."""

from django.db import migrations

from skilleval.core.crypto import encrypt_column

forwards, backwards = encrypt_column("accounts", "Person")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_protect_id_numbers"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
