"""Every operation of the published OpenAPI document shows an example, and every example fits.

Partners learn the API from /docs, and schemathesis starts each operation from its examples, so
an operation without one, or an example that no longer matches its schema, is a defect. Each
check lists its gaps as ``METHOD path: what`` so one run names everything that is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import jsonschema_rs
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict

from datafantasi.embedded import EmbeddedStack
from shared.settings import EmbeddingSettings, Settings
from tests.support import ADMIN_TOKEN

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# Keywords whose values are subschemas or lists of them, walked to find nested examples.
SUBSCHEMA_KEYWORDS = ("items", "additionalProperties", "not")
SUBSCHEMA_LIST_KEYWORDS = ("anyOf", "oneOf", "allOf", "prefixItems")

Document = dict[str, Any]
Schema = dict[str, Any]


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Document:
    """Return the OpenAPI document of the embedded app, which serves every service's routes."""
    folder = tmp_path_factory.mktemp("openapi")
    settings = Settings(
        data_dir=folder / "data",
        embedding=EmbeddingSettings(model_store=folder / "models"),
        api={"admin_token": ADMIN_TOKEN},
    )
    # The app is never started: building the document needs the routes, not the model.
    stack = EmbeddedStack(settings)
    try:
        return stack.create_app().openapi()
    finally:
        stack.stop()


def operations(document: Document) -> Iterator[tuple[str, Schema]]:
    """Yield each operation as ``("METHOD path", operation object)``."""
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def resolve(document: Document, schema: Schema) -> Schema:
    """Follow ``$ref`` pointers into the document's components."""
    seen: set[str] = set()
    while "$ref" in schema:
        reference = schema["$ref"]
        if reference in seen:
            raise ValueError(f"circular $ref {reference}")
        seen.add(reference)
        target: Any = document
        for part in reference.removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def schema_has_example(document: Document, schema: Schema) -> bool:
    """Tell whether /docs can show an example of ``schema``.

    An example counts on the schema itself, on an array's items, on a branch of ``anyOf`` that
    is not null, or on every property of an object, because Swagger UI builds an object's
    example from its properties' examples. A file (format binary, or a contentMediaType)
    needs none: no JSON value can show its bytes, and Swagger UI offers a file picker or a
    download for it.
    """
    # A $ref may carry its own examples beside it, as pydantic writes a field's examples.
    if schema.get("examples") or "example" in schema:
        return True
    schema = resolve(document, schema)
    if schema.get("examples") or "example" in schema:
        return True
    if schema.get("format") == "binary" or "contentMediaType" in schema:
        return True
    if schema.get("type") == "array" and "items" in schema:
        return schema_has_example(document, schema["items"])
    # An optional body or field: the example of the type that is not null counts.
    choices = [part for part in schema.get("anyOf", []) if part.get("type") != "null"]
    if choices:
        return any(schema_has_example(document, part) for part in choices)
    properties = schema.get("properties")
    if properties:
        return all(schema_has_example(document, part) for part in properties.values())
    return False


def media_has_example(document: Document, media: Schema) -> bool:
    if "example" in media or media.get("examples"):
        return True
    return schema_has_example(document, media.get("schema", {}))


def parameter_gaps(document: Document) -> list[str]:
    gaps = []
    for operation_id, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] not in ("path", "query"):
                continue
            schema = parameter.get("schema", {})
            if "example" in parameter or parameter.get("examples"):
                continue
            if schema_has_example(document, schema):
                continue
            gaps.append(f"{operation_id}: {parameter['in']} parameter {parameter['name']!r}")
    return gaps


def request_body_gaps(document: Document) -> list[str]:
    gaps = []
    for operation_id, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        for media_type, media in content.items():
            if not media_has_example(document, media):
                gaps.append(f"{operation_id}: request body {media_type}")
    return gaps


def success_response(operation: Schema) -> tuple[str, Schema] | None:
    """Return the first 2xx response that has a body, as (status code, response object)."""
    for status in sorted(operation.get("responses", {})):
        response = operation["responses"][status]
        if status.startswith("2") and response.get("content"):
            return status, response
    return None


def response_gaps(document: Document) -> list[str]:
    gaps = []
    for operation_id, operation in operations(document):
        found = success_response(operation)
        if found is None:
            continue
        status, response = found
        for media_type, media in response["content"].items():
            if not media_has_example(document, media):
                gaps.append(f"{operation_id}: response {status} {media_type}")
    return gaps


def nested_examples(schema: Schema, where: str) -> Iterator[tuple[str, Schema, Any]]:
    """Yield ``(where, subschema, example)`` for every example in ``schema`` and below it."""
    for index, example in enumerate(schema.get("examples", []) or []):
        yield f"{where} example {index}", schema, example
    if "example" in schema:
        yield f"{where} example", schema, schema["example"]
    for name, part in (schema.get("properties") or {}).items():
        yield from nested_examples(part, f"{where}.{name}")
    for keyword in SUBSCHEMA_KEYWORDS:
        if isinstance(schema.get(keyword), dict):
            yield from nested_examples(schema[keyword], f"{where} {keyword}")
    for keyword in SUBSCHEMA_LIST_KEYWORDS:
        for index, part in enumerate(schema.get(keyword, [])):
            yield from nested_examples(part, f"{where} {keyword}[{index}]")


