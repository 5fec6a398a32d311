"""Test data in one place: plain functions that make companies, users, products, SKUs, channel
accounts, orders, packages and the marketplace stand-ins the tests talk to. Test modules import from
here (or from the shared helper modules beside it), never from another test module; a factory is
defined once (tests/core/test_architecture_tests.py checks both).

    core       companies, users, logged-in clients
    catalog    brands, products, SKUs and sets, warehouses, stock receipts
    channels   channel accounts, marketplace samples, connectors on a mock transport
    orders     marketplace order lines, the real ingest, orders saved straight to the tables
    shipping   sender warehouses, carrier contracts, tracking stand-ins, label text
    sandbox    connectors on the sandbox marketplace and what it recorded
    analytics  order histories written straight to the order tables for the sales rollup
    settlement orders, claims, commission rules and payout schedules for the settlement services; stores
"""
