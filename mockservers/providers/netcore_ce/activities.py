"""The decrypted payload: a JSON array of activities (seed Step 2, "Key points to remember").

Raises :class:`Rejection` with the offending field as ``activities[i].name``;
returns warnings (unknown fields, empty arrays) for the journal.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sealmail.mockservers.core import Rejection

from . import spec


STALE_AFTER_MS = 24 * 3600 * 1000
"""Provider's Activity API docs: events more than 24 h old are stored but trigger no journey."""
FUTURE_TOLERANCE_MS = 5 * 60 * 1000
"""[open] Clock skew tolerated before a future timestamp is worth a journal warning."""


@dataclass(frozen=True)
class ActivityRules:
    """The knobs of validation (from the mock's config)."""

    timestamp_format: str = "utc_z"
    activity_sources: tuple[str, ...] = spec.ACTIVITY_SOURCES
    max_activities: int = spec.MAX_ACTIVITIES
    timestamp_pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    """Derived once per config (not per activity) from ``timestamp_format``."""
    timestamp_expected: str = field(init=False, repr=False, compare=False)
    """What the ``timestamp_format`` rejection says is expected."""

    def __post_init__(self) -> None:
        utc_z = self.timestamp_format == "utc_z"
        object.__setattr__(self, "timestamp_pattern", spec.TIMESTAMP_UTC_Z if utc_z else spec.TIMESTAMP_ISO8601)
        expected = "UTC ISO-8601 with Z, e.g. 2025-08-26T12:05:43Z" if utc_z else "ISO-8601 with Z or an offset"
        object.__setattr__(self, "timestamp_expected", expected)


def validate_activities(payload: Any, asset: str, rules: ActivityRules, now_ms: int) -> list[str]:
    """Check every activity; the first violation raises. Returns journal warnings.

    ``now_ms`` (the mock clock) only feeds warnings: provider docs say an event
    more than 24 h old is stored but triggers no journey.
    """
    if not isinstance(payload, list):
        _invalid("activities", "payload_not_array", "The decrypted payload must be a JSON array of activities")
    if not payload:
        _invalid("activities", "payload_empty", "The decrypted payload holds no activities")
    if len(payload) > rules.max_activities:
        _invalid("activities", "too_many_activities", f"At most {rules.max_activities} activities per request, got {len(payload)}")
    warnings: list[str] = []
    for index, activity in enumerate(payload):
        warnings.extend(_activity(index, activity, asset, rules, now_ms))
    return warnings


def _activity(index: int, activity: Any, asset: str, rules: ActivityRules, now_ms: int) -> list[str]:
    # Error texts name "activities[i].field"; they are built only when a rule fails
    # (_where / _field), not for every accepted activity.
    if not isinstance(activity, dict):
        where = _where(index)
        _invalid(where, "activity_not_object", f"{where} must be a JSON object")
    names = activity.keys()
    # Fast path: one set comparison each; the scans naming the first offender run only when one exists.
    if not names >= _REQUIRED:
        _missing_field(index, activity)
    warnings = [] if names <= spec.ACTIVITY_KNOWN else _unknown_fields(index, activity)

    # seed: "asset_id must be picked from the panel"; "x-asset is the same asset id as in the payload".
    asset_id = activity["asset_id"]
    if not isinstance(asset_id, str) or not asset_id:
        _invalid_field(index, "asset_id", "asset_id_invalid", "must be a non-empty string")
    if asset_id != asset:
        where = _where(index)
        raise Rejection(
            spec.ASSET_MISMATCH,
            "asset_id_mismatch",
            field=f"{where}.asset_id",
            detail=f"payload asset_id {asset_id!r} != x-asset {asset!r}",
            message=f"{where}.asset_id does not match the x-asset header",
        )
    # seed: "actvity_name must be the desired event name".
    name = activity["activity_name"]
    if not isinstance(name, str) or not name.strip():
        _invalid_field(index, "activity_name", "activity_name_invalid", "must be a non-empty string")
    when = _timestamp(index, activity["timestamp"], rules)
    age_ms = now_ms - int(when.timestamp() * 1000)
    if age_ms > STALE_AFTER_MS:
        warnings.append(f"timestamp_older_than_24h:{_field(index, 'timestamp')}")
    elif age_ms < -FUTURE_TOLERANCE_MS:
        warnings.append(f"timestamp_in_future:{_field(index, 'timestamp')}")
    # seed: "identity value must be the primary key of the panel"; provider docs: String/Integer.
    identity = activity["identity"]
    if isinstance(identity, bool) or not isinstance(identity, (str, int)) or (isinstance(identity, str) and not identity.strip()):
        _invalid_field(index, "identity", "identity_invalid", "must be a non-empty string or an integer")
    # seed: "activity_source can be web if web asset is used or app if app asset is used".
    if activity["activity_source"] not in rules.activity_sources:
        allowed = " or ".join(repr(s) for s in rules.activity_sources)
        _invalid_field(index, "activity_source", "activity_source_invalid", f"must be {allowed}")
    # seed: "activity_params must be parameters for the event" (an object in the sample).
    params = activity["activity_params"]
    if not isinstance(params, dict):
        _invalid_field(index, "activity_params", "activity_params_not_object", "must be a JSON object")
    # Provider's Activity API docs: an empty product array is not inserted ("Do Not Pass an Empty Array").
    if [] in params.values():  # fast path: the scan naming the keys runs only when there is one
        where = _where(index)
        warnings.extend(f"empty_array:{where}.activity_params.{key}" for key, value in params.items() if value == [])
    return warnings


_REQUIRED = frozenset(spec.ACTIVITY_REQUIRED)


def _missing_field(index: int, activity: dict[str, Any]) -> NoReturn:
    """Reject the first required field (in the seed's order) that ``activity`` lacks."""
    for name in spec.ACTIVITY_REQUIRED:
        if name not in activity:
            path = _field(index, name)
            _invalid(path, f"{name}_missing", f"{path} is required")
    raise AssertionError("called without a missing field")


def _unknown_fields(index: int, activity: dict[str, Any]) -> list[str]:
    where = _where(index)
    return [f"unknown_field:{where}.{name}" for name in activity if name not in spec.ACTIVITY_KNOWN]


def _timestamp(index: int, value: Any, rules: ActivityRules) -> dt.datetime:
    if not isinstance(value, str) or not rules.timestamp_pattern.fullmatch(value):
        _invalid_field(index, "timestamp", "timestamp_format", f"must be {rules.timestamp_expected}")
    try:
        return dt.datetime.fromisoformat(value)  # 3.11+: takes Z and any fraction length
    except ValueError:
        _invalid_field(index, "timestamp", "timestamp_invalid_date", "is not a real date and time")


def _where(index: int) -> str:
    return f"activities[{index}]"


def _field(index: int, name: str) -> str:
    return f"activities[{index}].{name}"


def _invalid_field(index: int, name: str, reason: str, problem: str) -> NoReturn:
    """Reject ``activities[index].name`` with the message ``"<that field> <problem>"``."""
    path = _field(index, name)
    _invalid(path, reason, f"{path} {problem}")


def _invalid(field: str, reason: str, message: str) -> NoReturn:
    raise Rejection(spec.INVALID_PAYLOAD, reason, field=field, message=message)