def media_examples(media: Schema) -> Iterator[tuple[str, Any]]:
    if "example" in media:
        yield "example", media["example"]
    for name, example in (media.get("examples") or {}).items():
        yield f"example {name!r}", example.get("value")


def all_examples(document: Document) -> Iterator[tuple[str, Schema, Any]]:
    """Yield ``(where, schema, example)`` for every example that a JSON schema describes."""
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        yield from nested_examples(schema, f"schema {name}")
    for operation_id, operation in operations(document):
        for parameter in operation.get("parameters", []):
            where = f"{operation_id}: {parameter['in']} parameter {parameter['name']!r}"
            schema = parameter.get("schema", {})
            yield from nested_examples(schema, where)
            if "example" in parameter:
                yield f"{where} example", schema, parameter["example"]
            for label, example in (parameter.get("examples") or {}).items():
                yield f"{where} example {label!r}", schema, example.get("value")
        bodies = [("request body", operation.get("requestBody", {}).get("content", {}))]
        for status, response in operation.get("responses", {}).items():
            bodies.append((f"response {status}", response.get("content", {})))
        for label, content in bodies:
            for media_type, media in content.items():
                is_json = media_type.endswith("json") or media_type in FORM_MEDIA_TYPES
                if not is_json:
                    continue
                where = f"{operation_id}: {label} {media_type}"
                for example_label, example in media_examples(media):
                    yield f"{where} {example_label}", media.get("schema", {}), example


def invalid_examples(document: Document) -> list[str]:
    problems = []
    components = document.get("components", {})
    for where, schema, example in all_examples(document):
        validator = jsonschema_rs.Draft202012Validator(
            {**schema, "components": components}, validate_formats=True
        )
        for error in validator.iter_errors(example):
            path = "/".join(str(part) for part in error.instance_path)
            problems.append(f"{where} at /{path}: {error.message}")
    return problems


def gap_report(gaps: list[str]) -> str:
    return f"{len(gaps)} missing:\n" + "\n".join(gaps)


def test_path_and_query_parameters_have_examples(document: Document) -> None:
    gaps = parameter_gaps(document)

    assert gaps == [], gap_report(gaps)


def test_request_bodies_have_examples(document: Document) -> None:
    gaps = request_body_gaps(document)

    assert gaps == [], gap_report(gaps)


def test_success_responses_have_examples(document: Document) -> None:
    gaps = response_gaps(document)

    assert gaps == [], gap_report(gaps)


def test_examples_match_their_schemas(document: Document) -> None:
    problems = invalid_examples(document)

    assert problems == [], gap_report(problems)


def test_document_has_every_service_operation(document: Document) -> None:
    # Guards the checks above against passing on a document that lost the services' routers.
    names = {operation_id for operation_id, _ in operations(document)}

    assert len(names) >= 68
    assert "POST /v1/uploads" in names
    assert "GET /v1/analytics/overview" in names
    assert "GET /v1/audience/communities" in names


class Greeting(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "hej", "count": 2}]})

    text: str
    count: int


class Farewell(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "farvel", "count": "to"}]})

    text: str
    count: int


def _sample_document() -> Document:
    app = FastAPI()

    @app.get("/greetings/{name}")
    def greet(name: str, times: Annotated[int, Query(examples=[2])] = 1) -> Greeting:
        return Greeting(text=name, count=times)

    @app.post("/farewells")
    def farewell(body: Farewell) -> dict[str, str]:
        return {"text": body.text}

    return app.openapi()


def test_checks_list_each_missing_example() -> None:
    document = _sample_document()

    assert parameter_gaps(document) == ["GET /greetings/{name}: path parameter 'name'"]
    assert request_body_gaps(document) == []
    assert response_gaps(document) == ["POST /farewells: response 200 application/json"]


def test_checks_list_an_example_that_breaks_its_schema() -> None:
    problems = invalid_examples(_sample_document())

    assert len(problems) == 1
    assert problems[0].startswith("schema Farewell example 0 at /count:")
    assert '"to" is not of type "integer"' in problems[0]


def test_nested_examples_reach_properties_and_items() -> None:
    schema = {
        "type": "array",
        "items": {"type": "object", "properties": {"id": {"type": "string", "examples": ["a"]}}},
        "examples": [[{"id": "b"}]],
    }

    found = [(where, example) for where, _, example in nested_examples(schema, "root")]

    assert found == [("root example 0", [{"id": "b"}]), ("root items.id example 0", "a")]


def test_resolve_follows_references() -> None:
    document = {"components": {"schemas": {"A": {"$ref": "#/components/schemas/B"},
                                           "B": {"type": "string", "examples": ["x"]}}}}

    resolved = resolve(document, {"$ref": "#/components/schemas/A"})

    assert resolved == {"type": "string", "examples": ["x"]}
