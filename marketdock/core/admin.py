"""The platform operator's admin (/operator/): companies, users, notices. Sellers never see it."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Company, JobRun, Notice, User


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "plan", "status", "trial_ends_at", "created_at")
    search_fields = ("code", "name", "business_no")
    list_filter = ("plan", "status")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "name", "company", "role", "is_company_admin", "is_active")
    list_filter = ("company", "is_company_admin", "is_active")
    fieldsets = DjangoUserAdmin.fieldsets + (
        ("marketdock", {"fields": ("company", "role", "name", "phone", "is_company_admin", "must_change_password")}),
    )


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "company", "starts_at", "ends_at", "is_popup")


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "company", "status", "progress", "created_at")
    list_filter = ("status", "kind")
