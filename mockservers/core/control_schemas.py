"""JSON Schemas of the common control calls' bodies (``@control_call`` in :mod:`.control` uses them).

Each mirrors a ``to_json`` / ``from_json`` of the core: a field added there without its schema
here fails tests/openapi (responses of the whole suite are validated against the document).
"""

from __future__ import annotations

from .control_spec import ANY_OBJECT, BOOLEAN, INTEGER, STRING, JsonSchema, array, nullable, obj

OUTCOMES = ["accepted", "rejected"]

JOURNAL_ENTRY = obj(
    {
        "id": INTEGER, "time_ms": INTEGER, "method": STRING, "path": STRING,
        "headers": {"type": "object", "additionalProperties": STRING},
        "body": STRING, "body_size": INTEGER, "body_truncated": BOOLEAN,
        "status": nullable(INTEGER),
        "outcome": {"enum": [*OUTCOMES, None]},
        "error_code": {"type": ["string", "integer", "null"]}, "reason": nullable(STRING), "field": nullable(STRING), "detail": nullable(STRING),
        "message_ids": array(STRING), "warnings": array(STRING), "details": ANY_OBJECT,
        "clipped": array(STRING),
    },
    required=("id", "time_ms", "method", "path", "headers", "status", "outcome", "reason", "message_ids", "warnings"),
)
"""``JournalEntry.to_json`` (core/journal.py)."""

REQUESTS = obj(
    {"requests": array(JOURNAL_ENTRY), "recorded": INTEGER, "evicted": INTEGER, "discarded_after_reset": INTEGER},
    required=("requests", "recorded", "evicted"),
)

STORED_MESSAGE = obj(
    {"message_id": STRING, "time_ms": INTEGER, "request_id": INTEGER, "kind": STRING, "payload": {}, "meta": ANY_OBJECT},
    required=("message_id", "time_ms", "kind", "payload", "meta"),
)
"""``StoredMessage.to_json`` (core/store.py)."""

MESSAGES = obj({"messages": array(STORED_MESSAGE), "added": INTEGER, "evicted": INTEGER}, required=("messages", "added", "evicted"))

_FAULT_FIELDS: dict[str, JsonSchema] = {
    "times": {"type": "integer", "minimum": 1, "default": 1},
    "status": {"type": ["integer", "null"], "minimum": 400, "maximum": 599},
    "method": nullable(STRING),
    "path": {"type": ["string", "null"], "description": "fnmatch pattern of the request path"},
    "delay_ms": {"type": "integer", "minimum": 0, "maximum": 60000, "default": 0},
    "drop": BOOLEAN,
    "retry_after": nullable(INTEGER),
}
FAULT = {
    **obj(_FAULT_FIELDS, closed=True),
    # a fault either drops the connection or answers with a status, not both
    "if": {"properties": {"drop": {"const": True}}, "required": ["drop"]},
    "then": {"properties": {"status": {"type": "null"}}},
}
"""``FaultRule.from_json`` (core/faults.py): unknown fields are refused."""

_TENANT = {"type": "string", "description": "only this tenant's requests take the fault(s) (docs/tenants.md)"}
FAULTS_REQUEST: JsonSchema = {"oneOf": [
    obj({"faults": array(FAULT), "tenant": _TENANT}, required=("faults",)),
    {**FAULT, "properties": {**FAULT["properties"], "tenant": _TENANT}},
]}
"""One fault, or ``{"faults": [...]}`` (a single fault refuses a ``faults`` field: it is closed); ``tenant`` scopes either."""
FAULTS = obj({"faults": array(obj(_FAULT_FIELDS, required=("times", "status", "method", "path", "delay_ms", "drop")))}, required=("faults",))

CLOCK = obj({"now_ms": INTEGER, "offset_ms": INTEGER, "frozen": BOOLEAN}, required=("now_ms", "offset_ms", "frozen"))
"""``ClockState.to_json`` (core/clock.py)."""

CLOCK_REQUEST = obj({"offset_ms": INTEGER, "now_ms": INTEGER, "frozen": BOOLEAN, "reset": BOOLEAN})
"""``{"reset": true}`` wins, then ``now_ms``, then ``offset_ms``; one of them is needed (else 400)."""

HEALTH = obj({"provider": STRING, "status": {"const": "ok"}}, required=("provider", "status"))
CONFIG = obj({"provider": STRING, "base_url": STRING}, required=("provider", "base_url"))

_BUDGET = {"retained_bytes": INTEGER, "max_bytes": INTEGER, "evicted": INTEGER}
USAGE = obj(
    {
        "journal": obj({"entries": INTEGER, "recorded": INTEGER, **_BUDGET}, required=("entries", "retained_bytes", "max_bytes")),
        "messages": obj({"messages": INTEGER, "added": INTEGER, **_BUDGET}, required=("messages", "retained_bytes", "max_bytes")),
    },
    required=("journal", "messages"),
)
"""``GET /__mock__/usage``: bytes held against each budget (docs/memory.md)."""
