from django.http import HttpRequest


def unread(request: HttpRequest) -> dict:
    """Unread notice count for the navigation badge (implemented with the notices models)."""
    return {}
