from django.shortcuts import render


def permission_denied(request, exception=None):
    return render(request, "portal/error.html", {"code": 403}, status=403)


def not_found(request, exception=None):
    return render(request, "portal/error.html", {"code": 404}, status=404)


def server_error(request):
    return render(request, "portal/error.html", {"code": 500}, status=500)
