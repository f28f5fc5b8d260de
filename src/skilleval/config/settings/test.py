"""Test settings: the database comes from DATABASE_URL (SQLite by default,
PostgreSQL in the second CI run); tasks run in-process."""

import os
import tempfile

os.environ.setdefault("SKILLEVAL_VAR_DIR", tempfile.mkdtemp(prefix="skilleval-test-"))

from .base import *  # noqa: E402,F403
from .base import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the real task worker the tests start must see the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
