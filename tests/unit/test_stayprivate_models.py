"""stayprivate model pieces without HTTP: config, multipart parsing, company registration, rules."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import pytest
import urllib3
from hypothesis import given, strategies as st

from sealmail.mockservers.core import MockClock, Rejection
from sealmail.mockservers.providers.stayprivate import StayPrivateConfig, StayPrivateModel, spec
from sealmail.mockservers.providers.stayprivate.companies import RegistrationError, key_pair_from_private_pem, make_company
from sealmail.mockservers.providers.stayprivate.test_keys import DEFAULT_PUBLIC_KEY_PEM, OTHER_PRIVATE_KEY_PEM, public_pem_of
from sealmail.mockservers.providers.stayprivate.uploads import parse_form, read_upload

file_names = st.text(alphabet=st.characters(categories=("L", "N"), include_characters=" ._-()"), min_size=1, max_size=30).map(
    lambda s: s.strip(" ") or "f").filter(lambda s: s not in {".", ".."})


def parsed(content_type: str, body: bytes) -> list[Any]:
    """The parts, parsed outside a server (the parser is a coroutine: aiohttp's reader)."""
    return asyncio.run(parse_form(content_type, body)).parts


def multipart(fields: list[tuple[str, Any]]) -> tuple[str, bytes]:
    body, content_type = urllib3.encode_multipart_formdata(fields)
    return content_type, body


@given(st.binary(max_size=4096), file_names, st.sampled_from(["Y", "N", None]))
def test_upload_bytes_name_and_flag_survive_parsing(data: bytes, name: str, flag: str | None) -> None:
    fields: list[tuple[str, Any]] = [(spec.ATTACHMENT_FIELD, (name, data, "application/octet-stream"))]
    if flag is not None:
        fields.insert(0, (spec.ESIGN_FIELD, flag))
    content_type, body = multipart(fields)
    form = read_upload(parsed(content_type, body), max_bytes=1 << 20, allow_empty=True)
    assert form.file.data == data and form.file.file_name == name
    assert form.file.sha256 == hashlib.sha256(data).hexdigest()
    assert form.esign is (flag == "Y") and form.esign_given is (flag is not None)


@given(st.binary(max_size=600))
def test_arbitrary_bodies_parse_or_raise_a_rejection(body: bytes) -> None:
    for content_type in ("multipart/form-data; boundary=b", "multipart/form-data; boundary=\"a b\"", "multipart/form-data"):
        try:
            read_upload(parsed(content_type, b"--b\r\n" + body), max_bytes=100, allow_empty=False)
        except Rejection as rejection:
            assert rejection.status == 422


def test_path_parts_of_a_file_name_are_dropped() -> None:
    content_type, body = multipart([(spec.ATTACHMENT_FIELD, ("/home/me/report.pdf", b"x", "application/pdf"))])
    assert read_upload(parsed(content_type, body), max_bytes=10, allow_empty=False).file.file_name == "report.pdf"


def test_unknown_form_fields_are_listed() -> None:
    content_type, body = multipart([("note", "hi"), (spec.ATTACHMENT_FIELD, ("a.txt", b"x", "text/plain"))])
    form = read_upload(parsed(content_type, body), max_bytes=10, allow_empty=False)
    assert form.unknown_fields == ("note",) and form.file.content_type == "text/plain"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"allowed_algorithms": "HS256"}, "allowed_algorithms"),
    ({"allowed_algorithms": ""}, "allowed_algorithms"),
    ({"sender_on_prepared_send": "maybe"}, "sender_on_prepared_send"),
    ({"draft_update": "append"}, "draft_update"),
    ({"unknown_fields": "drop"}, "unknown_fields"),
    ({"send_during_upload": "queue"}, "send_during_upload"),
    ({"leeway_s": -1}, "leeway_s"),
    ({"max_attachment_bytes": 0}, "positive"),
    ({"upload_latency_ms": 60_000}, "upload_latency_ms"),
    ({"multipart_max_parts": 0}, "multipart_max_parts"),
    ({"multipart_max_header_line_bytes": 10}, "multipart_max_header_line_bytes"),
])
def test_bad_config_is_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StayPrivateConfig(**overrides)


