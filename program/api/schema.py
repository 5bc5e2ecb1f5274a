"""The API's OpenAPI schema, completed with what django-ninja cannot see from the views.

- **Answers any operation may give** besides its own: 401 (no or bad credentials, from the
  authentication), 429 (``API_RATE_LIMIT``, with ``Retry-After``), 413 for operations with
  a body (``MAX_REQUEST_BYTES``, refused by ``accounts.middleware`` before the view), and
  414 and 431 (a request line or headers longer than gunicorn or the proxy read: refused
  before the app, as plain text, so they are declared without a body).
- **OpenAPI links** (``LINKS``): how an answer's values feed the next call, e.g. the
  patient id in ``GET /me`` to the patient's diary, or a saved night's date to its PUT.
  Clients can follow them; schemathesis's stateful phase chains calls with them
  (tests/program/test_api_fuzz.py).
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from ninja import NinjaAPI
from ninja.operation import Operation
from pydantic import WithJsonSchema

# A time of day on the patient's own clock, as the API writes it ("00:45:00"). Not JSON
# Schema's ``format: time``: that is RFC 3339's full-time, which must carry a UTC offset
# ("00:45:00Z"), and a bedtime is a wall-clock time in the patient's zone, with none.
WallClock = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$",
            "description": "A wall-clock time in the patient's time zone (HH:MM:SS).",
            "examples": ["00:45:00"],
        }
    ),
]

DETAIL = {
    "type": "object",
    "properties": {"detail": {"title": "Detail"}},
    "required": ["detail"],
}
RETRY_AFTER = {
    "description": "Seconds to wait before calling again.",
    "schema": {"type": "integer", "minimum": 1},
}
COMMON_RESPONSES: dict[str, dict[str, Any]] = {
    "401": {
        "description": "No credentials, or a token that is unknown or revoked.",
        "content": {"application/json": {"schema": DETAIL}},
    },
    "414": {"description": "The URL is longer than the server reads (refused before the app)."},
    "429": {
        "description": "Too many calls from this person; wait as `Retry-After` says.",
        "headers": {"Retry-After": RETRY_AFTER},
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "detail": {"type": "string"},
                        "retry_after": {"type": "integer", "minimum": 1},
                    },
                    "required": ["detail", "retry_after"],
                }
            }
        },
    },
    "431": {
        "description": "The headers are larger than the server reads (refused before the app)."
    },
}
BODY_RESPONSES: dict[str, dict[str, Any]] = {
    "413": {
        "description": "The body is larger than `MAX_REQUEST_BYTES` (refused before reading it).",
        "content": {"application/json": {"schema": DETAIL}},
    },
}

PATIENT = "/api/v1/patients/{patient_id}"
# (path, method, status) → {link name: link}. Runtime expressions per OpenAPI 3.1 §4.8.20.
LINKS: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {
    ("/api/v1/me", "get", "200"): {
        name: {
            "operationRef": f"#/paths/{pointer}/{method}",
            "parameters": {"patient_id": "$response.body#/id"},
            "description": description,
        }
        for name, pointer, method, description in [
            ("MyDiary", "~1api~1v1~1patients~1{patient_id}~1diary", "get", "Your own nights."),
            ("AddANight", "~1api~1v1~1patients~1{patient_id}~1diary", "post", "Save a night."),
            (
                "MyWeeklyMetrics",
                "~1api~1v1~1patients~1{patient_id}~1metrics~1weekly",
                "get",
                "Your weeks.",
            ),
            (
                "MySleepWindow",
                "~1api~1v1~1patients~1{patient_id}~1sleep-window",
                "get",
                "Your sleep window.",
            ),
            (
                "MyAssessments",
                "~1api~1v1~1patients~1{patient_id}~1assessments",
                "get",
                "Your questionnaires.",
            ),
        ]
    },
    (f"{PATIENT}/diary", "post", "201"): {
        "EditTheNight": {
            "operationRef": "#/paths/~1api~1v1~1patients~1{patient_id}~1diary~1{diary_date}/put",
            "parameters": {
                "patient_id": "$request.path.patient_id",
                "diary_date": "$response.body#/diary_date",
            },
            "description": "Correct the night just saved.",
        },
        "ThatPatientsDiary": {
            "operationRef": "#/paths/~1api~1v1~1patients~1{patient_id}~1diary/get",
            "parameters": {"patient_id": "$request.path.patient_id"},
            "description": "The diary the night was added to.",
        },
    },
}


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            # ninja keys its own by number: one spelling, so none is declared twice.
            responses = {str(status): r for status, r in operation.get("responses", {}).items()}
            operation["responses"] = responses
            extra = COMMON_RESPONSES | (BODY_RESPONSES if "requestBody" in operation else {})
            for status, response in extra.items():
                responses.setdefault(status, response)
            for status, response in responses.items():
                links = LINKS.get((path, method, status))
                if links:
                    response["links"] = links
    return schema


class SleepBetterAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return complete(super().get_openapi_schema(**kwargs))

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """``program_api_<view>``, as when every operation lived in one module: clients
        generated from the document keep their method names whichever router holds it
        (tests/program/test_api_routers.py)."""
        return f"program_api_{operation.view_func.__name__}"
