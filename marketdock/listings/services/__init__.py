"""Listing state changes: shipping policies (LST-8), drafts and 쇼핑몰전송 (LST-2), bulk edit (LST-5),
import (LST-3), data migration by code (LST-4) and pulling the channel's state (LST-6).

Anything that talks to a marketplace runs in a job (see tasks.py) and never holds a database
transaction open across an HTTP call: the listing is read, the call is made, then the outcome is
written in its own short transaction.

Callers read `from marketdock.listings import services`; the modules hold:

- `common`: the error, price limits, an account's connector, company checks
- `policies`: shipping policies
- `drafts`: listing drafts for registration, sellable stock, an account's listing fields
- `send`: sending listings to a channel, bulk edits
- `imports`: listings read from a channel (import, pull, accept)
- `links`: linking channel listings to SKUs by code
- `channel_stock`: what a listing option may sell on its channel (allocation)
- `dirty`: the stock hook's dirty marks and the debounced push cycle request
- `push_queue`: push cycles, the account's request budget, the sweep
- `push`: delivering stock, price and sale-status pushes (the outbox handlers)
- `reconcile`: read-back reconciliation, sync settings, lag figures
- `sync_transport`: the connector pushes use (patch `sync_transport._connector` in tests)

Stock push (LST-7, INV-6):

Channel stock of one listing option = the available stock (on hand − reserved) of its mapped SKUs in
the active warehouses exposed to channels, divided by the units one sale takes (a set SKU is the
minimum over its components; a bundle option over all its SKUs), rounded down, then the listing's
allocation rule: all, fixed (at most N), percent (N % of it, rounded down), or buffer (N kept back).
A SKU marked 품절/사용안함 in the catalogue counts as 0. A listing of a product that is not
stock-managed pushes the stock typed in on the listing (nothing when none was typed).

How a change reaches the channel:

1. Every stock change (reservation, release, shipment, inbound, return, adjustment, count, transfer)
   passes `inventory.services.ledger._apply`, which calls `inventory.hooks.stock_changed` inside its
   transaction; `dirty._stock_changed` INSERTs one `ListingDirty` row per linked listing of the changed
   SKUs (directly or through a set), in that same transaction, and asks for a push cycle of the
   company right after the commit (debounced: at most one cycle scheduled per `DEBOUNCE_SECONDS`).
2. A push cycle (`stock_sync_cycle`) claims, per account and kind, committed dirty rows with a
   token and enqueues ONE outbox message for them (key `stock:<account>:<token>`) — unless a message
   of that account and kind is still undelivered: then the rows wait, and the in-flight message's
   delivery claims the next batch right away (no cycle delay). So an account never has two stock
   pushes queued, and a newer change never races an older one. A message is BOUNDED: it carries at
   most the listings the account's request budget writes in PUSH_WINDOW_SECONDS (the connector's
   `stock_push_capacity`, from its rate limit and how many listings — or options, where each option
   is its own write, as on Coupang — one request takes), so a change made now is in the next
   message, a few seconds away, never behind a whole account's re-sync.
   Change-driven rows are claimed first; rows of a full re-sync (`resync`: first connection,
   reconciliation, 전체 재고 동기화) only fill what budget is left, so a re-sync yields to changes.
   Messages are delivered per account (outbox `deliver_account` tasks), so one account's slow or
   failing channel holds one worker thread and never another account's push.
3. The outbox delivers the message through `stock_push_deliver`, which computes every claimed
   listing's channel stock NOW (so no stale value is ever sent, however long the message waited),
   skips options whose value the channel already holds, tells the connector what our rows know of the
   listings (`remember_listings`: marketplace product numbers, options, prices, stock — so it writes
   without reading first), and calls it once with all the rest (the connector batches in the
   marketplace's shape: Shopify one inventorySetQuantities per 250 options, Naver one option-stock per
   product with options and one multi-update for many without, Coupang one call per vendorItemId). Compare-and-set where the API offers it (Shopify changeFromQuantity):
   the expected value is what we last pushed; a conflict re-reads the channel's actual quantity and
   writes min(ours, actual) with that as the new expectation — an unexplained decrease on the channel
   is usually a sale not collected yet, and collection reserves it, which pushes again.
   Then auto stop-sale at 0 (listing → 품절) and resume on restock (only listings we stopped), per
   account setting. The claimed rows are deleted when the channel acknowledged; retryable item
   failures are released to the next cycle; whole-call failures (outage, 429) leave the message to
   the outbox's retries — the claimed rows stay, and the value is recomputed at the retry.
4. A periodic sweep (every minute) runs cycles that were missed and releases rows of messages that
   failed for good; a periodic reconciliation reads every listing back from the channel and pushes
   the ones that drifted.
"""

