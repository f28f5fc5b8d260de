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
    "withdrawn": "secondary", "retired": "dark", "in_progress": "info", "timed_out": "warning",
    "absent": "secondary", "not_started": "secondary",
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


JOB_RESULT_LABELS = {
    "rows": "数据行数", "imported": "导入行数", "created": "新增", "updated": "更新", "error_rows": "有错误的行",
    "occupations_created": "新增职业", "occupations_updated": "更新职业", "work_types_created": "新增工种",
    "work_types_updated": "更新工种", "clean_rows_only": "只导入无错误的行", "message": "说明", "skipped": "跳过",
}


@register.filter
def job_result_label(key: str) -> str:
    """The Chinese label of a background job's result key."""
    from django.utils.translation import gettext

    return gettext(JOB_RESULT_LABELS.get(key, key))
