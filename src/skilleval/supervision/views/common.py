"""What the supervision pages share."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.html import format_html
from django.utils.translation import gettext as _

from skilleval.accounts.access import Perm
from skilleval.core.templatetags.core_tags import status_colour
from skilleval.core.views import ActorView


class AnyOfView(ActorView):
    """A page several roles reach: the actor needs one of `any_of` (an authority's
    supervision, an organisation's batch management...); the selectors then scope the rows."""

    permission = Perm.HOME
    any_of: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not any(request.actor.has(p) for p in self.any_of):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return super().dispatch(request, *args, **kwargs)


def badge(label, status):
    return format_html('<span class="badge text-bg-{}">{}</span>', status_colour(status), label)