from .channel_stock import (
    MAX_SET_DEPTH,
    OPT_AUTO_RESUME,
    OPT_AUTO_STOP,
    ListingStock,
    OptionStock,
    allocate,
    auto_resume_enabled,
    auto_stop_enabled,
    channel_stock,
    sku_channel_available,
)
from .common import MAX_FEE, MAX_PRICE, ListingError, connector_options
from .dirty import DEBOUNCE_SECONDS, listings_mark_dirty, listings_mark_dirty_for_skus
from .drafts import (
    LISTING_FIELDS_KEY,
    RegisterTarget,
    account_listing_fields,
    account_listing_fields_save,
    listing_draft_payload,
    listings_draft,
    sellable_stock,
)
from .imports import (
    CODE_RE,
    ImportOutcome,
    listing_accept_channel,
    listing_import_one,
    listing_pull_apply,
    product_create_from_channel,
)
from .links import LinkRow, LinkSummary, link_rows_parse, listing_option_map, listings_link_by_code
from .policies import MONEY_LABELS, SHIPPING_FIELDS, shipping_policy_delete, shipping_policy_save
from .push import (
    listing_sale_status_push,
    price_push_deliver,
    register_outbox_handlers,
    sale_status_deliver,
    stock_push_deliver,
)
from .push_queue import (
    FALLBACK_LISTINGS_PER_MESSAGE,
    GIVEN_UP,
    IN_FLIGHT,
    KEEP_PUSHES,
    MAX_LISTINGS_PER_MESSAGE,
    PUSH_WINDOW_SECONDS,
    RECLAIM_AFTER,
    companies_with_dirty,
    push_budget,
    push_capacity,
    push_rate,
    stock_sync_cycle,
    stock_sync_sweep,
)
from .reconcile import (
    LAG_WINDOW,
    account_sync_settings_update,
    lag_percentiles,
    stock_reconcile_account,
    stock_reconcile_all,
)
from .send import BULK_GROUPS, SendResult, listing_send, listing_update, listings_bulk_edit, order_product_id
from .sync_transport import logger

__all__ = [
    "register_outbox_handlers",
    "BULK_GROUPS",
    "CODE_RE",
    "DEBOUNCE_SECONDS",
    "FALLBACK_LISTINGS_PER_MESSAGE",
    "GIVEN_UP",
    "IN_FLIGHT",
    "ImportOutcome",
    "KEEP_PUSHES",
    "LAG_WINDOW",
    "LISTING_FIELDS_KEY",
    "LinkRow",
    "LinkSummary",
    "ListingError",
    "ListingStock",
    "MAX_FEE",
    "MAX_LISTINGS_PER_MESSAGE",
    "MAX_PRICE",
    "MAX_SET_DEPTH",
    "MONEY_LABELS",
    "OPT_AUTO_RESUME",
    "OPT_AUTO_STOP",
    "OptionStock",
    "PUSH_WINDOW_SECONDS",
    "RECLAIM_AFTER",
    "RegisterTarget",
    "SHIPPING_FIELDS",
    "SendResult",
    "account_listing_fields",
    "account_listing_fields_save",
    "account_sync_settings_update",
    "allocate",
    "auto_resume_enabled",
    "auto_stop_enabled",
    "channel_stock",
    "companies_with_dirty",
    "connector_options",
    "lag_percentiles",
    "link_rows_parse",
    "listing_accept_channel",
    "listing_draft_payload",
    "listing_import_one",
    "listing_option_map",
    "listing_pull_apply",
    "listing_sale_status_push",
    "listing_send",
    "listing_update",
    "listings_bulk_edit",
    "listings_draft",
    "listings_link_by_code",
    "listings_mark_dirty",
    "listings_mark_dirty_for_skus",
    "logger",
    "order_product_id",
    "price_push_deliver",
    "product_create_from_channel",
    "push_budget",
    "push_capacity",
    "push_rate",
    "sale_status_deliver",
    "sellable_stock",
    "shipping_policy_delete",
    "shipping_policy_save",
    "sku_channel_available",
    "stock_push_deliver",
    "stock_reconcile_account",
    "stock_reconcile_all",
    "stock_sync_cycle",
    "stock_sync_sweep",
]
