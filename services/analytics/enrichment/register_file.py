"""A company-register extract (CSV or XLSX) as a connector: CVR, industry code, employee band."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field

from services.analytics.enrichment.base import CompanyDataConnector, CompanyFacts
from services.analytics.importing.columns import FileKind, map_columns
from services.analytics.importing.records import parse_company
from services.analytics.importing.tables import read_table
from services.analytics.importing.values import InvalidValue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisterRowError:
    line: int
    reason: str


@dataclass
class RegisterFileConnector(CompanyDataConnector):
    """Reads the whole extract once; the register's own column names (e.g. CVR-nummer,
    Branchekode, Antal ansatte) and English ones are recognised."""

    filename: str
    data: bytes
    name: str = "company-register-file"
    rejected: list[RegisterRowError] = field(default_factory=list)
    _facts: dict[str, CompanyFacts] | None = None

    def lookup(self, cvr_numbers: Collection[str]) -> dict[str, CompanyFacts]:
        facts = self._load()
        return {cvr: facts[cvr] for cvr in cvr_numbers if cvr in facts}

    def _load(self) -> dict[str, CompanyFacts]:
        if self._facts is None:
            table = read_table(self.filename, self.data)
            columns = map_columns(FileKind.COMPANY_REGISTER, table.headers)
            self._facts = {}
            self.rejected.extend(RegisterRowError(row.line, row.reason) for row in table.unreadable)
            for row in table.rows:
                try:
                    record = parse_company(row.values, columns)
                except InvalidValue as error:
                    self.rejected.append(RegisterRowError(row.line, str(error)))
                    continue
                self._facts[record.cvr] = CompanyFacts(
                    cvr=record.cvr,
                    industry_code=record.industry_code,
                    industry=record.industry,
                    employee_band=record.employee_band,
                )
            logger.info(
                "read company register %r: %d companies, %d rows rejected",
                self.filename, len(self._facts), len(self.rejected),
            )
        return self._facts
