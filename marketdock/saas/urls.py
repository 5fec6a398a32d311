from django.urls import path

from . import views, views_operator

app_name = "saas"

urlpatterns = [
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/test/", views.webhook_action, {"action": "test"}, name="webhook_test"),
    path("webhooks/<int:pk>/rotate/", views.webhook_action, {"action": "rotate"}, name="webhook_rotate"),
    path("webhooks/<int:pk>/delete/", views.webhook_action, {"action": "delete"}, name="webhook_delete"),
    path("webhooks/<int:pk>/messages/<int:message_id>/redeliver/", views.webhook_redeliver, name="webhook_redeliver"),
    path("usage/", views.usage, name="usage"),
    path("operator/", views_operator.operator_companies, name="operator_companies"),
    path("operator/<int:pk>/", views_operator.operator_company, name="operator_company"),
]
