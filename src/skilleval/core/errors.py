"""Domain errors: raised by services, shown to the user as they are (Chinese)."""

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A business rule refused the operation. `message` is user-facing Chinese text."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def as_validation_error(error: DomainError) -> ValidationError:
    if error.field:
        return ValidationError({error.field: error.message})
    return ValidationError(error.message)
