import itertools

from skilleval.accounts.models import Role
from skilleval.accounts.services import person_create, user_create
from skilleval.core.validators import resident_id_check_char

PASSWORD = "Test@2026pass"
_counter = itertools.count(1)


def resident_id(birth: str = "19900101", region: str = "340104") -> str:
    """A valid resident ID number with a fresh sequence."""
    first17 = f"{region}{birth}{next(_counter) % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def make_user(role: str | None = None, *, organisation=None, jurisdiction=None, candidate: bool = False,
              username: str | None = None, full_name: str = "测试用户"):
    """A real user through the real services: a role with its organisation or
    jurisdiction, or a candidate with a person record (role None, candidate True)."""
    from skilleval.catalog.models import IDType

    username = username or f"user{next(_counter)}"
    user = user_create(actor=None, username=username, full_name=full_name, password=PASSWORD,
                       roles=[role] if role else [], organisation=organisation, jurisdiction=jurisdiction)
    if candidate:
        person_create(actor=None, id_type=IDType.objects.get(code="201"), id_number=resident_id(), name=full_name,
                      user=user, organisation=organisation)
    return user


__all__ = ["PASSWORD", "Role", "make_user", "resident_id"]
