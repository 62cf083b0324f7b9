"""法人 single sign-on (``employers.sso``): login/ starts it, the provider comes back to callback/."""

from django.urls import path

from employers import sso

app_name = "sso"

urlpatterns = [
    path("login/", sso.SSOLoginView.as_view(), name="login"),
    path("callback/", sso.SSOCallbackView.as_view(), name="callback"),
]
