"""validate_activities: exact rejection texts and journal warnings (the fast paths must not change them)."""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.mockservers.core import Rejection
from sealmail.mockservers.providers.netcore_ce import spec
from sealmail.mockservers.providers.netcore_ce.activities import ActivityRules, validate_activities

ASSET = "asset-1"
NOW_MS = 1_756_209_943_000  # 2025-08-26T12:05:43Z
RULES = ActivityRules()


def activity(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "asset_id": ASSET, "activity_name": "product_viewed", "timestamp": "2025-08-26T12:05:43Z",
        "identity": "u1", "activity_source": "web", "activity_params": {"sku": "A"},
    }
    for name, value in changes.items():
        if value is DROP:
            del base[name]
        else:
            base[name] = value
    return base


DROP = object()


def rejection(payload: Any, rules: ActivityRules = RULES) -> Rejection:
    with pytest.raises(Rejection) as caught:
        validate_activities(payload, ASSET, rules, NOW_MS)
    return caught.value


@pytest.mark.parametrize(("payload", "reason", "field", "message"), [
    ([activity(), "x"], "activity_not_object", "activities[1]", "activities[1] must be a JSON object"),
    # Several fields missing: the first in the seed's order is named.
    ([activity(timestamp=DROP, asset_id=DROP)], "asset_id_missing", "activities[0].asset_id", "activities[0].asset_id is required"),
    ([activity(activity_params=DROP, identity=DROP)], "identity_missing", "activities[0].identity", "activities[0].identity is required"),
    ([activity(asset_id="")], "asset_id_invalid", "activities[0].asset_id", "activities[0].asset_id must be a non-empty string"),
    ([activity(activity_name=3)], "activity_name_invalid", "activities[0].activity_name",
     "activities[0].activity_name must be a non-empty string"),
    ([activity(timestamp="2025-08-26T12:05:43")], "timestamp_format", "activities[0].timestamp",
     "activities[0].timestamp must be UTC ISO-8601 with Z, e.g. 2025-08-26T12:05:43Z"),
    ([activity(timestamp="2025-02-30T12:05:43Z")], "timestamp_invalid_date", "activities[0].timestamp",
     "activities[0].timestamp is not a real date and time"),
    ([activity(identity=[])], "identity_invalid", "activities[0].identity",
     "activities[0].identity must be a non-empty string or an integer"),
    ([activity(activity_source="crm")], "activity_source_invalid", "activities[0].activity_source",
     "activities[0].activity_source must be 'web' or 'app'"),
    ([activity(activity_params=[])], "activity_params_not_object", "activities[0].activity_params",
     "activities[0].activity_params must be a JSON object"),
])
def test_rejections_name_the_field_and_say_what_is_expected(payload: Any, reason: str, field: str, message: str) -> None:
    error = rejection(payload)
    assert (error.kind, error.reason, error.field, error.message) == (spec.INVALID_PAYLOAD, reason, field, message)


def test_lenient_timestamps_say_what_they_take() -> None:
    error = rejection([activity(timestamp="2025-08-26 12:05:43Z")], ActivityRules(timestamp_format="iso8601"))
    assert error.message == "activities[0].timestamp must be ISO-8601 with Z or an offset"


def test_asset_mismatch_names_both_assets() -> None:
    error = rejection([activity(), activity(asset_id="other")])
    assert (error.kind, error.reason, error.field) == (spec.ASSET_MISMATCH, "asset_id_mismatch", "activities[1].asset_id")
    assert error.detail == "payload asset_id 'other' != x-asset 'asset-1'"
    assert error.message == "activities[1].asset_id does not match the x-asset header"


def test_a_clean_activity_gives_no_warning() -> None:
    assert validate_activities([activity(), activity(identity=7, email="a@example.org")], ASSET, RULES, NOW_MS) == []


def test_warnings_keep_the_payload_order() -> None:
    odd = activity(zeta=1, alpha=2, activity_params={"b": [], "a": 1, "c": []}, timestamp="2025-08-24T12:05:43Z")
    assert validate_activities([activity(), odd], ASSET, RULES, NOW_MS) == [
        "unknown_field:activities[1].zeta",
        "unknown_field:activities[1].alpha",
        "timestamp_older_than_24h:activities[1].timestamp",
        "empty_array:activities[1].activity_params.b",
        "empty_array:activities[1].activity_params.c",
    ]
