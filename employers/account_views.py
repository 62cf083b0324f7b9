"""Logins: the login page (法人 sign-on first when configured) and a unit administrator's page of its clerks."""

from django.conf import settings
from django.contrib.auth import views as auth_views

from employers import sso


class UnitLoginView(auth_views.LoginView):
    """Django's login; shows the 法人 single sign-on button first when a provider is configured."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = sso.enabled()
        context["sso_button_label"] = settings.OIDC_BUTTON_LABEL
        return context
