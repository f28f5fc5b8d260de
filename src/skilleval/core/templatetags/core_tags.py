from django import template

register = template.Library()


@register.filter
def add_class(field, css: str):
    """Render a form field with extra CSS classes (and the invalid state when it has errors)."""
    classes = css + (" is-invalid" if field.errors else "")
    widget = field.field.widget
    if widget.__class__.__name__ in ("Select", "SelectMultiple", "NullBooleanSelect"):
        classes = classes.replace("form-control", "form-select")
    if widget.__class__.__name__ == "CheckboxInput":
        classes = "form-check-input"
    return field.as_widget(attrs={"class": classes})


STATUS_COLOURS = {
    "pending": "secondary", "running": "info", "succeeded": "success", "failed": "danger",
    "unfiled": "secondary", "filed": "success", "suspended": "warning", "terminated": "dark",
    "draft": "secondary", "submitted": "info", "returned": "warning", "expert_review": "primary",
    "approved": "success", "rejected": "danger", "announced": "info", "plan_filed": "primary",
    "plan_returned": "warning", "plan_confirmed": "success", "cancelled": "dark", "accepted": "success",
    "withdrawn": "secondary",
}


@register.filter
def status_colour(value: str) -> str:
    return STATUS_COLOURS.get(str(value), "secondary")


@register.simple_tag
def cell(row, column):
    """One table cell: the column's own HTML if it has one, else its plain value."""
    if column.html is not None:
        return column.html(row)
    return column.export_value(row)
