"""What one imported row did, so that a report counts each data row exactly once."""

from __future__ import annotations

from collections import Counter
from typing import Literal

Outcome = Literal["unchanged", "updated", "created"]
_RANK: dict[Outcome, int] = {"unchanged": 0, "updated": 1, "created": 2}


class RowOutcomes:
    """The outcome of the row being imported, and the tally of the rows done so far.

    A row that touches several records (an organisation and its contact person) counts once,
    by its strongest outcome: created over updated over unchanged.
    """

    def __init__(self) -> None:
        self.current: Outcome = "unchanged"
        self.tally: Counter[Outcome] = Counter()

    def begin_row(self) -> None:
        self.current = "unchanged"

    def mark(self, outcome: Outcome) -> None:
        if _RANK[outcome] > _RANK[self.current]:
            self.current = outcome

    def end_row(self) -> Outcome:
        self.tally[self.current] += 1
        return self.current
