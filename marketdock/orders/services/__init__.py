"""The orders app's services, one module per stage of an order's life (callers use this package:
`from marketdock.orders import services` then `services.order_transition(...)`).

- `lines`: line and order state every stage reads (effective quantity, roll-up, FlowError)
- `reservation`: every order ↔ stock rule and the quantity helper
- `matching`: order lines → SKUs, match rules
- `progress`: the marketplace's progress and claims on collected lines
- `ingest`: the upsert of one page of marketplace order lines, duplicates, quarantine
- `collection`: collection runs, the account lease, the schedule, the collector
- `shipments`: how lines leave (method, carrier, tracking number, package)
- `effects`: what the marketplace is told: outbox enqueue, handlers, answers, retries; the outbox kinds
- `transitions`: the allowed moves and one function per move
- `edits`: 발송지연 and the buyer/recipient edit
- `export`: the order Excel download and its column templates
- `excel`: upload mappings, order uploads, 수기주문
- `status_excel`: the status/tracking sheet and 출고 내역
- `claims`: what a decided claim does to orders (line cancel, an exchange's replacement order)

Tests that replace a module's function (e.g. `collection.connector_options`) patch that module.
"""
# ruff: noqa: F401  (the re-exports are this module's purpose)

from .claims import line_stock_held, order_line_cancel, order_reship_create
from .collection import (
    CollectionError,
    CollectionFailed,
    account_collect_claim,
    account_schedule_update,
    collection_due_accounts,
    collection_execute,
    collection_run_close,
    collection_run_open,
    collection_run_start,
    collection_schedule_claim,
)
from .edits import (
    EDITABLE_FIELDS,
    DelayReason,
    order_delay,
    order_recipient_update,
)
from .effects import (
    FAILED_EFFECT_Q,
    FAILED_MESSAGE,
    OUTBOX_KINDS,
    channel_capability,
    channel_confirms,
    confirm_enqueue,
    delay_enqueue,
    delay_supported,
    deliver_confirm,
    deliver_delay,
    deliver_dispatch,
    dispatch_enqueue,
    dispatch_withdraw,
    effect_enqueue,
    effect_label,
    effect_result_record,
    order_effects_retry,
    register_effect_handler,
    register_order_handlers,
    registered_kinds,
)
from .excel import (
    BUILTIN_MAPPINGS,
    UPLOAD_FIELDS,
    BuiltinMapping,
    OrderExcelError,
    ResolvedMapping,
    RowError,
    UploadField,
    build_channel_order,
    builtin_sample_bytes,
    errors_workbook_bytes,
    manual_order_create,
    orders_ingest_upload,
    orders_upload,
    parse_datetime_kst,
    parse_int,
    phone_ok,
    read_table,
    resolve_mapping,
    upload_mapping_delete,
    upload_mapping_save,
    validate_rows,
)
from .export import (
    COLUMNS_BY_KEY,
    DEFAULT_COLUMNS,
    EXPORT_COLUMNS,
    ExportColumn,
    ExportResult,
    clean_columns,
    excel_order_ids,
    export_columns_for,
    export_template_delete,
    export_template_save,
    orders_export,
)
from .ingest import (
    buyer_key,
    channel_orders_ingest,
    payload_hash,
    phone_digits,
)
from .lines import (
    FlowError,
    OrderOutcome,
    TransitionResult,
    line_effective_quantity,
    line_is_cancelled,
    order_rollup,
)
from .matching import (
    Match,
    MatchError,
    RuleScope,
    components_for,
    line_match_manual,
    line_unmatch,
    lines_find_matches,
    match_key,
    match_rule_delete,
    match_rules_apply,
    match_waiting_by_sku_codes,
    normalize_text,
    text_key,
    waiting_lines,
)
from .progress import (
    claim_refusal,
    claim_state,
    is_forward,
    line_advance,
    oms_status,
    order_advance,
    order_status_from_lines,
    progress_event,
    shipment_apply,
)
from .reservation import (
    ReserveOutcome,
    component_units,
    deduct_outside,
    inventory_enabled,
    line_components,
    line_release,
    lines_deduct,
    lines_give_back,
    order_lines_stock_lock,
    order_settings,
    order_settings_save,
    orders_reserve,
    outside_shipments_stock,
    stock_lines_for,
)
from .shipments import (
    METHOD_LABELS,
    METHODS,
    Shipment,
    carrier_get,
    shipment_for,
    shipment_from_tracking,
)
from .status_excel import (
    UPLOAD_HEADERS,
    ExportFile,
    StatusExcelError,
    shipped_export,
    status_sheet_export,
    status_upload_apply,
)
from .transitions import (
    ALLOWED,
    Move,
    allowed_targets,
    apply_move,
    copy_order,
    order_hold,
    order_ship_lines,
    order_transition,
    order_unhold,
    transition_refusal,
)
