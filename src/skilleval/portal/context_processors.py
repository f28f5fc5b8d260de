from django.urls import reverse
from django.utils.translation import gettext as _

from skilleval.accounts.access import Perm
from skilleval.core.notifications import notifications_for

from .navigation import areas_for


def navigation(request):
    actor = getattr(request, "actor", None)
    if actor is None or actor.is_anonymous:
        return {"nav_items": [{"label": _("评价机构目录"), "url": reverse("orgs:directory")},
                              {"label": _("企业注册"), "url": reverse("orgs:register")}], "actor_roles": []}
    path = request.path
    items = [{"label": _("工作台"), "url": reverse("portal:home")}]
    for area in areas_for(actor):
        url = reverse("portal:area", args=[area.slug]) if area.url_name == "portal:area" else reverse(area.url_name)
        items.append({"label": area.label, "url": url})
    items.append({"label": _("参考数据"), "url": reverse("portal:occupations")})
    if actor.has(Perm.AUDIT_VIEW):
        items.append({"label": _("审计日志"), "url": reverse("portal:audit_log")})
    items.append({"label": _("后台任务"), "url": reverse("portal:jobs")})
    for item in items:
        item["active"] = path == item["url"] or (item["url"] != reverse("portal:home") and path.startswith(item["url"]))
    return {"nav_items": items, "actor_roles": actor.role_labels,
            "unread_notifications": notifications_for(actor).filter(read_at=None).count()}
