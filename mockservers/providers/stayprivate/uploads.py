"""Parsing an upload body: ``multipart/form-data`` (RFC 7578) from bytes already read, with limits.

The core middleware has consumed the request stream, so aiohttp's
``request.post()`` cannot run again; aiohttp's own :class:`MultipartReader`
reads the same bytes from a :class:`StreamReader` fed with them. The parse is
bounded (:class:`MultipartLimits`, settings of the stayprivate config): parts,
header lines per part, bytes per header line; a nested multipart part is
refused (RFC 7578 section 4.3 deprecates ``multipart/mixed`` inside a form),
so the parser never recurses; every step reads forward through the buffer, so
time is linear in the body size. Binary parts come back byte-exact, as sent.

seed, Upload Attachment: the file travels as the input file "emailAttachment";
``reqESignFlag`` (optional) is ``Y`` or ``N``.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import unicodedata
import warnings
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, MultipartReader, StreamReader
from aiohttp.base_protocol import BaseProtocol
from aiohttp.helpers import parse_mimetype
from aiohttp.http_exceptions import BadHttpMessage, InvalidHeader, LineTooLong
from aiohttp.multipart import BadContentDispositionHeader, BadContentDispositionParam, content_disposition_filename, parse_content_disposition

from sealmail.mockservers.core import Rejection

from . import spec

# aiohttp warns (Python warnings, the whole header in the text) about every malformed
# Content-Disposition it parses: client input, answered 422 here, not a fault of the mock.
warnings.filterwarnings("ignore", category=BadContentDispositionHeader)
warnings.filterwarnings("ignore", category=BadContentDispositionParam)

_FEED_BYTES = 64 * 1024
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
"""RFC 2046 section 5.1.1: 1 to 70 ``bchars``, not ending in a space."""


@dataclass(frozen=True)
class MultipartLimits:
    """How much one upload body may ask of the parser (see the stayprivate config fields)."""

    max_parts: int = 16
    max_part_headers: int = 16
    max_header_line_bytes: int = 4096


@dataclass(frozen=True)
class ParsedForm:
    """The parts of a form and what the journal should hear about them."""

    parts: list["FormPart"]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormPart:
    name: str
    filename: str | None
    content_type: str
    data: bytes = field(repr=False)  # an 8 MiB repr in a log line or a task repr costs a second


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
    warnings: tuple[str, ...] = ()
    """Journal warnings (a sanitised file name)."""


OFF_LOOP_BYTES = 256 * 1024
"""Bodies at least this large are parsed on a worker thread: the five mocks share one event loop, and
an 8 MiB body costs it 30-100 ms of parsing (the GIL still switches every 5 ms, so others get turns)."""


async def parse_upload(content_type_header: str, body: bytes, limits: MultipartLimits = MultipartLimits()) -> ParsedForm:
    """:func:`parse_form`, on a worker thread (with its own loop) for bodies of ``OFF_LOOP_BYTES`` or more."""
    if len(body) < OFF_LOOP_BYTES:
        return await parse_form(content_type_header, body, limits)
    return await asyncio.to_thread(lambda: asyncio.run(parse_form(content_type_header, body, limits)))


async def parse_form(content_type_header: str, body: bytes, limits: MultipartLimits = MultipartLimits()) -> ParsedForm:
    """Every part of a multipart/form-data body; :class:`Rejection` ``invalid_multipart`` (422) otherwise.

    Reasons: ``multipart_no_boundary``, ``multipart_boundary_invalid`` (over 70
    characters or outside RFC 2046's ``bchars``), ``multipart_too_many_parts``,
    ``multipart_too_many_part_headers``, ``multipart_header_too_long``, ``multipart_header_invalid``
    (a NUL or control character in a part header),
    ``multipart_nested``, ``multipart_part_not_form_data``,
    ``multipart_part_unnamed``, ``multipart_unparsable``, ``multipart_empty``.
    """
    boundary = parse_mimetype(content_type_header).parameters.get("boundary")
    if boundary is None:
        raise Rejection(spec.INVALID_MULTIPART, "multipart_no_boundary", detail=f"Content-Type {content_type_header[:200]!r}")
    if not _BOUNDARY.fullmatch(boundary):
        raise Rejection(spec.INVALID_MULTIPART, "multipart_boundary_invalid",
                        detail=f"boundary of {len(boundary)} characters {boundary[:80]!r}: RFC 2046 allows 1-70 of [0-9A-Za-z'()+_,-./:=? ]")
    delimiter = b"--" + boundary.encode("latin-1")
    start = 0 if body.startswith(delimiter) else body.find(b"\n" + delimiter) + 1
    if start == 0 and not body.startswith(delimiter):
        raise Rejection(spec.INVALID_MULTIPART, "multipart_unparsable", detail=f"no opening delimiter --{boundary[:80]}")
    warnings: list[str] = []
    if start:
        # RFC 2046 section 5.1.1: the preamble is to be ignored. Skipped here at C speed,
        # not line by line through aiohttp's reader (4 million empty lines took 17 s).
        warnings.append(f"multipart_preamble_ignored:{start}_bytes")
    # The whole body is already here: a limit above its size keeps the reader from asking the
    # (absent) transport to pause. It is fed in 64 KiB pieces: the reader gives back what it read
    # past a part's end by copying the rest of the current piece, so one piece for the whole body
    # would make the work quadratic in the number of parts.
    stream = StreamReader(BaseProtocol(asyncio.get_running_loop()), max(2**16, len(body)))
    for offset in range(start, len(body), _FEED_BYTES):
        stream.feed_data(body[offset:offset + _FEED_BYTES])
    stream.feed_eof()
    reader = MultipartReader({"Content-Type": content_type_header}, stream,
                             max_field_size=limits.max_header_line_bytes, max_headers=limits.max_part_headers)
    parts: list[FormPart] = []
    try:
        while (part := await reader.next()) is not None:
            if len(parts) == limits.max_parts:
                raise Rejection(spec.INVALID_MULTIPART, "multipart_too_many_parts",
                                detail=f"more than multipart_max_parts={limits.max_parts} parts")
            parts.append(await _form_part(part, warnings))
    except Rejection:
        raise
    except LineTooLong:
        raise Rejection(spec.INVALID_MULTIPART, "multipart_header_too_long",
                        detail=f"a part header line over multipart_max_header_line_bytes={limits.max_header_line_bytes}") from None
    except InvalidHeader as error:
        raise Rejection(spec.INVALID_MULTIPART, "multipart_header_invalid", detail=f"{error}"[:300]) from None
    except BadHttpMessage as error:
        if "Too many headers" in str(error):
            raise Rejection(spec.INVALID_MULTIPART, "multipart_too_many_part_headers",
                            detail=f"a part with more than multipart_max_part_headers={limits.max_part_headers} header lines") from None
        raise Rejection(spec.INVALID_MULTIPART, "multipart_unparsable", detail=f"{type(error).__name__}: {error}"[:300]) from None
    except (ValueError, RuntimeError, LookupError, AssertionError) as error:
        # aiohttp's reader: a missing first boundary, a malformed delimiter, an odd _charset_ part.
        raise Rejection(spec.INVALID_MULTIPART, "multipart_unparsable", detail=f"{type(error).__name__}: {error}"[:300]) from None
    if not parts:
        raise Rejection(spec.INVALID_MULTIPART, "multipart_empty")
    return ParsedForm(parts, tuple(dict.fromkeys(warnings)))


async def _form_part(part: MultipartReader | BodyPartReader, warnings: list[str]) -> "FormPart":
    if isinstance(part, MultipartReader):
        raise Rejection(spec.INVALID_MULTIPART, "multipart_nested",
                        detail="a part is itself multipart (RFC 7578 section 4.3: send each file as its own part)")
    disposition = part.headers.get("Content-Disposition", "")
    kind, params = parse_content_disposition(disposition)  # once: part.name and part.filename would parse it twice more
    if kind != "form-data":
        raise Rejection(spec.INVALID_MULTIPART, "multipart_part_not_form_data", detail=repr(disposition[:200]))
    name = content_disposition_filename(params, "name")
    if not name:
        raise Rejection(spec.INVALID_MULTIPART, "multipart_part_unnamed")
    if "Content-Transfer-Encoding" in part.headers:
        # RFC 7578 section 4.7: senders do not use it and receivers ignore it; the bytes are kept as sent.
        warnings.append(f"multipart_transfer_encoding_ignored:{part.headers['Content-Transfer-Encoding'][:20]}")
    content_type = part.headers.get("Content-Type")
    return FormPart(
        name=name,
        filename=content_disposition_filename(params, "filename"),
        content_type=parse_mimetype(content_type).type + "/" + parse_mimetype(content_type).subtype if content_type else "application/octet-stream",
        data=bytes(await part.read(decode=False)),
    )


MAX_FILE_NAME_CHARS = 255
"""Longest display name kept (the common file system limit); longer names are cut, with a warning."""
PLACEHOLDER_FILE_NAME = "unnamed"
"""The display name of a file whose sent name has nothing left once sanitised (``..``, ``/``)."""


def display_file_name(sent: str) -> tuple[str, list[str]]:
    """A file name safe to show and store (never used as a path), and warnings when it differs from ``sent``.

    RFC 7578 section 4.2: a receiver must not use a sent file name as a path.
    Control characters (NUL included) are removed, then everything up to the
    last ``/`` or ``\\`` and a drive letter (``C:``); a name of only dots
    becomes ``unnamed``; the rest is cut to 255 characters. ``""`` only for
    an empty name (the caller refuses it).
    """
    if not sent.strip():
        return "", []
    cleaned = "".join(ch for ch in sent if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"})
    base = re.sub(r"^[A-Za-z]:", "", cleaned.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if not base.strip("."):
        base = PLACEHOLDER_FILE_NAME
    base = base[:MAX_FILE_NAME_CHARS]
    if base == sent:
        return base, []
    return base, [f"attachment_filename_sanitised:{base[:60]!r} (sent {len(sent)} characters: {sent[:60]!r})"]


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
    file_name, name_warnings = display_file_name(part.filename)
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
    return UploadForm(file=uploaded, esign=esign, esign_given=bool(flags), unknown_fields=unknown, field_names=names,
                      warnings=tuple(name_warnings))
