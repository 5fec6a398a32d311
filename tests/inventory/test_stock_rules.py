"""Random sequences of stock operations against a simple model: after every step the cached level
equals the model and the sum of the ledger, and 0 <= reserved <= on_hand always holds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from marketdock.inventory import services
from marketdock.inventory.models import MovementKind, StockLevel, StockMovement
from tests.factories.catalog import make_set, make_sku, make_warehouse

qty = st.integers(min_value=1, max_value=12)


@pytest.mark.django_db
def test_ledger_always_equals_stock_level(company):
    wh_a = make_warehouse(company, "RA", "A창고")
    wh_b = make_warehouse(company, "RB", "B매장")
    warehouses = [wh_a, wh_b]

    class StockMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            self.skus = [make_sku(company), make_sku(company)]
            self.set_sku = make_set(company, f"SET-{self.skus[0].code}", [(self.skus[0], 2), (self.skus[1], 1)])
            self.model = {(s.pk, w.pk): [0, 0] for s in self.skus for w in warehouses}

        def _try(self, fn, expect_ok: bool, changes):
            if expect_ok:
                fn()
                for key, (d_on, d_res) in changes:
                    self.model[key][0] += d_on
                    self.model[key][1] += d_res
            else:
                with pytest.raises(services.InsufficientStock):
                    fn()

        def _avail(self, key):
            on_hand, reserved = self.model[key]
            return on_hand - reserved

        @rule(i=st.integers(0, 1), w=st.integers(0, 1), q=qty)
        def receive(self, i, w, q):
            sku, wh = self.skus[i], warehouses[w]
            self._try(lambda: services.stock_return(company=company, lines=[(sku.pk, wh.pk, q, None)]), True,
                      [((sku.pk, wh.pk), (q, 0))])

        @rule(i=st.integers(0, 1), w=st.integers(0, 1), q=qty)
        def reserve(self, i, w, q):
            key = (self.skus[i].pk, warehouses[w].pk)
            self._try(lambda: services.stock_reserve(company=company, lines=[(key[0], key[1], q, None)]),
                      self._avail(key) >= q, [(key, (0, q))])

        @rule(w=st.integers(0, 1), q=st.integers(1, 4))
        def reserve_set(self, w, q):
            wh = warehouses[w]
            need = [((self.skus[0].pk, wh.pk), 2 * q), ((self.skus[1].pk, wh.pk), q)]
            ok = all(self._avail(key) >= n for key, n in need)
            self._try(lambda: services.stock_reserve(company=company, lines=[(self.set_sku.pk, wh.pk, q, None)]), ok,
                      [(key, (0, n)) for key, n in need])

        @rule(i=st.integers(0, 1), w=st.integers(0, 1), q=qty)
        def release(self, i, w, q):
            key = (self.skus[i].pk, warehouses[w].pk)
            self._try(lambda: services.stock_release(company=company, lines=[(key[0], key[1], q, None)]),
                      self.model[key][1] >= q, [(key, (0, -q))])

        @rule(i=st.integers(0, 1), w=st.integers(0, 1), q=qty)
        def deduct(self, i, w, q):
            key = (self.skus[i].pk, warehouses[w].pk)
            self._try(lambda: services.stock_deduct(company=company, lines=[(key[0], key[1], q, None)]),
                      self.model[key][1] >= q, [(key, (-q, -q))])

        @rule(i=st.integers(0, 1), w=st.integers(0, 1), q=st.integers(-12, 12).filter(bool))
        def count_adjust(self, i, w, q):
            key = (self.skus[i].pk, warehouses[w].pk)
            self._try(lambda: services.stock_adjust(company=company, sku_id=key[0], warehouse_id=key[1], quantity=q,
                                                    reason="실사", kind=MovementKind.COUNT),
                      q > 0 or self._avail(key) >= -q, [(key, (q, 0))])

        @rule(i=st.integers(0, 1), w=st.integers(0, 1), q=qty)
        def transfer(self, i, w, q):
            sku, src, dst = self.skus[i], warehouses[w], warehouses[1 - w]
            key_src, key_dst = (sku.pk, src.pk), (sku.pk, dst.pk)
            self._try(lambda: services.transfer_create(company=company, from_warehouse=src, to_warehouse=dst,
                                                       lines=[(sku.pk, q)]),
                      self._avail(key_src) >= q, [(key_src, (-q, 0)), (key_dst, (q, 0))])

        @invariant()
        def level_matches_model_and_ledger(self):
            for (sku_id, wh_id), (on_hand, reserved) in self.model.items():
                lv = StockLevel.objects.filter(sku_id=sku_id, warehouse_id=wh_id).values_list("on_hand", "reserved").first()
                assert (lv or (0, 0)) == (on_hand, reserved)
                moves = StockMovement.objects.filter(sku_id=sku_id, warehouse_id=wh_id)
                assert (sum(m.quantity for m in moves), sum(m.reserved_change for m in moves)) == (on_hand, reserved)
                assert 0 <= reserved <= on_hand

    run_state_machine_as_test(
        StockMachine,
        settings=settings(max_examples=25, stateful_step_count=20, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]),
    )
    assert services.stock_levels_reconcile(company=company, fix=False)["drift"] == 0
