"""Pagination of list endpoints: ``limit`` and an opaque ``cursor`` in, ``items`` and ``next`` out.

``next`` is the full link to the following page (the same query with the new cursor), or null
on the last page, so a client follows links and never builds cursors itself.
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import HTTPException, Query, Request, status
from pydantic import BaseModel, Field

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.", examples=[50])]
Cursor = Annotated[
    str | None,
    Query(
        max_length=64, description="The cursor from the previous page's next link.",
        examples=["50"],
    ),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    # The example is the last page, because a link's path depends on the route that made it.
    next: str | None = Field(
        description="Link to the next page; null on the last page.", examples=[None]
    )


def offset_from(cursor: str | None) -> int:
    """Return the offset an offset cursor stands for; raises 422 for a cursor not made here."""
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 12:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"invalid cursor {cursor!r}")
    return int(cursor)


def next_link(request: Request, cursor: str | int | None) -> str | None:
    if cursor is None:
        return None
    return str(request.url.include_query_params(cursor=str(cursor)))


def offset_page(request: Request, rows: list[T], offset: int, limit: int) -> Page[T]:
    """Build a page from ``limit + 1`` rows read at ``offset``: the extra row means more follow."""
    more = len(rows) > limit
    return Page[T](items=rows[:limit], next=next_link(request, offset + limit) if more else None)


def next_offset_link(request: Request, offset: int, limit: int, total: int) -> str | None:
    """Return the link to the page after ``offset`` of an offset-paginated list, if any."""
    if offset + limit >= total:
        return None
    return str(request.url.include_query_params(offset=offset + limit))
