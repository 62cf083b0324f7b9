"""The signed-in user's permissions read by one prepared query (core.prepared) instead of Django's ModelBackend
building and compiling its two permission queries on every admin page.

Django's ``ModelBackend`` keeps a user's permissions on the user object for the request (``_user_perm_cache``,
``_group_perm_cache``) and reads them with two ORM queries the first time ``has_perm`` asks. Every admin page asks
(the view permission, the navigation's app list), and building and compiling the two queries cost ~1 ms of the
review queue's CPU (bench/page_cpu.py). :func:`load_permissions` fills the same two attributes with the same sets,
read in one statement (the two queries' union) compiled once per connection; Django then finds them and asks
nothing more (tests/core/test_permissions.py compares the sets with Django's own and counts the queries).
Superusers, inactive users and a project whose backend reads permissions another way are left to Django.
"""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Value

from core.prepared import PreparedQuery

_COLUMNS = ("content_type__app_label", "codename")


def _both(user_id: int):
    """The user's own permissions (1) and those of their groups (2), in one statement."""
    direct = Permission.objects.filter(user=user_id).annotate(kind=Value(1))
    through_groups = Permission.objects.filter(group__user=user_id).annotate(kind=Value(2))
    return (
        direct.values_list("kind", *_COLUMNS)
        .order_by()
        .union(through_groups.values_list("kind", *_COLUMNS).order_by(), all=True)
        .order_by()  # not Permission's default ordering: its columns are not all in the union's
    )


_PREPARED = PreparedQuery(_both, ((-780001,), (-780002,)))
_METHODS = ("_get_permissions", "_get_user_permissions", "_get_group_permissions")


@lru_cache(maxsize=8)
def _django_reads(paths: tuple[str, ...]) -> bool:
    """Whether every permission check reads what Django's own ModelBackend reads: among ``paths`` (the settings'
    backends) there is a ModelBackend, and none of them is a subclass that reads permissions its own way (it would
    find the sets filled here in the same attributes and answer with them instead of its own)."""
    from django.utils.module_loading import import_string

    models = [c for c in map(import_string, paths) if isinstance(c, type) and issubclass(c, ModelBackend)]
    return bool(models) and all(getattr(c, m) is getattr(ModelBackend, m) for c in models for m in _METHODS)


def load_permissions(user) -> None:
    """Fill ModelBackend's per-request permission sets of ``user`` (if not there yet)."""
    if not (user.is_authenticated and user.is_active) or user.is_superuser:
        return
    if hasattr(user, "_user_perm_cache") and hasattr(user, "_group_perm_cache"):
        return
    if not _django_reads(tuple(settings.AUTHENTICATION_BACKENDS)):
        return
    found: dict[int, set[str]] = {1: set(), 2: set()}
    for kind, app_label, codename in _PREPARED(user.pk):
        found[kind].add(f"{app_label}.{codename}")
    user._user_perm_cache, user._group_perm_cache = found[1], found[2]
