from django.db.models import QuerySet

from .access import Actor
from .models import ApiToken


def api_tokens_of(actor: Actor) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor.user)
