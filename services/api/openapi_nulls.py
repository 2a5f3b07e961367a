"""Put back the nulls that FastAPI drops from examples in the OpenAPI document.

FastAPI (0.165) encodes the finished document with ``exclude_none=True``, which also removes
every ``null`` value from example objects
(https://github.com/fastapi/fastapi/issues/5559). An example of a response whose
nullable fields are required then lacks those keys and no longer matches its own schema. This
module restores each missing key that is required and allows null, walking the example along
its schema. A nullable key that is not required stays absent, because nothing records that the
example had it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI

Schema = dict[str, Any]


def keep_example_nulls(app: FastAPI) -> None:
    """Make ``app.openapi()`` restore the required nulls in the examples it publishes."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        # FastAPI keeps the document it returns, so the restored one is the one served later.
        document = generate()
        restore_required_nulls(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def restore_required_nulls(document: dict[str, Any]) -> None:
    """Add ``null`` for each required, nullable key that an example object lacks, in place."""
    for schema, example in _examples(document):
        _fill(document, schema, example)


def _examples(document: dict[str, Any]) -> Iterator[tuple[Schema, Any]]:
    for schema in document.get("components", {}).get("schemas", {}).values():
        yield from _schema_examples(schema)
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            contents = [operation.get("requestBody", {}).get("content", {})]
            contents += [r.get("content", {}) for r in operation.get("responses", {}).values()]
            for content in contents:
                for media in content.values():
                    schema = media.get("schema", {})
                    if "example" in media:
                        yield schema, media["example"]
                    for named in (media.get("examples") or {}).values():
                        yield schema, named.get("value")


def _schema_examples(schema: Schema) -> Iterator[tuple[Schema, Any]]:
    for example in schema.get("examples", []) or []:
        yield schema, example
    for part in (schema.get("properties") or {}).values():
        yield from _schema_examples(part)
    if isinstance(schema.get("items"), dict):
        yield from _schema_examples(schema["items"])


def _resolve(document: dict[str, Any], schema: Schema) -> Schema:
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _branches(document: dict[str, Any], schema: Schema) -> list[Schema]:
    schema = _resolve(document, schema)
    choices = schema.get("anyOf") or schema.get("oneOf")
    if not choices:
        return [schema]
    return [branch for choice in choices for branch in _branches(document, choice)]


def _allows_null(document: dict[str, Any], schema: Schema) -> bool:
    return any(branch.get("type") == "null" for branch in _branches(document, schema))


def _fill(document: dict[str, Any], schema: Schema, example: Any) -> None:
    for branch in _branches(document, schema):
        if isinstance(example, dict) and "properties" in branch:
            _fill_object(document, branch, example)
        elif isinstance(example, dict) and isinstance(branch.get("additionalProperties"), dict):
            for value in example.values():
                _fill(document, branch["additionalProperties"], value)
        elif isinstance(example, list) and isinstance(branch.get("items"), dict):
            for value in example:
                _fill(document, branch["items"], value)


def _fill_object(document: dict[str, Any], schema: Schema, example: dict[str, Any]) -> None:
    properties = schema["properties"]
    for name in schema.get("required", []):
        if name not in example and name in properties and _allows_null(document, properties[name]):
            example[name] = None
    for name, value in example.items():
        if name in properties:
            _fill(document, properties[name], value)
