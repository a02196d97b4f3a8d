"""OpenAPI post-processing: every operation documents the portal's error answers.

All errors share one body (dac_portal.api.error_body), so the schema gets one `Error`
component and each operation lists the error statuses it can answer with. Clients (and
schemathesis) can then rely on the schema for every response, not only the happy path.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object", "additionalProperties": True},
            },
        }
    },
}

ERROR_STATUSES = {
    "400": "Bad input; field errors in details.",
    "401": "No, invalid, expired or revoked token.",
    "403": "The caller may not do this.",
    "404": "No such object, or one the caller may not see.",
    "405": "Method not allowed.",
    "409": "The current state does not allow this; details give status and allowed_actions.",
    "413": "Upload too large.",
    "415": "Unsupported media type.",
    "429": "Too many requests.",
}


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_COMPONENT
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(
                    status,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result
