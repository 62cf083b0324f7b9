from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notices.selectors import unread_count_for_request


def unread(request: HttpRequest) -> dict:
    """Unread notice count for the navigation badge of logged-in units. Lazy: no query unless a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff:
        return {}
    return {"unread_notice_count": SimpleLazyObject(lambda: unread_count_for_request(request))}
