"""createMailRequest body rules: parse, validate, render one mail per recipient.

Everything here raises :class:`MailerRejection` (77102 BAD_REQUEST, or 77103
for a template or file the mock does not hold) with a caller-visible
``details`` and a precise journal ``reason``. Field list: fact sheet [docs];
limits: API reference createMailRequest (see spec.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from sealmail.mockservers.core.validation import is_email
from sealmail.mockservers.core.clock import LATEST_DATE_MS
from sealmail.mockservers.core.jsonbody import JsonBodyError, parse_json_bytes

from . import spec
from .errors import bad_request, not_found
from .templates import PLACEHOLDER, MissingPolicy, split_placeholders, substitute

# [open] The seed's own example sends "hongildong@naver_.com" and "chulsoo@daum_.net":
# domain labels with an underscore, which the core's WHATWG rule rejects. The
# mailer accepts its own example, so the default rule allows "_" in domain labels.
_LOCAL = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_MAILER_ADDRESS = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$")


def is_mailer_address(value: object) -> bool:
    """``local@label.label...``: the WHATWG grammar plus ``_`` in domain labels (seed example addresses)."""
    return isinstance(value, str) and len(value) <= 254 and _MAILER_ADDRESS.fullmatch(value) is not None


@dataclass(frozen=True)
class Template:
    """A stored mail template (added through ``POST /__mock__/templates``)."""

    sid: int
    name: str
    title: str
    body: str
    sender_address: str | None = None
    sender_name: str | None = None


# Per-request values below are read-only by convention, not frozen: a frozen dataclass sets each
# field through object.__setattr__, ~1 us more per instance on the createMailRequest path.
@dataclass(slots=True)
class Recipient:
    """One entry of ``recipients``."""

    address: str
    name: str | None
    type: str
    parameters: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "name": self.name, "type": self.type}


@dataclass(slots=True)
class RenderedMail:
    """One mail the request produces: placeholders filled for its recipient(s)."""

    title: str
    body: str
    recipients: tuple[Recipient, ...]
    unfilled: tuple[str, ...]


@dataclass(slots=True)
class MailDraft:
    """A validated createMailRequest, ready to be stored."""

    sender_address: str | None
    sender_name: str | None
    template: Template | None
    individual: bool
    confirm_and_send: bool
    advertising: bool
    references_header: str | None
    reservation_ms: int | None
    mails: list[RenderedMail]
    payload: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DraftRules:
    """The config settings validation depends on."""

    strict_addresses: bool = False
    missing_parameter: MissingPolicy = "keep"
    max_rendered_chars: int = 0
    """Most characters of personalised title + body one request may render (0: no limit; docs/memory.md)."""


def parse_json(raw: bytes, warn: Callable[[str], None] | None = None) -> Any:
    """Strict UTF-8 JSON (RFC 8259); anything else is 77102. ``warn`` hears of repeated member names."""
    try:
        return parse_json_bytes(raw, warn=warn)
    except JsonBodyError as error:
        raise bad_request(error.reason, _JSON_PROBLEMS[error.reason], detail=error.detail) from None


_JSON_PROBLEMS = {
    "body_not_utf8": "Request body is not UTF-8",
    "body_not_json": "Request body is not valid JSON",
    "body_too_deep": "Request body nests too deeply",
    "json_non_finite_number": "Request body holds a number JSON cannot represent (NaN, Infinity or out of range)",
    "json_number_too_long": "Request body holds an integer with too many digits",
    "json_lone_surrogate": "Request body holds a lone UTF-16 surrogate escape",
}


def validate(payload: Any, *, templates: Mapping[int, Template], now_ms: int, rules: DraftRules) -> MailDraft:
    """Check a createMailRequest body and render its mails (raises on the first violation)."""
    if not isinstance(payload, dict):
        raise bad_request("body_not_object", "Request body must be a JSON object")
    warnings = _unknown_fields(payload, spec.KNOWN_FIELDS, "")
    template = _template(payload.get("templateSid"), templates)
    sender_address = _sender_address(payload.get("senderAddress"), template, rules)
    sender_name = _optional_text(payload, "senderName", spec.MAX_SENDER_NAME_BYTES)
    title = _content(payload, "title", template.title if template else None, spec.MAX_TITLE_BYTES)
    body = _content(payload, "body", template.body if template else None, spec.MAX_BODY_BYTES)
    individual = _flag(payload, "individual", True)
    confirm_and_send = _flag(payload, "confirmAndSend", False)
    advertising = _flag(payload, "advertising", False)
    _flag(payload, "useBasicUnsubscribeMsg", False)
    parameters = _parameters(payload.get("parameters"), "parameters")
    references_header = _optional_text(payload, "referencesHeader", None)
    reservation_ms = _reservation(payload, now_ms, warnings)
    _attachments(payload.get("attachFileIds"))
    recipients = _recipients(payload, rules, warnings)
    _check_rendered_size(title, body, len(recipients) if individual else 1, rules.max_rendered_chars)
    mails = _render(title, body, recipients, parameters, individual, rules.missing_parameter, warnings)
    return MailDraft(
        sender_address=sender_address or (template.sender_address if template else None),
        sender_name=sender_name if sender_name is not None else (template.sender_name if template else None),
        template=template,
        individual=individual,
        confirm_and_send=confirm_and_send,
        advertising=advertising,
        references_header=references_header,
        reservation_ms=reservation_ms,
        mails=mails,
        payload=payload,
        warnings=warnings,
    )


def _unknown_fields(item: dict[str, Any], known: frozenset[str], prefix: str) -> list[str]:
    """``unknown_field:<prefix><name>`` warnings, in the order the members came."""
    if item.keys() <= known:  # the usual case, one C-level set comparison: no per-member loop
        return []
    return [f"unknown_field:{prefix}{name}" for name in item if name not in known]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _template(value: Any, templates: Mapping[int, Template]) -> Template | None:
    if value is None:
        return None
    if not _is_int(value):
        raise bad_request("template_sid_type", "templateSid must be an integer", field="templateSid")
    template = templates.get(value)
    if template is None:
        raise not_found("template_unknown", f"Template {value} does not exist", field="templateSid")
    return template


def _address_ok(value: Any, rules: DraftRules) -> bool:
    return is_email(value) if rules.strict_addresses else is_mailer_address(value)


def _sender_address(value: Any, template: Template | None, rules: DraftRules) -> str | None:
    # fact sheet [docs]: senderAddress is required unless templateSid.
    if value is None:
        if template is None:
            raise bad_request("sender_address_missing", "senderAddress is required unless templateSid is given", field="senderAddress")
        return None
    if not _address_ok(value, rules):
        raise bad_request("sender_address_invalid", "senderAddress is not a valid email address", field="senderAddress")
    return str(value)


def _optional_text(payload: dict[str, Any], name: str, max_bytes: int | None) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{_snake(name)}_type", f"{name} must be a string", field=name)
    if max_bytes is not None and _utf8_length(value) > max_bytes:
        raise bad_request(f"{_snake(name)}_too_long", f"{name} exceeds {max_bytes} bytes", field=name)
    return value


def _content(payload: dict[str, Any], name: str, from_template: str | None, max_bytes: int) -> str:
    # API reference: title and body are "Required if templateSid is not passed".
    value = payload.get(name)
    if value is None:
        if from_template is None:
            raise bad_request(f"{name}_missing", f"{name} is required unless templateSid is given", field=name)
        return from_template
    if not isinstance(value, str):
        raise bad_request(f"{name}_type", f"{name} must be a string", field=name)
    if _utf8_length(value) > max_bytes:
        raise bad_request(f"{name}_too_long", f"{name} exceeds {max_bytes} bytes", field=name)
    return value


def _utf8_length(text: str) -> int:
    # isascii() reads a flag CPython keeps on every string: no copy of a 500 KB body just to count it.
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _flag(payload: dict[str, Any], name: str, default: bool) -> bool:
    value = payload.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_request(f"{_snake(name)}_type", f"{name} must be true or false", field=name)
    return value


def _parameters(value: Any, where: str) -> dict[str, str]:
    """An object of string or number values (numbers are inserted in decimal)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request("parameters_type", f"{where} must be an object", field=where)
    result: dict[str, str] = {}
    for name, item in value.items():
        if isinstance(item, str):
            result[name] = item
        elif _is_int(item) or isinstance(item, float):
            result[name] = str(item)
        else:
            raise bad_request("parameter_value_type", f"{where}.{name} must be a string or a number", field=f"{where}.{name}")
    return result


