"""System checks that `skilleval check --deploy` runs in production."""

import os

from django.conf import settings
from django.core.checks import Error, Tags, register

from .crypto import KEY_ENV, DataKeyError, parse_key_ring


@register(Tags.security, deploy=True)
def data_key_configured(app_configs, **kwargs):
    """Production keeps ID numbers under a key every app server and worker shares: it must
    come from the environment (a key file generated on one machine would differ on the next)."""
    if getattr(settings, "SKILLEVAL_ENV", "") != "production":
        return []
    value = os.environ.get(KEY_ENV, "").strip()
    if not value:
        return [Error(f"{KEY_ENV} is not set: ID numbers cannot be encrypted at rest.",
                      hint="`skilleval rotate_data_key --print-new` prints a key entry; give every app server "
                           "and worker the same value.", id="skilleval.E001")]
    try:
        parse_key_ring(value, origin=KEY_ENV)
    except DataKeyError as exc:
        return [Error(str(exc), id="skilleval.E002")]
    return []
