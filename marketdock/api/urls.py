from django.urls import include, path, re_path

from . import views
from .auth import logged, not_found
from .v1 import api

app_name = "api"

_patterns, _app, _namespace = api.urls
api.urls_namespace = "api:v1"  # nested in this app's namespace: ninja reverses its docs/schema URLs with it
for _pattern in _patterns:
    _pattern.callback = logged(_pattern.callback)

urlpatterns = [
    path("keys/", views.key_list, name="keys"),
    path("keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
    path("logs/", views.call_log, name="logs"),
    path("v1/", include((_patterns, "v1"), namespace="v1")),
    re_path(r"^v1/", not_found),  # an id that is not a number, an unknown path: the JSON 404
]
