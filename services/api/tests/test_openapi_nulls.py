from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from services.api.openapi_nulls import keep_example_nulls


class Item(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "trappe", "revoked_at": None}]}
    )

    name: str
    revoked_at: str | None
    note: str | None = None


class Listing(BaseModel):
    items: list[Item]


def _app() -> FastAPI:
    app = FastAPI()

    @app.get(
        "/items",
        responses={200: {"content": {"application/json": {"example": {
            "items": [{"name": "facade", "revoked_at": None, "note": None}]
        }}}}},
    )
    def list_items() -> Listing:
        return Listing(items=[])

    keep_example_nulls(app)
    return app


def test_required_null_is_back_in_model_example() -> None:
    document = _app().openapi()

    assert document["components"]["schemas"]["Item"]["examples"] == [
        {"name": "trappe", "revoked_at": None}
    ]


def test_required_null_is_back_in_nested_media_example() -> None:
    document = _app().openapi()

    content = document["paths"]["/items"]["get"]["responses"]["200"]["content"]
    # The dropped null of the optional note is indistinguishable from a key the example lacked.
    assert content["application/json"]["example"] == {
        "items": [{"name": "facade", "revoked_at": None}]
    }


def test_document_is_restored_once_and_kept() -> None:
    app = _app()

    first = app.openapi()
    second = app.openapi()

    assert second is first
    assert app.openapi_schema is first
