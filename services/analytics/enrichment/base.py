"""Enrichment of members from external company data, behind one connector interface."""

from __future__ import annotations

import abc
from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class CompanyFacts:
    cvr: str
    industry_code: str | None = None
    industry: str | None = None
    employee_band: str | None = None


class CompanyDataConnector(abc.ABC):
    """A source of company facts keyed by Danish company number (CVR)."""

    name: str

    @abc.abstractmethod
    def lookup(self, cvr_numbers: Collection[str]) -> dict[str, CompanyFacts]:
        """Return the facts the source has for the given CVR numbers; unknown ones are absent."""
