"""The OpenAPI 3.0 description of ``/v1/events`` that the intake publishes at
``/v1/openapi.json``: what a portal's developers build against, and what schemathesis
checks the server against (tests/integration/test_http_intake_openapi.py)."""

from __future__ import annotations

from typing import Any

from ioc.ingest.validate import DEAD_LETTER_REASONS

MAX_ITEMS = 10_000


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def openapi(max_body_bytes: int) -> dict[str, Any]:
    # Any item is taken and judged on its own: one that is not a DossierEvent, a
    # FeedbackEvent or a SocAlertStatus (docs/sources.md) is answered "rejected" in a 200
    # and dead-lettered, never a 4xx for the whole request.
    item: dict[str, Any] = {
        "description": (
            "A DossierEvent, a FeedbackEvent or a SocAlertStatus (event_type 'dossier', "
            "'feedback' or 'soc_alert_status'); anything else is judged 'rejected' with its "
            "reason."
        )
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "IOC event intake",
            "version": "1",
            "description": (
                "Dossier steps from the public-service portal, citizen feedback (PAKN) from "
                "the feedback system and SOC alert status changes from the case tool. A 200 "
                "means every accepted item is stored and every rejected one dead-lettered; a "
                "503 means resend the request whole: a resend stores nothing twice."
            ),
        },
        "paths": {
            "/v1/events": {
                "post": {
                    "operationId": "postEvents",
                    "security": [{"bearer": []}],
                    "description": (
                        "The body may be gzip-compressed (Content-Encoding: gzip); it is "
                        "inflated up to the body limit."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    **item,
                                    "description": (
                                        "One item, or an array of at most "
                                        f"{MAX_ITEMS} items (413 beyond). " + item["description"]
                                    ),
                                }
                            },
                            "application/x-ndjson": {
                                "schema": {"description": "One item a line. " + item["description"]}
                            },
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Every item judged: accepted, duplicate or rejected.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Answer"}
                                }
                            },
                        },
                        "400": _error("The body is not JSON, or not gzip as it says."),
                        "401": _error("No bearer token, or a wrong one."),
                        "408": _error("The body did not arrive in time."),
                        "413": _error(
                            f"The body is over {max_body_bytes} bytes (or inflates past it), "
                            f"or has more than {MAX_ITEMS} items."
                        ),
                        "415": _error("A Content-Type or Content-Encoding it does not take."),
                        "503": _error("The broker is not reachable: resend later."),
                    },
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "ready",
                    "responses": {
                        "200": {"description": "The broker answers: send traffic here."},
                        "503": {"description": "The broker does not answer."},
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
                "Answer": {
                    "type": "object",
                    "required": ["accepted", "duplicate", "rejected", "items"],
                    "properties": {
                        "accepted": {"type": "integer", "minimum": 0},
                        "duplicate": {"type": "integer", "minimum": 0},
                        "rejected": {"type": "integer", "minimum": 0},
                        "items": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["index", "status"],
                                "properties": {
                                    "index": {"type": "integer", "minimum": 0},
                                    "status": {
                                        "type": "string",
                                        "enum": ["accepted", "duplicate", "rejected"],
                                    },
                                    "event_id": {"type": "string"},
                                    "reason": {
                                        "type": "string",
                                        "enum": list(DEAD_LETTER_REASONS),
                                    },
                                    "field": {"type": "string"},
                                    "detail": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    }
