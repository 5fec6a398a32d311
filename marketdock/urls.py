from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from marketdock.channels import urls as channel_urls
from marketdock.core import views as core_views
from marketdock.core import views_users as core_views_users
from marketdock.listings import urls as listing_urls

handler403 = "marketdock.core.errors.permission_denied"
handler404 = "marketdock.core.errors.page_not_found"
handler500 = "marketdock.core.errors.server_error"
handler400 = "marketdock.core.errors.bad_request"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", core_views.password_change, name="password_change"),
    path("accounts/password/forgot/", core_views_users.password_forgot, name="password_forgot"),
    path("accounts/password/reset/", core_views_users.password_reset_code, name="password_reset_code"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("system/", include("marketdock.core.urls")),
    path("catalog/", include("marketdock.catalog.urls")),
    path("inventory/", include("marketdock.inventory.urls")),
    # channel accounts and (from the listings app, same namespace) listings, sync, shipping policies
    path("channels/", include((channel_urls.urlpatterns + listing_urls.urlpatterns, channel_urls.app_name))),
    path("orders/", include("marketdock.orders.urls")),
    path("shipping/", include("marketdock.shipping.urls")),
    path("analytics/", include("marketdock.analytics.urls")),
    path("claims/", include("marketdock.claims.urls")),
    path("settlement/", include("marketdock.settlement.urls")),
    path("api/", include("marketdock.api.urls")),
    path("service/", include("marketdock.saas.urls")),
    path("operator/", admin.site.urls),
    path("media/<path:path>", core_views.media, name="media"),
]
