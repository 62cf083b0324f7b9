"""Domain errors raised by services; views turn them into form errors or messages (never a 500)."""


class DomainError(Exception):
    """A rule refused the action. ``message`` is Chinese and shown to the user; ``field`` names the form field."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def add_to_form(self, form) -> None:
        """Attach the message to ``form`` beside ``field`` (or as a non-field error)."""
        field = self.field if self.field in getattr(form, "fields", {}) else None
        form.add_error(field, self.message)


class StaleObjectError(DomainError):
    """Optimistic locking: the object changed since the form was loaded (e.g. saved in another tab)."""

    def __init__(self, message: str = "该信息已在其他页面或由其他人修改，请刷新页面后重新编辑。") -> None:
        super().__init__(message, code="stale")
