from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from core.health import healthz
from employers import account_views

admin.site.site_header = "按比例就业网报系统 · 审核后台"
admin.site.site_title = "残联审核后台"
admin.site.index_title = "审核工作台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", account_views.UnitLoginView.as_view(), name="login"),
    path("accounts/sso/", include("employers.sso_urls")),
    path("accounts/password_reset/", account_views.UnitPasswordResetView.as_view(), name="password_reset"),
    path("proxy/", include("dashboard.proxy_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("core.urls")),
    path("", include("employers.file_urls")),
    path("", include("dashboard.urls")),
    path("employer/", include("employers.urls")),
    path("feeds/", include("feeds.urls")),
    path("placements/", include("placements.urls")),
    path("declarations/", include("declarations.urls")),
    path("verify/", include("declarations.verify_urls")),
    path("levy/", include("levy.urls")),
    path("notices/", include("notices.urls")),
    path("relief/", include("relief.urls")),
    path("manual/", include("manual.urls")),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain")),
]

# 500, or 503 when the database / object storage / cache is down (core/errorpages.py).
handler500 = "core.errorpages.server_error"