def _reservation(payload: dict[str, Any], now_ms: int, warnings: list[str]) -> int | None:
    utc = payload.get("reservationUtc")
    local = payload.get("reservationDateTime")
    if utc is not None and local is not None:
        warnings.append("reservationDateTime_ignored:reservationUtc_given")
    if utc is not None:
        if not _is_int(utc):
            raise bad_request("reservation_utc_type", "reservationUtc must be epoch milliseconds", field="reservationUtc")
        reservation = utc
        where = "reservationUtc"
    elif local is not None:
        reservation = _kst_datetime(local)
        where = "reservationDateTime"
    else:
        return None
    if reservation <= now_ms:
        raise bad_request("reservation_in_past", f"{where} must be in the future", field=where,
                          detail=f"{reservation} <= now {now_ms}")
    if reservation > LATEST_RESERVATION_MS:
        # Every later lookup shows the reservation as a KST date (views.nes_datetime): past year 9999
        # there is none, so such a request could never be read back. Refused here instead.
        shown = str(reservation) if len(str(reservation)) <= 30 else f"a {len(str(reservation))}-digit number"
        raise bad_request("reservation_out_of_range", f"{where} must be before 9999-12-31 23:59 KST", field=where,
                          detail=f"{shown} > {LATEST_RESERVATION_MS} (epoch ms; seconds instead of ms, or ns?)")
    return reservation


