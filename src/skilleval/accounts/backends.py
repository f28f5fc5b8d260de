from django.contrib.auth.backends import ModelBackend


class LockoutModelBackend(ModelBackend):
    """Django's model backend, refusing accounts that are locked after failed logins."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not user.is_locked()
