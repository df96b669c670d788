"""The decrypted payload: a JSON array of activities (seed Step 2, "Key points to remember").

Raises :class:`Rejection` with the offending field as ``activities[i].name``;
returns warnings (unknown fields, empty arrays) for the journal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
    where = f"activities[{index}]"
    if not isinstance(activity, dict):
        _invalid(where, "activity_not_object", f"{where} must be a JSON object")
    for name in spec.ACTIVITY_REQUIRED:
        if name not in activity:
            _invalid(f"{where}.{name}", f"{name}_missing", f"{where}.{name} is required")
    warnings = [f"unknown_field:{where}.{name}" for name in activity if name not in spec.ACTIVITY_KNOWN]

    # seed: "asset_id must be picked from the panel"; "x-asset is the same asset id as in the payload".
    asset_id = activity["asset_id"]
    if not isinstance(asset_id, str) or not asset_id:
        _invalid(f"{where}.asset_id", "asset_id_invalid", f"{where}.asset_id must be a non-empty string")
    if asset_id != asset:
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
        _invalid(f"{where}.activity_name", "activity_name_invalid", f"{where}.activity_name must be a non-empty string")
    when = _timestamp(where, activity["timestamp"], rules)
    age_ms = now_ms - int(when.timestamp() * 1000)
    if age_ms > STALE_AFTER_MS:
        warnings.append(f"timestamp_older_than_24h:{where}.timestamp")
    elif age_ms < -FUTURE_TOLERANCE_MS:
        warnings.append(f"timestamp_in_future:{where}.timestamp")
    # seed: "identity value must be the primary key of the panel"; provider docs: String/Integer.
    identity = activity["identity"]
    if isinstance(identity, bool) or not isinstance(identity, (str, int)) or (isinstance(identity, str) and not identity.strip()):
        _invalid(f"{where}.identity", "identity_invalid", f"{where}.identity must be a non-empty string or an integer")
    # seed: "activity_source can be web if web asset is used or app if app asset is used".
    source = activity["activity_source"]
    if source not in rules.activity_sources:
        allowed = " or ".join(repr(s) for s in rules.activity_sources)
        _invalid(f"{where}.activity_source", "activity_source_invalid", f"{where}.activity_source must be {allowed}")
    # seed: "activity_params must be parameters for the event" (an object in the sample).
    params = activity["activity_params"]
    if not isinstance(params, dict):
        _invalid(f"{where}.activity_params", "activity_params_not_object", f"{where}.activity_params must be a JSON object")
    # Provider's Activity API docs: an empty product array is not inserted ("Do Not Pass an Empty Array").
    warnings.extend(f"empty_array:{where}.activity_params.{key}" for key, value in params.items() if value == [])
    return warnings


def _timestamp(where: str, value: Any, rules: ActivityRules) -> dt.datetime:
    pattern = spec.TIMESTAMP_UTC_Z if rules.timestamp_format == "utc_z" else spec.TIMESTAMP_ISO8601
    expected = "UTC ISO-8601 with Z, e.g. 2025-08-26T12:05:43Z" if rules.timestamp_format == "utc_z" else "ISO-8601 with Z or an offset"
    field = f"{where}.timestamp"
    if not isinstance(value, str) or not pattern.fullmatch(value):
        _invalid(field, "timestamp_format", f"{field} must be {expected}")
    try:
        return dt.datetime.fromisoformat(value)  # 3.11+: takes Z and any fraction length
    except ValueError:
        _invalid(field, "timestamp_invalid_date", f"{field} is not a real date and time")


def _invalid(field: str, reason: str, message: str) -> NoReturn:
    raise Rejection(spec.INVALID_PAYLOAD, reason, field=field, message=message)