LATEST_RESERVATION_MS = LATEST_DATE_MS - spec.KST_OFFSET_MS
"""The last reservation whose KST date exists (9999-12-31 23:59:59.999 KST)."""


def _kst_datetime(value: Any) -> int:
    if not isinstance(value, str):
        raise bad_request("reservation_datetime_type", "reservationDateTime must be 'yyyy-MM-dd HH:mm'", field="reservationDateTime")
    try:
        parsed = datetime.strptime(value, spec.RESERVATION_DATETIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise bad_request("reservation_datetime_format", "reservationDateTime must be 'yyyy-MM-dd HH:mm'",
                          field="reservationDateTime") from None
    return int(parsed.timestamp() * 1000) - spec.KST_OFFSET_MS


def _attachments(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad_request("attach_file_ids_type", "attachFileIds must be a list of strings", field="attachFileIds")
    if value:
        # The mock has no file upload API (POST /files), so no file id can exist.
        raise not_found("attach_file_unknown", f"File {value[0]} does not exist", field="attachFileIds")


def _recipients(payload: dict[str, Any], rules: DraftRules, warnings: list[str]) -> list[Recipient]:
    value = payload.get("recipients")
    if value is None and payload.get("recipientGroupFilter") is not None:
        raise bad_request("recipient_group_filter_unsupported", "recipientGroupFilter needs an address book; the mock has none",
                          field="recipientGroupFilter")
    if not isinstance(value, list) or not value:
        raise bad_request("recipients_missing", "recipients must be a non-empty list", field="recipients")
    if len(value) > spec.MAX_RECIPIENTS:
        raise bad_request("recipients_too_many", f"At most {spec.MAX_RECIPIENTS} recipients", field="recipients")
    address_ok = is_email if rules.strict_addresses else is_mailer_address
    recipients = [_recipient(item, index, address_ok, warnings) for index, item in enumerate(value)]
    if len(recipients) > _FEWEST_COPY_LIMIT:  # fewer recipients cannot exceed either limit: no need to count
        for kind, limit in (("C", spec.MAX_CC), ("B", spec.MAX_BCC)):
            if sum(r.type == kind for r in recipients) > limit:
                raise bad_request(f"recipients_type_{kind.lower()}_too_many", f"At most {limit} recipients of type {kind}",
                                  field="recipients")
    return recipients


_FEWEST_COPY_LIMIT = min(spec.MAX_CC, spec.MAX_BCC)


def _recipient(item: Any, index: int, address_ok: Callable[[object], bool], warnings: list[str]) -> Recipient:
    # ``where`` (``recipients[3]``) is only built when a message needs it: most recipients need none.
    if not isinstance(item, dict):
        where = _where(index)
        raise bad_request("recipient_type", f"{where} must be an object", field=where)
    if not item.keys() <= spec.RECIPIENT_FIELDS:
        warnings.extend(_unknown_fields(item, spec.RECIPIENT_FIELDS, _where(index) + "."))
    address = item.get("address")
    if address is None:
        raise bad_request("recipient_address_missing", f"{_where(index)}.address is required", field=f"{_where(index)}.address")
    if not address_ok(address):
        raise bad_request("recipient_address_invalid", f"{_where(index)}.address is not a valid email address",
                          field=f"{_where(index)}.address")
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise bad_request("recipient_name_type", f"{_where(index)}.name must be a string or null", field=f"{_where(index)}.name")
    kind = item.get("type")
    if kind is None:
        # [open] the type is documented as R|C|B; a missing type is taken as R (warned).
        warnings.append(f"recipient_type_defaulted:{_where(index)}")
        kind = "R"
    if kind not in spec.RECIPIENT_TYPES:
        raise bad_request("recipient_type_invalid", f"{_where(index)}.type must be one of R, C, B", field=f"{_where(index)}.type")
    parameters = item.get("parameters")
    return Recipient(str(address), name, kind, {} if parameters is None else _parameters(parameters, f"{_where(index)}.parameters"))


def _where(index: int) -> str:
    return f"recipients[{index}]"


def _check_rendered_size(title: str, body: str, mails: int, limit: int) -> None:
    """Refuse a request whose personalised copies alone would exceed the mock's memory budget.

    A text with a ``${...}`` placeholder is copied once per mail: 100,000 recipients of a
    500 KB body (both within the API's limits) would be 50 GB. A text without one is shared.
    """
    if not limit or (len(title) + len(body)) * mails <= limit:
        return  # within the limit even if both texts were personalised: no need to search them
    copies = sum(len(text) for text in (title, body) if PLACEHOLDER.search(text))
    if copies * mails > limit:
        raise bad_request("rendered_too_large", f"{mails} personalised mails of {copies} characters exceed the mock's "
                          f"limit of {limit} rendered characters (message_max_bytes)", field="recipients")


def _render(title: str, body: str, recipients: list[Recipient], parameters: dict[str, str], individual: bool,
            missing: MissingPolicy, warnings: list[str]) -> list[RenderedMail]:
    """individual (default): one mail per recipient, its parameters over the request's; else one mail for all."""
    title_parts, body_parts = split_placeholders(title), split_placeholders(body)
    if individual:
        # Request parameters under each recipient's (substitute only reads them: no merged copy when there are none).
        mails = [_render_one(title_parts, body_parts, (r,), {**parameters, **r.parameters} if parameters else r.parameters, missing)
                 for r in recipients]
    else:
        if any(r.parameters for r in recipients):
            warnings.append("recipient_parameters_ignored:individual_false")
        mails = [_render_one(title_parts, body_parts, tuple(recipients), parameters, missing)]
    names = sorted({n for m in mails for n in m.unfilled})
    if names:
        warnings.append("unfilled_placeholders:" + ",".join(names))
    return mails


def _render_one(title: list[str], body: list[str], group: tuple[Recipient, ...], values: dict[str, str],
                missing: MissingPolicy) -> RenderedMail:
    unfilled: list[str] = []  # names with no value, title's first, each once
    filled_title, filled_body = substitute(title, values, missing, unfilled), substitute(body, values, missing, unfilled)
    if unfilled and missing == "reject":
        raise bad_request("parameter_missing", f"No parameter for ${{{unfilled[0]}}} (recipient {group[0].address})",
                          field="parameters")
    return RenderedMail(filled_title, filled_body, group, tuple(unfilled))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
