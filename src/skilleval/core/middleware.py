from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _

# The widest primary or foreign key any supported database stores (signed 64-bit).
LARGEST_ID = 2**63 - 1


class IdRangeMiddleware:
    """A path whose integer parameter no database column can hold names no record:
    answer 404 before any view runs. Without this, SQLite raises OverflowError on
    related-field lookups such as `result__batch_id=<30 digits>` (a server error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        values = list(view_args) + list(view_kwargs.values())
        if not any(isinstance(v, int) and not -LARGEST_ID <= v <= LARGEST_ID for v in values):
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": _("未找到该记录，或您无权查看。")}, status=404)
        raise Http404
