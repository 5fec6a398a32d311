from django.urls import path

from . import views

app_name = "channels"

urlpatterns = [
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/test/", views.account_test, name="account_test"),
    path("accounts/<int:pk>/delete/", views.account_delete, name="account_delete"),
    path("accounts/<int:pk>/oauth/", views.account_oauth_start, name="account_oauth_start"),
    path("oauth/cafe24/callback/", views.oauth_callback, name="oauth_callback"),
]
