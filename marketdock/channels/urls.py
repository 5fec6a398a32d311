from django.urls import path

from marketdock.listings import views as listing_views
from marketdock.listings import views_categories as category_views
from marketdock.listings import views_description as description_views
from marketdock.listings import views_fields as listing_field_views
from marketdock.listings import views_sync as sync_views

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
    path("accounts/<int:pk>/listing-fields/", listing_field_views.account_listing_fields, name="account_listing_fields"),
    path("listings/", listing_views.listing_list, name="listing_list"),
    path("listings/<int:pk>/", listing_views.listing_detail, name="listing_detail"),
    path("listings/products/<int:pk>/fields/", listing_field_views.product_listing_fields,
         name="product_listing_fields"),
    path("listings/products/<int:pk>/description/", description_views.product_description,
         name="product_description"),
    path("description-templates/", description_views.description_templates, name="description_templates"),
    path("description-templates/preview/", description_views.description_preview, name="description_preview"),
    path("description-templates/<int:pk>/", description_views.description_template_edit,
         name="description_template_edit"),
    path("description-templates/<int:pk>/delete/", description_views.description_template_delete,
         name="description_template_delete"),
    path("listings/categories/<int:pk>/", category_views.category_picker, name="category_picker"),
    path("listings/categories/<int:pk>/refresh/", category_views.category_refresh, name="category_refresh"),
    path("listings/register/", listing_views.listing_register, name="listing_register"),
    path("listings/bulk-edit/", listing_views.listing_bulk_edit, name="listing_bulk_edit"),
    path("listings/send/", listing_views.listing_send, name="listing_send"),
    path("listings/sync/", listing_views.listing_sync, name="listing_sync"),
    path("listings/import/", listing_views.listing_import, name="listing_import"),
    path("listings/migrate/", listing_views.listing_migrate, name="listing_migrate"),
    path("shipping-policies/", listing_views.shipping_policies, name="shipping_policies"),
    path("shipping-policies/<int:pk>/", listing_views.shipping_policy_edit, name="shipping_policy_edit"),
    path("sync/", sync_views.sync_status, name="sync_status"),
    path("sync/<int:pk>/settings/", sync_views.sync_settings, name="sync_settings"),
    path("sync/<int:pk>/reconcile/", sync_views.sync_reconcile, name="sync_reconcile"),
]
