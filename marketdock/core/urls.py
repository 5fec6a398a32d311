from django.urls import path

from . import views, views_codes, views_logs, views_notices, views_users

app_name = "core"

urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/errors/", views.job_errors, name="job_errors"),
    path("users/", views_users.user_list, name="user_list"),
    path("users/new/", views_users.user_create, name="user_create"),
    path("users/<int:pk>/", views_users.user_edit, name="user_edit"),
    path("users/<int:pk>/unlock/", views_users.user_unlock, name="user_unlock"),
    path("roles/", views_users.role_list, name="role_list"),
    path("roles/new/", views_users.role_create, name="role_create"),
    path("roles/<int:pk>/", views_users.role_edit, name="role_edit"),
    path("roles/<int:pk>/delete/", views_users.role_delete, name="role_delete"),
    path("logs/", views_logs.logs, name="logs"),
    path("logs/export/", views_logs.logs_export, name="logs_export"),
    path("notices/", views_notices.notice_list, name="notice_list"),
    path("notices/new/", views_notices.notice_create_view, name="notice_create"),
    path("notices/dismiss/", views_notices.notice_dismiss_view, name="notice_dismiss"),
    path("notices/<int:pk>/", views_notices.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/edit/", views_notices.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/delete/", views_notices.notice_delete_view, name="notice_delete"),
    path("codes/", views_codes.code_groups, name="code_groups"),
    path("codes/new/", views_codes.code_group_create_view, name="code_group_create"),
    path("codes/<int:pk>/", views_codes.code_group_detail, name="code_group_detail"),
    path("codes/<int:pk>/edit/", views_codes.code_group_edit, name="code_group_edit"),
    path("codes/<int:pk>/delete/", views_codes.code_group_delete_view, name="code_group_delete"),
    path("codes/<int:pk>/add/", views_codes.code_create_view, name="code_create"),
    path("codes/item/<int:pk>/", views_codes.code_update_view, name="code_update"),
    path("codes/item/<int:pk>/delete/", views_codes.code_delete_view, name="code_delete"),
]
