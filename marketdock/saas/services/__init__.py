"""saas services, re-exported so callers write `from marketdock.saas import services`."""

from ..plans import plan_of
from .companies import (
    company_terminate,
    generated_password,
    operator_save,
    plan_change,
    service_company_create,
)
from .retention import (
    buyer_data_days,
    buyer_data_purge,
    buyer_data_purge_all,
    company_data_counts,
    company_delete,
    deletion_date,
    terminated_delete_due,
    terminated_due,
)
from .usage import usage_snapshot_all
from .webhooks import (
    sign,
    url_problem,
    webhook_create,
    webhook_delete,
    webhook_redeliver,
    webhook_rotate_secret,
    webhook_send_test,
    webhook_update,
)

__all__ = [
    "buyer_data_days", "operator_save", "plan_of", "buyer_data_purge", "buyer_data_purge_all", "company_data_counts", "company_delete", "company_terminate",
    "deletion_date", "generated_password", "plan_change", "service_company_create", "sign", "terminated_delete_due",
    "terminated_due", "url_problem", "usage_snapshot_all", "webhook_create", "webhook_delete", "webhook_redeliver",
    "webhook_rotate_secret", "webhook_send_test", "webhook_update",
]
