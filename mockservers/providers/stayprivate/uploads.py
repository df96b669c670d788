"""Parsing an upload body: ``multipart/form-data`` (RFC 7578) from bytes already read.

The core middleware has consumed the request stream, so aiohttp's
``request.post()`` cannot run again; the stdlib ``email`` parser (HTTP policy,
defects raised) reads the same bytes. Binary parts come back byte-exact.

seed, Upload Attachment: the file travels as the input file "emailAttachment";
``reqESignFlag`` (optional) is ``Y`` or ``N``.
"""

from __future__ import annotations

import email.errors
import email.parser
import email.policy
import hashlib
from dataclasses import dataclass, field

from sealmail.mockservers.core import Rejection

from . import spec

_POLICY = email.policy.HTTP.clone(raise_on_defect=True)


@dataclass(frozen=True)
class FormPart:
    name: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass(frozen=True)
class UploadedFile:
    """The ``emailAttachment`` file of one upload."""

    file_name: str
    content_type: str
    data: bytes
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class UploadForm:
    """A validated upload: the file, its e-sign flag, and fields the seed does not define."""

    file: UploadedFile
    esign: bool
    esign_given: bool
    unknown_fields: tuple[str, ...]
    field_names: tuple[str, ...]


def parse_form(content_type_header: str, body: bytes) -> list[FormPart]:
    """Every part of a multipart/form-data body; :class:`Rejection` ``invalid_multipart`` otherwise."""
    if "boundary=" not in content_type_header.lower():
        raise Rejection(spec.INVALID_MULTIPART, "multipart_no_boundary", detail=f"Content-Type {content_type_header!r}")
    head = b"Content-Type: " + content_type_header.encode("latin-1", errors="replace") + b"\r\n\r\n"
    try:
        message = email.parser.BytesParser(policy=_POLICY).parsebytes(head + body)
        if not message.is_multipart():
            raise Rejection(spec.INVALID_MULTIPART, "multipart_unparsable", detail="no parts found")
        parts: list[FormPart] = []
        for part in message.iter_parts():
            if part.get_content_disposition() != "form-data":
                raise Rejection(spec.INVALID_MULTIPART, "multipart_part_not_form_data", detail=str(part.get("Content-Disposition")))
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str) or not name:
                raise Rejection(spec.INVALID_MULTIPART, "multipart_part_unnamed")
            payload = part.get_payload(decode=True)
            parts.append(
                FormPart(
                    name=name,
                    filename=part.get_filename(),
                    content_type=part.get_content_type() if part.get("Content-Type") else "application/octet-stream",
                    data=payload if isinstance(payload, bytes) else b"",
                )
            )
    except Rejection:
        raise
    except (email.errors.MessageError, ValueError, TypeError, LookupError) as error:
        raise Rejection(spec.INVALID_MULTIPART, "multipart_unparsable", detail=f"{type(error).__name__}: {error}"[:300]) from None
    if not parts:
        raise Rejection(spec.INVALID_MULTIPART, "multipart_empty")
    return parts


def read_upload(parts: list[FormPart], *, max_bytes: int, allow_empty: bool) -> UploadForm:
    """Pick out ``emailAttachment`` and ``reqESignFlag`` and check them."""
    files = [p for p in parts if p.name == spec.ATTACHMENT_FIELD]
    names = tuple(p.name for p in parts)
    if not files:
        file_like = [p.name for p in parts if p.filename is not None]
        detail = f"parts {list(names)}" + (f"; file sent as {file_like}" if file_like else "")
        raise Rejection(spec.ATTACHMENT_MISSING, "attachment_field_missing", field=spec.ATTACHMENT_FIELD, detail=detail)
    if len(files) > 1:
        raise Rejection(spec.ATTACHMENT_INVALID, "attachment_multiple", field=spec.ATTACHMENT_FIELD,
                        detail=f"{len(files)} emailAttachment parts; upload one file per call")
    part = files[0]
    if part.filename is None:
        # seed: "uploaded as an input file": a file input always sends a filename.
        raise Rejection(spec.ATTACHMENT_INVALID, "attachment_not_a_file", field=spec.ATTACHMENT_FIELD,
                        detail="emailAttachment part has no filename (sent as a plain field)")
    file_name = part.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not file_name:
        raise Rejection(spec.ATTACHMENT_INVALID, "attachment_filename_empty", field=spec.ATTACHMENT_FIELD)
    if len(part.data) > max_bytes:
        raise Rejection(spec.ATTACHMENT_TOO_LARGE, "attachment_too_large", field=spec.ATTACHMENT_FIELD,
                        detail=f"{len(part.data)} bytes, at most {max_bytes}")
    if not part.data and not allow_empty:
        raise Rejection(spec.ATTACHMENT_INVALID, "attachment_empty", field=spec.ATTACHMENT_FIELD, detail="0-byte file")

    flags = [p for p in parts if p.name == spec.ESIGN_FIELD]
    if len(flags) > 1:
        raise Rejection(spec.INVALID_ESIGN_FLAG, "esign_flag_repeated", field=spec.ESIGN_FIELD)
    esign = False
    if flags:
        value = flags[0].data.decode("utf-8", errors="replace").strip()
        if value not in spec.ESIGN_VALUES:
            raise Rejection(spec.INVALID_ESIGN_FLAG, "esign_flag_invalid", field=spec.ESIGN_FIELD, detail=f"value {value[:20]!r}")
        esign = value == "Y"
    unknown = tuple(n for n in names if n not in {spec.ATTACHMENT_FIELD, spec.ESIGN_FIELD})
    uploaded = UploadedFile(file_name=file_name, content_type=part.content_type, data=part.data)
    return UploadForm(file=uploaded, esign=esign, esign_given=bool(flags), unknown_fields=unknown, field_names=names)
