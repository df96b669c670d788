"""The one Hypothesis strategy module of the fuzzer: HTTP requests, random and mutated.

A generated :class:`FuzzRequest` starts from one of three places, then takes
zero to five mutations drawn from :data:`MUTATIONS`:

- a seed (a valid request from the reference client, or a vector's request),
- an endpoint of the app router with its ``{params}`` filled at random and the
  headers of a seed (so that authentication often still holds),
- nothing: a random method, path, headers and body.

Mutations cover methods, paths (case, slashes, dot segments, percent-encoding,
raw UTF-8, queries, 9 KB targets), headers (dropped, duplicated, re-cased,
random names and byte values, Content-Type, Authorization, Content-Encoding
with and without a matching body), bodies (empty, random bytes, random JSON,
flips, truncation, JSON-aware edits of any field, base64 and JOSE-token edits,
UTF-16/32 and BOMs, deep nesting, huge numbers, NaN, duplicate keys, chunked
framing, bodies over ``max_body_bytes``, non-RFC 8259 numbers and lone surrogates
anywhere in a JSON body, multipart bombs), header floods, the provider's singleton
headers sent twice and the mock clock (timestamps and
token expiry windows). Hypothesis shrinks a failure to the seed and the one
mutation that matter.

Framing (Content-Length or chunked, Host, ``Connection: close``) is always
right: a lying Content-Length only makes the server wait, which tests nothing.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence
from urllib.parse import quote

from hypothesis import strategies as st

from .endpoints import Endpoint
from .seeds import Seed

FRAMING_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
STANDARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT")
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "application/json; charset=latin-1",
    "APPLICATION/JSON",
    "application/jsonx",
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=sealmail",
    "multipart/form-data; boundary=",
    "application/jose",
    "application/octet-stream",
    "*/*",
    "",
    ";;;",
    "application/json; boundary=\"x\"",
)
CONTENT_ENCODINGS = ("gzip", "deflate", "br", "identity", "x-unknown", "gzip, deflate", "GZIP")
JOSE_ALGS = ("none", "None", "HS256", "RS256", "RS512", "PS256", "ES256", "RSA-OAEP", "RSA-OAEP-256", "RSA1_5", "dir", "A256KW", "")
JOSE_ENCS = ("A256GCM", "A128GCM", "A128CBC-HS256", "A256CBC-HS512", "", "none")
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_.-]+")
"""Runs of base64url characters and dots (linear time, unlike a pattern with nested repeats)."""


@dataclass(frozen=True)
class FuzzRequest:
    """A request exactly as it goes on the wire (framing added by :meth:`wire`)."""

    method: str
    target: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    chunked: bool = False
    send_host: bool = True
    clock_ms: int | None = None
    clock_offset_ms: int | None = None
    origin: str = "random"
    mutations: tuple[str, ...] = ()

    def wire(self, host: str) -> bytes:
        lines = [self.method.encode("latin-1", "replace") + b" " + self.target + b" HTTP/1.1"]
        if self.send_host:
            lines.append(b"Host: " + host.encode("ascii"))
        lines.extend(name + b": " + value for name, value in self.headers if name.lower().decode("latin-1") not in FRAMING_HEADERS)
        lines.append(b"Connection: close")
        if self.chunked:
            lines.append(b"Transfer-Encoding: chunked")
            return b"\r\n".join(lines) + b"\r\n\r\n" + _chunked(self.body)
        lines.append(b"Content-Length: " + str(len(self.body)).encode("ascii"))
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body

    @property
    def path(self) -> str:
        return self.target.split(b"?", 1)[0].decode("latin-1")

    def header(self, name: str) -> bytes | None:
        wanted = name.lower().encode("latin-1")
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def describe(self, limit: int = 600) -> str:
        """Readable summary for failure messages."""
        headers = ", ".join(f"{k.decode('latin-1')}: {v[:80]!r}" for k, v in self.headers)
        return (
            f"{self.method} {self.target[:200]!r} (origin {self.origin}; mutations {', '.join(self.mutations) or 'none'})\n"
            f"  headers: {headers}\n  body ({len(self.body)} bytes{', chunked' if self.chunked else ''}): {self.body[:limit]!r}\n"
            f"  clock_ms={self.clock_ms} clock_offset_ms={self.clock_offset_ms} host={'yes' if self.send_host else 'no'}"
        )


def _chunked(body: bytes) -> bytes:
    middle = len(body) // 2
    parts = [p for p in (body[:middle], body[middle:]) if p]
    return b"".join(f"{len(p):x}".encode("ascii") + b"\r\n" + p + b"\r\n" for p in parts) + b"0\r\n\r\n"


def from_seed(seed: Seed) -> FuzzRequest:
    return FuzzRequest(
        method=seed.method,
        target=seed.path.encode("utf-8"),
        headers=tuple((k.encode("latin-1", "replace"), v.encode("utf-8")) for k, v in seed.headers),
        body=seed.body,
        clock_ms=seed.clock_ms,
        origin=seed.name,
    )


# --- building blocks -------------------------------------------------------------------
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=64)
header_value_bytes = st.one_of(
    header_text.map(lambda t: t.encode("ascii")),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=64).map(lambda t: t.encode("latin-1")),
    st.binary(max_size=64).map(lambda b: b.replace(b"\r", b" ").replace(b"\n", b" ")),
)
"""Mostly printable (reaches the app), sometimes obs-text, sometimes raw bytes (the parser's job)."""
token_chars = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"), min_size=1, max_size=24)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)
path_text = st.text(max_size=24)


@dataclass
class Context:
    """What mutations may draw from: the seeds, the router's endpoints, the body limit."""

    seeds: Sequence[Seed]
    endpoints: Sequence[Endpoint]
    max_body_bytes: int
    methods: tuple[str, ...] = field(default=())
    singleton_headers: tuple[str, ...] = ()
    """Headers the provider reads as one value (``Provider.singleton_headers``): duplicated on purpose."""

    def __post_init__(self) -> None:
        self.methods = tuple(dict.fromkeys([e.method for e in self.endpoints] + list(STANDARD_METHODS)))


Mutation = Callable[[Any, FuzzRequest, Context], FuzzRequest]


def _with(request: FuzzRequest, name: str, **changes: Any) -> FuzzRequest:
    return replace(request, mutations=request.mutations + (name,), **changes)


# --- method ------------------------------------------------------------------------------
def method_other(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    return _with(r, "method_other", method=draw(st.sampled_from(ctx.methods)))


def method_random(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    method = draw(st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True) | st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=8))
    return _with(r, "method_random", method=method)


def method_case(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    return _with(r, "method_case", method=r.method.lower())


# --- path --------------------------------------------------------------------------------
def path_edit(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    path, sep, query = r.target.partition(b"?")
    kind = draw(st.sampled_from(("slash", "double", "upper", "dots", "dotdot", "strip", "encode", "empty", "star", "absolute")))
    if kind == "slash":
        path += b"/"
    elif kind == "double":
        path = path.replace(b"/", b"//", 1)
    elif kind == "upper":
        path = path.upper()
    elif kind == "dots":
        path = path.replace(b"/", b"/./", 1)
    elif kind == "dotdot":
        path = b"/x/.." + path
    elif kind == "strip":
        path = path.rsplit(b"/", 1)[0] or b"/"
    elif kind == "encode":
        if path:
            index = draw(st.integers(0, len(path) - 1))
            path = path[:index] + b"%%%02X" % path[index] + path[index + 1 :]
        else:
            path = b"/%2F"
    elif kind == "empty":
        path = b"/"
    elif kind == "star":
        path = b"*"
    else:
        path = b"http://example.com" + path
    return _with(r, f"path_{kind}", target=path + sep + query)


def path_segment(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Replace one path segment with random text, percent-encoded or raw UTF-8."""
    path, sep, query = r.target.partition(b"?")
    segments = path.split(b"/")
    index = draw(st.integers(0, len(segments) - 1))
    text = draw(path_text)
    raw = draw(st.booleans())
    segments[index] = text.encode("utf-8", "surrogatepass") if raw else quote(text, safe="").encode("ascii")
    return _with(r, "path_segment_raw" if raw else "path_segment", target=b"/".join(segments) + sep + query)


def path_query(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    pairs = draw(st.lists(st.tuples(path_text, path_text), min_size=1, max_size=4))
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs).encode("ascii")
    if draw(st.booleans()):
        query = draw(st.sampled_from((b"", b"=", b"&&", b"%", b"%zz", b"a=%ff", b"a=1&a=2", b"\xff")))
    path = r.target.split(b"?", 1)[0]
    return _with(r, "path_query", target=path + b"?" + query)


def path_long(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    size = draw(st.sampled_from((256, 2048, 8000, 9000)))
    return _with(r, "path_long", target=r.target.split(b"?", 1)[0] + b"/" + b"a" * size)


def path_endpoint(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Aim the request at another routed endpoint, its parameters random."""
    endpoint = draw(st.sampled_from(ctx.endpoints))
    values = {name: quote(draw(path_text) or "x", safe="") for name in endpoint.params}
    return _with(r, "path_endpoint", target=endpoint.fill(values).encode("ascii"), method=endpoint.method)


# --- headers -------------------------------------------------------------------------------
def header_drop(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    if not r.headers:
        return _with(r, "header_drop_host", send_host=False)
    index = draw(st.integers(0, len(r.headers) - 1))
    name = r.headers[index][0].decode("latin-1")
    return _with(r, f"header_drop:{name}", headers=r.headers[:index] + r.headers[index + 1 :])


def header_value(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Replace one header's value with random bytes, text, whitespace or a long run."""
    if not r.headers:
        return r
    index = draw(st.integers(0, len(r.headers) - 1))
    name, old = r.headers[index]
    choice = draw(st.sampled_from(("bytes", "text", "empty", "space", "long", "flip", "truncate")))
    if choice == "bytes":
        value = draw(header_value_bytes)
    elif choice == "text":
        value = draw(header_text).encode("ascii")
    elif choice == "empty":
        value = b""
    elif choice == "space":
        value = b"  " + old + b"\t "
    elif choice == "long":
        value = old + b"x" * draw(st.sampled_from((1000, 8000, 9000)))
    elif choice == "flip" and old:
        i = draw(st.integers(0, len(old) - 1))
        flipped = bytes([old[i] ^ draw(st.sampled_from((1, 2, 32, 128)))])
        value = (old[:i] + flipped + old[i + 1 :]).replace(b"\r", b" ").replace(b"\n", b" ")
    else:
        value = old[: draw(st.integers(0, max(0, len(old) - 1)))]
    headers = r.headers[:index] + ((name, value),) + r.headers[index + 1 :]
    return _with(r, f"header_{choice}:{name.decode('latin-1')}", headers=headers)


def header_duplicate(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    if not r.headers:
        return r
    name, value = draw(st.sampled_from(r.headers))
    other = draw(st.sampled_from((value, b"", b"other", value + b"x")))
    return _with(r, f"header_duplicate:{name.decode('latin-1')}", headers=r.headers + ((name, other),))


def header_rename(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Change a header name's case, or add a character to it."""
    if not r.headers:
        return r
    index = draw(st.integers(0, len(r.headers) - 1))
    name, value = r.headers[index]
    new = draw(st.sampled_from((name.upper(), name.lower(), name.swapcase(), name + b"x", name.replace(b"-", b"_"), b"X-" + name)))
    return _with(r, f"header_rename:{name.decode('latin-1')}", headers=r.headers[:index] + ((new, value),) + r.headers[index + 1 :])


def header_add(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    name = draw(st.sampled_from((b"X-Encryption", b"X-Payload-Encryption", b"X-Key-Id", b"Accept", b"Expect", b"x-ncp-lang", b"Cookie", b"Origin"))
                | token_chars.map(lambda t: t.encode("ascii")))
    value = draw(header_value_bytes | header_text.map(lambda t: t.encode("ascii")))
    return _with(r, f"header_add:{name.decode('latin-1')}", headers=r.headers + ((name, value),))


def header_content_type(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    value = draw(st.sampled_from(CONTENT_TYPES)).encode("ascii")
    headers = tuple(h for h in r.headers if h[0].lower() != b"content-type") + ((b"Content-Type", value),)
    return _with(r, "header_content_type", headers=headers)


def header_authorization(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    current = r.header("Authorization") or b""
    scheme, _, credential = current.partition(b" ")
    choice = draw(st.sampled_from(("scheme", "random", "empty", "no_scheme", "mutate_token", "basic", "double_space")))
    if choice == "scheme":
        value = draw(st.sampled_from((b"bearer", b"BEARER", b"Token", b"Basic", b"x-api-key", b"JWT"))) + b" " + credential
    elif choice == "random":
        value = b"Bearer " + draw(token_chars).encode("ascii")
    elif choice == "empty":
        value = draw(st.sampled_from((b"", b"Bearer", b"Bearer ", b" ")))
    elif choice == "no_scheme":
        value = credential
    elif choice == "mutate_token":
        value = b"Bearer " + _mutate_token(draw, credential.decode("latin-1")).encode("latin-1", "replace")
    elif choice == "basic":
        value = b"Basic " + base64.b64encode(b"user:" + credential)
    else:
        value = scheme + b"  " + credential
    headers = tuple(h for h in r.headers if h[0].lower() != b"authorization") + ((b"Authorization", value),)
    return _with(r, f"header_authorization_{choice}", headers=headers)


def header_content_encoding(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Declare a Content-Encoding; compress the body to match, or not."""
    encoding = draw(st.sampled_from(CONTENT_ENCODINGS))
    body = r.body
    honest = draw(st.booleans())
    if honest and encoding.lower().startswith("gzip"):
        body = gzip.compress(body)
    elif honest and encoding == "deflate":
        body = zlib.compress(body)
    headers = tuple(h for h in r.headers if h[0].lower() != b"content-encoding") + ((b"Content-Encoding", encoding.encode("ascii")),)
    return _with(r, f"content_encoding_{encoding}_{'honest' if honest else 'lying'}", headers=headers, body=body)


# --- body ----------------------------------------------------------------------------------
def body_replace(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    choice = draw(st.sampled_from(("empty", "bytes", "json", "text", "whitespace", "null", "json_string")))
    if choice == "empty":
        body = b""
    elif choice == "bytes":
        body = draw(st.binary(max_size=2048))
    elif choice == "json":
        body = json.dumps(draw(json_values)).encode("utf-8")
    elif choice == "text":
        body = draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    elif choice == "whitespace":
        body = b" \r\n\t "
    elif choice == "null":
        body = b"null"
    else:
        body = json.dumps(r.body.decode("utf-8", "replace")).encode("utf-8")
    return _with(r, f"body_{choice}", body=body)


def body_bytes(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Flip, cut, extend or splice the raw body."""
    body = r.body
    choice = draw(st.sampled_from(("flip", "truncate", "append", "insert", "delete", "nul")))
    if not body:
        choice = "append"
    i = draw(st.integers(0, max(0, len(body) - 1)))
    if choice == "flip":
        body = body[:i] + bytes([body[i] ^ draw(st.sampled_from((1, 2, 4, 8, 16, 32, 64, 128)))]) + body[i + 1 :]
    elif choice == "truncate":
        body = body[:i]
    elif choice == "append":
        body = body + draw(st.binary(min_size=1, max_size=32))
    elif choice == "insert":
        body = body[:i] + draw(st.binary(min_size=1, max_size=16)) + body[i:]
    elif choice == "delete":
        body = body[:i] + body[i + draw(st.integers(1, 16)) :]
    else:
        body = body[:i] + b"\x00" + body[i:]
    return _with(r, f"body_{choice}", body=body)


def body_json_edit(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Parse a JSON body and change one value anywhere in it (type, content, presence)."""
    try:
        document = json.loads(r.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return body_replace(draw, r, ctx)
    paths = list(_json_paths(document))
    path = draw(st.sampled_from(paths))
    choice = draw(st.sampled_from(("replace", "delete", "add", "string_edit", "token_edit", "wrap_list", "type_swap")))
    document = _json_apply(document, path, choice, draw)
    return _with(r, f"json_{choice}:{'/'.join(map(str, path)) or '$'}", body=json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass"))


def body_json_special(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """JSON that a lax parser accepts and a strict one must refuse, or that is expensive."""
    choice = draw(st.sampled_from(("deep", "bignum", "nan", "dup_keys", "trailing", "comment", "single_quotes", "bom", "long_string")))
    if choice == "deep":
        depth = draw(st.sampled_from((100, 1000, 20_000)))
        body = b"[" * depth + b"]" * depth
    elif choice == "bignum":
        body = b'{"n": ' + b"9" * draw(st.sampled_from((20, 400, 5000))) + b"}"
    elif choice == "nan":
        body = draw(st.sampled_from((b'{"a": NaN}', b'{"a": Infinity}', b"-Infinity", b'[1e999]')))
    elif choice == "dup_keys":
        body = r.body.rstrip()[:-1] + b', "a": 1, "a": 2}' if r.body.rstrip().endswith(b"}") and len(r.body.strip()) > 2 else b'{"a": 1, "a": 2}'
    elif choice == "trailing":
        body = r.body + draw(st.sampled_from((b",", b"}", b"garbage", b"\x00", b" {}")))
    elif choice == "comment":
        body = b"/* c */" + r.body
    elif choice == "single_quotes":
        body = r.body.replace(b'"', b"'")
    elif choice == "bom":
        body = b"\xef\xbb\xbf" + r.body
    else:
        body = b'{"a": "' + b"x" * draw(st.sampled_from((10_000, 60_000))) + b'"}'
    return _with(r, f"json_{choice}", body=body)


def body_reencode(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    text = r.body.decode("utf-8", "replace")
    encoding = draw(st.sampled_from(("utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252")))
    return _with(r, f"body_{encoding}", body=text.encode(encoding, "replace"))


def body_huge(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """A body just over the mock's ``max_body_bytes``, or exactly at it."""
    size = ctx.max_body_bytes + draw(st.sampled_from((-1, 0, 1, 1000)))
    filler = draw(st.sampled_from((b"a", b" ", b"[")))
    body = (r.body + filler * size)[:size] if size > 0 else b""
    return _with(r, f"body_size_{size}", body=body)


def body_chunked(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    return _with(r, "chunked", chunked=True)


def body_token(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Edit a compact JOSE token (or any dotted base64url run) found in the body."""
    text = r.body.decode("latin-1")
    match = _first_token(text)
    if match is None:
        return body_bytes(draw, r, ctx)
    start, end = match
    mutated = _mutate_token(draw, text[start:end])
    return _with(r, "body_token", body=(text[:start] + mutated + text[end:]).encode("latin-1", "replace"))


def body_json_non_rfc(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Put a number or string RFC 8259 has no room for at any place of a JSON body: NaN, Infinity,
    a number that overflows a double, an integer past Python's digit limit, a lone surrogate."""
    try:
        document = json.loads(r.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        document = {}
    placeholder = "\u2063sealmail-non-rfc\u2063"
    path = draw(st.sampled_from(list(_json_paths(document))))
    document = _json_set(document, path, placeholder)
    token = draw(st.sampled_from(NON_RFC_JSON))
    text = json.dumps(document, ensure_ascii=False).replace(json.dumps(placeholder, ensure_ascii=False), token, 1)
    return _with(r, f"json_non_rfc:{token[:12]}", body=text.encode("utf-8", "surrogatepass"))


def header_duplicate_singleton(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Send a header the provider reads as one value twice (same value, empty, or another)."""
    names = ctx.singleton_headers or tuple(name.decode("latin-1") for name, _ in r.headers) or ("Authorization",)
    name = draw(st.sampled_from(names))
    value = r.header(name) or b"x"
    other = draw(st.sampled_from((value, b"", b"other", value + b"x")))
    headers = r.headers + ((name.encode("latin-1"), value),) if r.header(name) is None else r.headers
    return _with(r, f"header_singleton_twice:{name}", headers=headers + ((name.encode("latin-1"), other),))


def header_flood(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Many headers: distinct random names, one name many times, or long values."""
    count = draw(st.sampled_from((50, 120, 500)))
    kind = draw(st.sampled_from(("distinct", "same", "long")))
    if kind == "distinct":
        extra = tuple((b"X-Flood-%d" % i, b"v") for i in range(count))
    elif kind == "same":
        extra = tuple((b"X-Flood", b"%d" % i) for i in range(count))
    else:
        extra = tuple((b"X-Flood-%d" % i, b"v" * 4000) for i in range(count // 10))
    return _with(r, f"header_flood_{kind}_{count}", headers=r.headers + extra)


def body_multipart_bomb(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """A ``multipart/form-data`` body built to cost: nesting, many parts, header floods, long lines,
    long boundaries, a long preamble, transfer encodings and unsafe file names (stayprivate uploads)."""
    boundary = "sealmail-fuzz"
    kind = draw(st.sampled_from(("nested", "many_parts", "part_headers", "long_header", "long_boundary", "preamble",
                                 "transfer_encoding", "file_name", "unterminated")))
    file_part = _multipart_part("emailAttachment", b"%PDF-1.4 fuzz", filename="report.pdf")
    if kind == "nested":
        depth = draw(st.sampled_from((2, 50, 500)))
        body = _multipart_body([file_part], "n0")
        for level in range(1, depth):
            nested = f'Content-Disposition: form-data; name="n"\r\nContent-Type: multipart/mixed; boundary=n{level - 1}\r\n\r\n'
            body = _multipart_body([nested.encode() + body], f"n{level}")
        boundary = f"n{depth - 1}"
    elif kind == "many_parts":
        count = draw(st.sampled_from((17, 65, 1000)))
        body = _multipart_body([file_part] + [_multipart_part("f", b"")] * (count - 1), boundary)
    elif kind == "part_headers":
        flood = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(draw(st.sampled_from((17, 200)))))
        body = _multipart_body([_multipart_part("emailAttachment", b"x", filename="a.pdf", extra=flood)], boundary)
    elif kind == "long_header":
        extra = "X-Long: " + "a" * draw(st.sampled_from((4100, 9000, 40_000))) + "\r\n"
        body = _multipart_body([_multipart_part("emailAttachment", b"x", filename="a.pdf", extra=extra)], boundary)
    elif kind == "long_boundary":
        boundary = "b" * draw(st.sampled_from((70, 71, 200)))
        body = _multipart_body([file_part], boundary)
    elif kind == "preamble":
        body = b"\r\n" * draw(st.sampled_from((1000, 20_000))) + _multipart_body([file_part], boundary)
    elif kind == "transfer_encoding":
        encoded = base64.b64encode(b"%PDF-1.4 fuzz")
        body = _multipart_body([_multipart_part("emailAttachment", encoded, filename="a.pdf",
                                                extra="Content-Transfer-Encoding: base64\r\n")], boundary)
    elif kind == "file_name":
        name = draw(st.sampled_from(("..", "../x", "a/b", "C:\\x", "", ".", "a" * 5000)))
        body = _multipart_body([_multipart_part("emailAttachment", b"x", filename=name)], boundary)
    else:
        body = _multipart_body([file_part], boundary).rsplit(b"--" + boundary.encode(), 1)[0]
    content_type = f"multipart/form-data; boundary={boundary}".encode("ascii")
    headers = tuple(h for h in r.headers if h[0].lower() != b"content-type") + ((b"Content-Type", content_type),)
    return _with(r, f"multipart_{kind}", headers=headers, body=body[: ctx.max_body_bytes + 1000])


def _multipart_part(name: str, data: bytes, *, filename: str | None = None, extra: str = "") -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return f"Content-Disposition: {disposition}\r\n{extra}\r\n".encode("utf-8") + data


def _multipart_body(parts: Sequence[bytes], boundary: str) -> bytes:
    delimiter = b"--" + boundary.encode("ascii")
    return b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts) + delimiter + b"--\r\n"


NON_RFC_JSON = ("NaN", "Infinity", "-Infinity", "1e400", "-1E+999", "9" * 5000, '"\\ud800"', '{"k": "\\udfff x"}', "[1e309]")
"""Text ``json.loads`` accepts (or chokes on) that RFC 8259 has no room for."""


# --- clock ---------------------------------------------------------------------------------
def clock_shift(draw: Any, r: FuzzRequest, ctx: Context) -> FuzzRequest:
    """Move the mock clock: around signature and expiry windows, or far away."""
    offset = draw(st.sampled_from((-86_400_000, -301_000, -299_000, -1000, 1000, 299_000, 301_000, 3_600_000, 86_400_000 * 365)))
    if r.clock_ms is not None:
        return _with(r, f"clock_{offset:+d}ms", clock_ms=r.clock_ms + offset)
    return _with(r, f"clock_{offset:+d}ms", clock_offset_ms=offset)


DEEP_MUTATIONS: tuple[Mutation, ...] = (
    body_json_edit,
    body_token,
    header_value,
    header_authorization,
    body_bytes,
    header_drop,
    body_replace,
    header_content_type,
    clock_shift,
    body_json_special,
    body_reencode,
    body_huge,
    header_add,
    body_json_non_rfc,
    header_duplicate_singleton,
    body_multipart_bomb,
    header_flood,
)
"""Mutations that keep the request parseable HTTP, so it reaches the provider's own checks."""

WIDE_MUTATIONS: tuple[Mutation, ...] = (
    path_endpoint,
    path_edit,
    path_segment,
    path_query,
    method_other,
    header_duplicate,
    header_rename,
    header_content_encoding,
    body_chunked,
    method_random,
    method_case,
    path_long,
)
"""Mutations of the HTTP envelope: routing, methods, framing, encodings (many end in the parser)."""

MUTATIONS: tuple[Mutation, ...] = DEEP_MUTATIONS + WIDE_MUTATIONS


# --- JSON and token helpers ------------------------------------------------------------------
def _json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Any:
    yield prefix
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _json_paths(sub, prefix + (key,))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _json_paths(sub, prefix + (i,))


def _json_set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return document


def _json_apply(document: Any, path: tuple[Any, ...], choice: str, draw: Any) -> Any:
    if not path:
        parent, key = None, None
        current = document
    else:
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        current = parent[key]
    if choice == "replace":
        new: Any = draw(json_values)
    elif choice == "string_edit" and isinstance(current, str):
        new = _mutate_string(draw, current)
    elif choice == "token_edit" and isinstance(current, str) and _first_token(current):
        start, end = _first_token(current)  # type: ignore[misc]
        new = current[:start] + _mutate_token(draw, current[start:end]) + current[end:]
    elif choice == "wrap_list":
        new = [current]
    elif choice == "type_swap":
        new = draw(st.sampled_from((None, 0, -1, 1.5, True, "", "0", [], {}, 2**64, "x" * 300)))
    elif choice == "add" and isinstance(current, dict):
        current = dict(current)
        current[draw(st.text(max_size=12))] = draw(json_values)
        new = current
    elif choice == "delete" and parent is not None:
        if isinstance(parent, dict):
            del parent[key]
        else:
            del parent[key]
        return document
    else:
        new = draw(json_values)
    if parent is None:
        return new
    parent[key] = new
    return document


def _mutate_string(draw: Any, text: str) -> str:
    """Edits that trip base64, hex, email, timestamp and enum checks."""
    choice = draw(st.sampled_from(("flip", "truncate", "pad", "urlsafe", "space", "upper", "unicode", "empty", "long")))
    if not text:
        return draw(st.text(max_size=20))
    i = draw(st.integers(0, len(text) - 1))
    if choice == "flip":
        return text[:i] + chr((ord(text[i]) ^ 1) or 65) + text[i + 1 :]
    if choice == "truncate":
        return text[:i]
    if choice == "pad":
        return text + draw(st.sampled_from(("=", "==", "===", "A", "\n")))
    if choice == "urlsafe":
        return text.replace("+", "-").replace("/", "_").rstrip("=")
    if choice == "space":
        return " " + text + " "
    if choice == "upper":
        return text.swapcase()
    if choice == "unicode":
        return text[:i] + draw(st.sampled_from(("\u00e9", "\u202e", "\ud800", "\x00", "\ufeff", "\U0001f600"))) + text[i:]
    if choice == "empty":
        return ""
    return text * 50


def _first_token(text: str) -> tuple[int, int] | None:
    """The first compact-JOSE-looking run (3 to 5 dot-separated parts) in ``text``."""
    for match in _TOKEN_RUN.finditer(text):
        if 2 <= match.group().count(".") <= 4 and len(match.group()) > 8:
            return match.start(), match.end()
    return None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mutate_token(draw: Any, token: str) -> str:
    """Edit one part of a compact JWS (3 parts) or JWE (5 parts) token."""
    parts = token.split(".")
    choice = draw(st.sampled_from(("header", "part", "swap", "drop", "add", "truncate", "empty_part", "padding")))
    if choice == "header":
        try:
            header = json.loads(_unb64url(parts[0]))
            if not isinstance(header, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            header = {}
        field_name = draw(st.sampled_from(("alg", "enc", "kid", "typ", "crit", "zip", "jku", "x5u", "b64", "cty")))
        if field_name == "alg":
            header["alg"] = draw(st.sampled_from(JOSE_ALGS))
        elif field_name == "enc":
            header["enc"] = draw(st.sampled_from(JOSE_ENCS))
        elif field_name == "kid" and draw(st.booleans()):
            header.pop("kid", None)
        else:
            header[field_name] = draw(json_values)
        parts[0] = _b64url(json.dumps(header).encode("utf-8", "surrogatepass"))
    elif choice == "part":
        i = draw(st.integers(0, len(parts) - 1))
        parts[i] = _b64url(draw(st.binary(max_size=64)))
    elif choice == "swap" and len(parts) > 1:
        i, j = draw(st.integers(0, len(parts) - 1)), draw(st.integers(0, len(parts) - 1))
        parts[i], parts[j] = parts[j], parts[i]
    elif choice == "drop" and len(parts) > 1:
        del parts[draw(st.integers(0, len(parts) - 1))]
    elif choice == "add":
        parts.append(_b64url(draw(st.binary(max_size=16))))
    elif choice == "truncate":
        i = draw(st.integers(0, len(parts) - 1))
        parts[i] = parts[i][: draw(st.integers(0, max(0, len(parts[i]) - 1)))]
    elif choice == "empty_part":
        parts[draw(st.integers(0, len(parts) - 1))] = ""
    else:
        i = draw(st.integers(0, len(parts) - 1))
        parts[i] = parts[i] + draw(st.sampled_from(("=", "==", "+", "/", "!")))
    return ".".join(parts)


# --- the strategy ------------------------------------------------------------------------------
def random_request(draw: Any, ctx: Context) -> FuzzRequest:
    method = draw(st.sampled_from(ctx.methods))
    if ctx.endpoints and draw(st.booleans()):
        endpoint = draw(st.sampled_from(ctx.endpoints))
        target = endpoint.fill({name: quote(draw(path_text) or "x", safe="") for name in endpoint.params}).encode("ascii")
    else:
        target = b"/" + "/".join(quote(s, safe="") for s in draw(st.lists(path_text, max_size=4))).encode("ascii")
    headers = tuple(
        (name.encode("ascii"), value)
        for name, value in draw(st.lists(st.tuples(token_chars, header_value_bytes), max_size=4))
    )
    body = draw(st.binary(max_size=256) | json_values.map(lambda v: json.dumps(v).encode("utf-8")))
    return FuzzRequest(method, target, headers, body, origin="random")


STARTS = ("seed",) * 7 + ("endpoint",) * 2 + ("random",)
GROUPS = ("deep", "deep", "deep", "wide")


@st.composite
def fuzz_requests(draw: Any, ctx: Context) -> FuzzRequest:
    """One request to send: a seed (70%), an endpoint (20%) or random (10%), then 0-4 mutations,
    three in four of them "deep" (the request stays parseable and reaches the provider's checks)."""
    start = draw(st.sampled_from(STARTS if ctx.seeds else ("endpoint", "random")))
    if start == "seed":
        request = from_seed(draw(st.sampled_from(ctx.seeds)))
    elif start == "endpoint" and ctx.endpoints:
        base = from_seed(draw(st.sampled_from(ctx.seeds))) if ctx.seeds else random_request(draw, ctx)
        request = path_endpoint(draw, replace(base, origin=f"endpoint+{base.origin}"), ctx)
    else:
        request = random_request(draw, ctx)
    for _ in range(draw(st.integers(0, 4))):
        group = DEEP_MUTATIONS if draw(st.sampled_from(GROUPS)) == "deep" else WIDE_MUTATIONS
        request = draw(st.sampled_from(group))(draw, request, ctx)
    return request
