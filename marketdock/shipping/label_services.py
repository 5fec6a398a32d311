"""Label-service connectors: where a package's tracking number comes from.

A `LabelService` takes packages to ship under one carrier contract and returns one tracking number
per package, in order. Implementations:

- `BandLabelService` — numbers from the company's own bands (송장 대역), with the carrier's check
  digit (`services.tracking_number_issue`).

A GoodsFlow-style service (register the contract, send print requests, the number is assigned when
the label prints) implements the same interface when it is connected; none is bundled yet.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from . import services
from .models import CarrierContract


@dataclass(frozen=True)
class LabelRequest:
    """One package to number. `reference` ties the number to the package (e.g. "package:12")."""

    reference: str
    box_size: str = ""


class LabelService(ABC):
    contract: CarrierContract

    @abstractmethod
    def issue(self, packages: Sequence[LabelRequest]) -> list[str]:
        """One tracking number per package, in the packages' order; all or none."""


class BandLabelService(LabelService):
    def __init__(self, *, company, contract: CarrierContract) -> None:
        self.company = company
        self.contract = contract

    def issue(self, packages: Sequence[LabelRequest]) -> list[str]:
        if not packages:
            return []
        with transaction.atomic():
            return services.tracking_number_issue(
                company=self.company, contract=self.contract, count=len(packages),
                references=[p.reference for p in packages])


def label_service_for(*, company, contract: CarrierContract) -> LabelService:
    """The label service a contract issues numbers through (bands, for now)."""
    return BandLabelService(company=company, contract=contract)


__all__ = ["LabelRequest", "LabelService", "BandLabelService", "label_service_for"]
