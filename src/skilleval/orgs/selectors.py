from django.db.models import QuerySet

from skilleval.accounts.access import Actor, get_scoped_or_404, scope

from .models import Organisation


def organisations_visible_to(actor: Actor) -> QuerySet[Organisation]:
    return scope(Organisation.objects.select_related("jurisdiction"), actor,
                 organisation="pk", jurisdiction="jurisdiction")


def organisation_get_for_actor(*, actor: Actor, pk: int) -> Organisation:
    return get_scoped_or_404(organisations_visible_to(actor), pk=pk)
