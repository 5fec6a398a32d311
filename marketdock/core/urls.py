from django.urls import path

from . import views, views_codes, views_notices

app_name = "core"

urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
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
