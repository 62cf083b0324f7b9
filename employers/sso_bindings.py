"""A unit's 法人 sign-on bindings as its clerks see them on 我的账号: one row per configured provider (bound or not),
plus bindings of a provider no longer configured; its administrator may 解除绑定 one (the next sign-in of the unit's
USCC through that provider binds again, as a first sign-in does; ADR 0012). The reviewers' side is
``employers.admin_sso`` / ``employers.accounts.sso_unbind``."""

from dataclasses import dataclass

from django.db import transaction

from core import audit
from core.actors import Actor
from employers import sso_providers
from employers.accounts import AccountError
from employers.models import Employer, EmployerAccount, SSOIdentity


@dataclass(frozen=True)
class Binding:
    label: str  # the provider's button label, or its issuer when it is no longer configured
    identity: SSOIdentity | None  # None: no account of this provider bound yet
    configured: bool = True


def unit_bindings(employer: Employer) -> list[Binding]:
    """The unit's bindings per provider, in the login page's order (one query)."""
    identities = list(SSOIdentity.objects.filter(employer=employer).order_by("pk"))
    by_key: dict[str, SSOIdentity] = {}
    leftover = []
    for identity in identities:
        provider = sso_providers.for_issuer(identity.issuer)
        if provider is None or provider.key in by_key:
            leftover.append(identity)
        else:
            by_key[provider.key] = identity
    rows = [Binding(label=p.label, identity=by_key.get(p.key)) for p in sso_providers.providers()]
    rows += [Binding(label=i.issuer, identity=i, configured=False) for i in leftover]
    return rows


@transaction.atomic
def sso_unit_unbind(*, employer: Employer, identity_id: int, by: Actor) -> SSOIdentity:
    """The unit's administrator removes one of the unit's bindings (e.g. its 法人 account at that platform changed).
    Another unit's binding is "not found"; audited on the unit as ``sso.unbind``."""
    if not EmployerAccount.objects.filter(user=by, employer=employer, is_admin=True, user__is_active=True).exists():
        raise AccountError("只有本单位的管理员账号可以解除法人账号绑定。")
    identity = SSOIdentity.objects.select_for_update().filter(pk=identity_id, employer=employer).first()
    if identity is None:
        raise AccountError("该绑定不存在或已解除。")
    provider = sso_providers.for_issuer(identity.issuer)
    changes = {
        "issuer": identity.issuer,
        "subject": identity.subject,
        "provider": provider.key if provider else "",
        "login": identity.user.get_username(),
    }
    identity.delete()
    audit.record(actor=by, action="sso.unbind", obj=employer, reason="单位管理员在「我的账号」中解除", changes=changes)
    return identity
