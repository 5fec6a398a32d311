"""The sandbox keeps its own carrier table (it depends on core only): a tracking number the OMS sent
under any carrier code must still be found when the seller's screen asks by another name."""

from marketdock.sandbox.tracking import same_carrier
from marketdock.shipping.carrier_data import CARRIERS, CODES


def test_every_code_the_oms_sends_names_the_same_carrier_in_the_sandbox():
    for key, _name, name_en, *_rest in CARRIERS:
        names = [key, name_en] + [value[0] if isinstance(value, tuple) else value
                                  for value in CODES.get(key, {}).values()]
        for name in names:
            assert same_carrier(name, key), (key, name)


def test_different_carriers_stay_different():
    assert not same_carrier("CJGLS", "hanjin")
    assert not same_carrier("Logen", "KGB-nope")