def test_cli_strings_become_tuples() -> None:
    from sealmail.mockservers.providers.stayprivate import PROVIDER

    config = PROVIDER.make_config({"company_domains": "a.example, b.example", "allowed_algorithms": "RS256,PS256", "leeway_s": "5"})
    assert config.company_domains == ("a.example", "b.example") and config.allowed_algorithms == ("RS256", "PS256")
    assert config.leeway_s == 5


def test_default_key_pair_is_parsed_once_per_process() -> None:
    assert key_pair_from_private_pem(OTHER_PRIVATE_KEY_PEM) is key_pair_from_private_pem(OTHER_PRIVATE_KEY_PEM)
    model = StayPrivateModel(StayPrivateConfig(), MockClock())
    assert model.default_keys.public_key_pem == DEFAULT_PUBLIC_KEY_PEM


def test_custom_default_company_from_config() -> None:
    config = StayPrivateConfig(company_api_id="acme", company_domains=("acme.example",), company_private_key_pem=OTHER_PRIVATE_KEY_PEM)
    model = StayPrivateModel(config, MockClock())
    (company,) = model.companies.all()
    assert (company.api_id, company.domains, company.public_key_pem) == ("acme", ("acme.example",), public_pem_of(OTHER_PRIVATE_KEY_PEM))


def test_registration_normalises_domains_and_refuses_nonsense() -> None:
    company = make_company("c-1", DEFAULT_PUBLIC_KEY_PEM, ["Example.COM", "example.com", "mail.example.org"])
    assert company.domains == ("example.com", "mail.example.org") and company.key_bits == 2048
    for bad in ([], "example.com", ["-bad-.com"], ["nodot"], [7]):
        with pytest.raises(RegistrationError):
            make_company("c-1", DEFAULT_PUBLIC_KEY_PEM, bad)
    with pytest.raises(RegistrationError):
        make_company("c-1", DEFAULT_PUBLIC_KEY_PEM, ["a.com"], api_enabled="yes")


def test_address_lists_and_subdomains() -> None:
    model = StayPrivateModel(StayPrivateConfig(allow_subdomains=True, allow_empty_list_items=False), MockClock())
    company = model.companies.all()[0]
    request = model.parse_send(company, {"senderEmail": "a@mail.example.com", "emailToList": "x@example.org;y@example.org"}, prepared=False)
    assert request.recipients["emailToList"] == ["x@example.org", "y@example.org"]
    with pytest.raises(Rejection) as raised:
        model.parse_send(company, {"senderEmail": "a@example.com", "emailToList": "x@example.org;"}, prepared=False)
    assert raised.value.reason == "address_list_empty_item"
    dup = model.parse_send(company, {"senderEmail": "a@example.com", "emailToList": "x@example.org", "emailCcList": "X@example.org"},
                           prepared=False)
    assert "duplicate_recipients" in dup.warnings


def test_email_capacity_evicts_the_oldest() -> None:
    model = StayPrivateModel(StayPrivateConfig(email_capacity=2), MockClock())
    company = model.companies.all()[0]
    refs = [model.prepare(company, None, {"senderEmail": "a@example.com"})[0].email_ref for _ in range(3)]
    assert [e.email_ref for e in model.emails()] == refs[1:] and model.evicted_emails == 1
    model.reset()
    assert model.emails() == [] and model.evicted_emails == 0


def test_parsed_key_caches_are_bounded() -> None:
    """Every tenant brings a fresh key pair; an unbounded cache kept one per tenant ever created."""
    from sealmail.mockservers.providers.stayprivate import companies

    for cached in (companies.key_pair_from_private_pem, companies._public_key):
        assert cached.cache_info().maxsize == companies.KEY_CACHE_SIZE
    first = key_pair_from_private_pem(OTHER_PRIVATE_KEY_PEM)
    assert key_pair_from_private_pem(OTHER_PRIVATE_KEY_PEM) is first  # still a cache
