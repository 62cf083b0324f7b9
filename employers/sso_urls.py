"""法人 single sign-on (``employers.sso``): login/ starts it, the provider comes back to callback/. The unprefixed
URLs are the ``default`` provider's (the single-provider settings); every other provider has its key in front."""

from django.urls import path

from employers import sso

app_name = "sso"

urlpatterns = [
    path("login/", sso.SSOLoginView.as_view(), name="login"),
    path("callback/", sso.SSOCallbackView.as_view(), name="callback"),
    path("<slug:provider>/login/", sso.SSOLoginView.as_view(), name="provider_login"),
    path("<slug:provider>/callback/", sso.SSOCallbackView.as_view(), name="provider_callback"),
]
