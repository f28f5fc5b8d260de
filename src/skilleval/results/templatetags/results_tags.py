from django import template

register = template.Library()

COLOURS = {
    # results
    "pending": "secondary", "scored": "info", "approved": "success", "absent": "dark", "disqualified": "danger",
    # sheets and changes
    "open": "warning", "locked": "success", "rejected": "danger",
    # objections
    "upheld": "danger", "dismissed": "secondary",
    # reports
    "submitted": "info", "accepted": "success", "returned": "danger",
}


@register.filter
def results_colour(status: str) -> str:
    return COLOURS.get(str(status), "secondary")


@register.filter
def outcome_colour(result) -> str:
    if result.passed:
        return "success"
    if result.status in ("scored", "approved"):
        return "warning"
    return COLOURS.get(result.status, "secondary")
