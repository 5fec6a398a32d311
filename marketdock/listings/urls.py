"""The listings screens. Mounted by marketdock/urls.py under /channels/ in the "channels" URL
namespace beside the channel-account screens: their paths and names ("channels:listing_list", ...)
predate the listings app and stay as they are."""

from django.urls import path

from . import views as listing_views
from . import views_categories as category_views
from . import views_description as description_views
from . import views_fields as listing_field_views
from . import views_sync as sync_views

urlpatterns = [
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
