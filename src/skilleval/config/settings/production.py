"""Production overrides, applied by base.py when SKILLEVAL_ENV=production."""

import os

from django.core.exceptions import ImproperlyConfigured

_secret = os.environ.get("SKILLEVAL_SECRET_KEY", "")
if len(_secret) < 50 or _secret.startswith("dev-only"):
    raise ImproperlyConfigured(
        "生产模式必须设置 SKILLEVAL_SECRET_KEY：至少50个字符的随机字符串（SKILLEVAL_SECRET_KEY must be set in production)."
    )
SECRET_KEY = _secret
DEBUG = False
WHITENOISE_USE_FINDERS = False
# Hashed, compressed static files (base.py keeps the uploaded-file storage it chose).
STATICFILES_BACKEND = "whitenoise.storage.CompressedManifestStaticFilesStorage"
SECURE_SSL_REDIRECT = os.environ.get("SKILLEVAL_SSL_REDIRECT", "true").lower() in {"1", "true", "yes"}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SKILLEVAL_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
