"""One input policy at the edge of the API (issue 12, finding 3; docs/security.md).

Whatever a view does with its input, some input must never reach it:
- text with a NUL character (PostgreSQL refuses it in a string, so it would surface as a
  500 far from the cause) or a lone UTF-16 surrogate (not encodable as UTF-8: the same);
- JSON nested deeper than `API_MAX_JSON_DEPTH` (the parser recurses, so `[` × 100,000
  is a RecursionError), or a JSON body larger than `API_MAX_JSON_BYTES`;
- a query parameter the endpoint does not declare in its OpenAPI description, one given
  twice, or a value of the wrong type or outside its enum.

Each answers 400 (413 for the body size) in the one error format, naming the field or
parameter, before the view runs, so nothing is written. The query rules come from the
published schema itself (`/api/schema/`), so the documentation and the check cannot
drift apart: a parameter is accepted exactly when the schema lists it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from dac_portal.errors import ApplicationError, ValidationError


class BodyTooLarge(ApplicationError):
    status_code = 413
    code = "too_large"


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return "Contains a NUL character."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Contains an unpaired surrogate (not valid Unicode text)."
    return None


def check_tree(data: Any, *, max_depth: int) -> None:
    """Refuse a parsed body whose keys or strings cannot be stored, or that nests deeper
    than `max_depth`. Iterative, so the check itself cannot overflow the stack."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > max_depth:
            errors.setdefault(path or "non_field_errors", []).append(
                f"Nested deeper than {max_depth} levels."
            )
            continue
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                errors.setdefault(path or "non_field_errors", []).append(problem)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                key_text = str(key)
                problem = text_problem(key_text)
                if problem:
                    errors.setdefault(path or "non_field_errors", []).append(f"A key: {problem}")
                    continue
                stack.append((item, f"{path}.{key_text}" if path else key_text, depth + 1))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                stack.append((item, f"{path}.{index}" if path else str(index), depth + 1))
    if errors:
        raise ValidationError("The input contains values that cannot be accepted.", details=errors)


def check_query_dict(query: QueryDict) -> None:
    """NUL characters and surrogates in query parameters or form fields."""
    errors: dict[str, list[str]] = {}
    for key, values in query.lists():
        problem = text_problem(key)
        if problem:
            errors.setdefault("non_field_errors", []).append(f"A parameter name: {problem}")
            continue
        for value in values:
            if isinstance(value, str):
                problem = text_problem(value)
                if problem:
                    errors.setdefault(key, []).append(problem)
    if errors:
        raise ValidationError("The input contains values that cannot be accepted.", details=errors)


class StrictJSONParser(JSONParser):
    """DRF's JSON parser with a size limit, a depth limit, and no NUL or lone surrogate
    anywhere in the result."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_JSON_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(
                f"The body is larger than {limit} bytes.", details={"limit_bytes": limit}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise ValidationError(
                "The JSON is nested too deeply.",
                details={
                    "non_field_errors": [
                        f"Nested deeper than {settings.API_MAX_JSON_DEPTH} levels."
                    ]
                },
            ) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        check_tree(data, max_depth=settings.API_MAX_JSON_DEPTH)
        return data


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told not to.
    raise ValueError(f"{name} is not a JSON value")


# -- query parameters, as the schema declares them -------------------------------------------

_ROUTE_PARAMETER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def schema_path(route: str) -> str:
    """`api/v1/requests/<str:reference>/` -> `/api/v1/requests/{reference}/`, the way
    drf-spectacular names paths."""
    return "/" + _ROUTE_PARAMETER.sub(r"{\1}", route)


# drf-spectacular's schema generation is not thread-safe (its extension classes load
# lazily and are briefly half-loaded): the first API calls of a threaded worker must not
# build the schema at the same time. Seen as a rare 500 under the bench's load.
_schema_lock = threading.Lock()


def declared_query_parameters() -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """(schema path, method) -> {parameter name: its OpenAPI description}, from the
    public schema; computed once per process, by one thread."""
    with _schema_lock:
        return _declared_query_parameters()


@lru_cache(maxsize=1)
def _declared_query_parameters() -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    index: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            index[(path, method.upper())] = {
                p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "query"
            }
    return index


def check_query_parameters(request: HttpRequest, query: QueryDict) -> None:
    """Refuse a query parameter the operation does not declare, one given twice, and a
    value that does not fit its declared type, bounds or enum. A missing required
    parameter is left to the view, which says so after it has checked who is asking."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return
    declared = declared_query_parameters().get(
        (schema_path(match.route), (request.method or "GET").upper())
    )
    if declared is None:
        # Not a documented operation (HEAD, OPTIONS): take no parameters on trust either.
        declared = {}
    errors: dict[str, list[str]] = {}
    for name, values in query.lists():
        parameter = declared.get(name)
        if parameter is None:
            errors[name] = ["Unknown query parameter."]
            continue
        if len(values) > 1:
            errors[name] = ["Give this parameter once."]
            continue
        problem = _value_problem(values[0], parameter.get("schema", {}))
        if problem:
            errors[name] = [problem]
    if errors:
        raise ValidationError("Invalid query parameters.", details=errors)


_INTEGER = re.compile(r"-?[0-9]{1,18}")


def _value_problem(value: str, schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if kind == "integer":
        if not _INTEGER.fullmatch(value):
            return "A whole number."
        number = int(value)
        if "minimum" in schema and number < schema["minimum"]:
            return f"At least {schema['minimum']}."
        if "maximum" in schema and number > schema["maximum"]:
            return f"At most {schema['maximum']}."
    elif kind == "boolean" and value not in ("true", "false"):
        return "true or false."
    enum = schema.get("enum")
    if enum is not None and value not in [str(option) for option in enum]:
        return "One of: " + ", ".join(str(option) for option in enum) + "."
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return f"At most {schema['maxLength']} characters."
    return None
