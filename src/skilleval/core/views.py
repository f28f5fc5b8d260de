"""Base views every page builds on.

`ActorView` is deny by default: a subclass that names no `permission` is refused
(ImproperlyConfigured), and an actor without it gets 403. `ListPageMixin` gives
every list the same furniture: filters, sortable columns, pagination and an XLSX
export of exactly what is filtered."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from .errors import DomainError
from .tabular import write_xlsx


class ActorView(View):
    permission: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not self.permission:
            raise ImproperlyConfigured(f"{type(self).__name__} must name a permission")
        request.actor.require(self.permission)
        return super().dispatch(request, *args, **kwargs)


def apply_domain_error(form: Any, error: DomainError) -> None:
    field = error.field if error.field in getattr(form, "fields", {}) else None
    form.add_error(field, error.message)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str | None = None  # the ORM ordering this column sorts by
    value: Callable[[Any], Any] | None = None  # plain value, for the cell and the export
    html: Callable[[Any], Any] | None = None  # the cell's HTML (format_html), when it is more than text

    def export_value(self, row: Any) -> Any:
        if self.value is not None:
            return self.value(row)
        value: Any = row
        for part in self.key.split("__"):
            value = getattr(value, part, "") if value is not None else ""
        if callable(value):
            value = value()
        if hasattr(value, "isoformat"):
            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "hour") else value.isoformat()
        return "" if value is None else str(value) if not isinstance(value, (int, float)) else value


class ListPageMixin:
    """Paginate, sort and export a queryset. Subclasses give `columns`, `get_queryset()`
    and optionally a `filter_form_class` whose cleaned data `apply_filters` uses."""

    columns: Sequence[Column] = ()
    page_size = 25
    paginator_class: Any = Paginator  # a subclass may count the rows its own way
    default_sort = ""
    export_name = "export"
    filter_form_class: Any = None
    max_export_rows = 50_000

    template_name = ""
    empty_title: Any = ""
    empty_text: Any = ""

    def get_queryset(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def extra_context(self) -> dict[str, Any]:
        return {}

    def get(self, request, *args, **kwargs):
        context = self.list_context(request)
        if isinstance(context, HttpResponse):
            return context
        context.update(empty_title=self.empty_title, empty_text=self.empty_text, **self.extra_context())
        return render(request, self.template_name, context)

    def apply_filters(self, queryset, data: dict):
        return queryset

    def list_context(self, request) -> dict[str, Any] | HttpResponse:
        queryset = self.get_queryset()
        form = None
        if self.filter_form_class is not None:
            form = self.filter_form_class(request.GET or None)
            if form.is_bound and form.is_valid():
                queryset = self.apply_filters(queryset, form.cleaned_data)
        sort = request.GET.get("sort", self.default_sort)
        allowed = {c.sort for c in self.columns if c.sort}
        if sort.lstrip("-") in allowed:
            queryset = queryset.order_by(sort, "-pk")
        elif self.default_sort:
            sort = self.default_sort
            queryset = queryset.order_by(sort, "-pk")
        if request.GET.get("export") == "xlsx":
            rows = (
                [c.export_value(row) for c in self.columns]
                for row in queryset[: self.max_export_rows]
            )
            content = write_xlsx([c.label for c in self.columns], rows, title=self.export_name)
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            stamp = timezone.localtime().strftime("%Y%m%d%H%M")
            response["Content-Disposition"] = f'attachment; filename="{self.export_name}-{stamp}.xlsx"'
            return response
        paginator = self.paginator_class(queryset, self.page_size)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        sort_query = query.copy()
        sort_query.pop("sort", None)
        return {
            "page": page,
            "rows": page.object_list,
            "columns": self.columns,
            "filter_form": form,
            "sort": sort,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "export_label": _("导出 Excel"),
        }


def form_errors_text(form: Any) -> str:
    """A form's errors as one Chinese sentence, for pages that answer with a message."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}：{errors[0]}" if label else errors[0])
    return "；".join(parts)


class ActionView(ActorView):
    """A POST that runs one service on one object and goes back to a page with a
    message. Subclasses give `get_object`, `perform` (which may return the success
    message) and `success_url`; an optional `form_class` parses the POST first."""

    http_method_names = ["post"]
    form_class: Any = None
    form_prefix: str | None = None
    success_message: Any = ""

    def get_object(self, request, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def perform(self, request, obj, data: dict) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def success_url(self, request, obj, **kwargs) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def post(self, request, **kwargs):
        from django.contrib import messages
        from django.shortcuts import redirect

        obj = self.get_object(request, **kwargs)
        data: dict = {}
        if self.form_class is not None:
            form = self.form_class(request.POST, prefix=self.form_prefix)
            if not form.is_valid():
                messages.error(request, form_errors_text(form))
                return redirect(self.success_url(request, obj, **kwargs))
            data = form.cleaned_data
        try:
            message = self.perform(request, obj, data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if message or self.success_message:
                messages.success(request, message or self.success_message)
        return redirect(self.success_url(request, obj, **kwargs))
