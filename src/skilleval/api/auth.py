"""API authentication: the browser's session (with CSRF) or a bearer token.
Both set `request.actor`, which every endpoint uses for scoping."""

from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from skilleval.accounts.access import actor_for
from skilleval.accounts.services import api_token_authenticate


class SessionAuth(NinjaSessionAuth):
    """Django's session cookie; unsafe methods also need the CSRF token."""

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.actor = actor_for(user)
            return user
        return None


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        request.actor = actor_for(user)
        return user
