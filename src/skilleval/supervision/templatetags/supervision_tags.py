from django import template

from ..selectors import DEADLINE_STATUS

register = template.Library()


@register.filter
def deadline_status(deadline, today):
    """(key, label) of a deadline's state on `today`: met, missed or open."""
    key = deadline.status(today)
    return key, DEADLINE_STATUS[key]
