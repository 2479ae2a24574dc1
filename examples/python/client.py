#!/usr/bin/python3
"""Exec contract v1 of ollama-auth-conformance, in Python, independent of the project's TypeScript.

    client.py <action> <target>

Prints the response body on stdout and exits 0, or prints one line on stderr and exits non-zero
(3 with "unsupported action <name>" for an action it does not know).

Debian's /usr/bin/python3 on purpose: python3-cryptography is installed for that interpreter only.
Standard library (http.client, ssl) plus `cryptography` for the key (load_ssh_private_key, Ed25519).

What it reproduces byte for byte from Ollama's Go client (docs/protocol.md §0-§3):
  - "<A>:<B>": A = second field of the OpenSSH public key line, B = base64 of the raw 64-byte signature;
  - the registry token URL: the realm's own query kept, service, one scope per space-separated item, ts,
    nonce, re-encoded like Go's url.Values.Encode() (keys sorted, QueryEscape: only A-Za-z0-9-_.~ kept,
    space -> "+"), signed as "GET,<token URL>,<base64(hex(sha256("")))>";
  - the direct form "<METHOD>,<path>?ts=<unix>" with the same ts in the URL.
Stricter than Ollama where the reference recommends it: an RFC 9110 challenge parser, exact realm-host
check plus no https->http realm, no retry without a token, one retry only, and credentials are never
sent to another origin (redirects are followed here, not by urllib, which would copy Authorization).
"""
import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import ssl
import sys
import time
import urllib.request
from urllib.parse import quote, quote_plus, urljoin, urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding, PublicFormat, load_pem_private_key, load_ssh_private_key,
)

REQUEST_TIMEOUT = 20.0
MAX_REDIRECTS = 10
MAX_BODY_BYTES = 64 << 20
MANIFEST_ACCEPT = "application/vnd.docker.distribution.manifest.v2+json"
USER_AGENT = "oac-example-python/1"


class Failure(Exception):
    """An error for the user: printed as "<action>: <message>" on one line."""


# -------------------------------------------------------------------------------------------------
# Go net/url, the parts Ollama's URLs go through

_HEX = "0123456789abcdefABCDEF"


def go_unescape(s, query):
    """Go's unescape: %XX -> byte (a bad escape is an error), "+" -> space in a query. Returns bytes."""
    out = bytearray()
    raw = s.encode("utf-8", "surrogateescape")
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x25:  # %
            digits = raw[i + 1:i + 3]
            if len(digits) < 2 or any(chr(d) not in _HEX for d in digits):
                raise ValueError("invalid URL escape %r" % raw[i:i + 3].decode("latin-1"))
            out.append(int(digits, 16))
            i += 3
        elif c == 0x2B and query:  # +
            out.append(0x20)
            i += 1
        else:
            out.append(c)
            i += 1
    return bytes(out)


def go_query_escape(b):
    """url.QueryEscape: keeps A-Za-z0-9 - _ . ~, space -> "+", every other byte %XX (upper case)."""
    return quote_plus(b, safe="")


def go_parse_query(raw):
    """url.ParseQuery as Query() uses it: pairs with a ";" or a bad escape are dropped. {bytes: [bytes]}."""
    values = {}
    for part in raw.split("&"):
        if ";" in part or part == "":
            continue
        key, _, value = part.partition("=")
        try:
            k, v = go_unescape(key, True), go_unescape(value, True)
        except ValueError:
            continue
        values.setdefault(k, []).append(v)
    return values


def go_encode(values):
    """url.Values.Encode(): keys sorted byte-wise, each key's values in insertion order."""
    return "&".join(
        go_query_escape(k) + "=" + go_query_escape(v)
        for k in sorted(values)
        for v in values[k]
    )


_VALID_PATH = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@\[\]%/]*$")


def go_escaped_path(path):
    """URL.EscapedPath(): the path as written when it is a valid encoding, else Go's escape of it."""
    decoded = go_unescape(path, False)  # raises on a bad %XX, as url.Parse does
    if _VALID_PATH.match(path):
        return path
    return quote(decoded, safe="$&+,/:;=@")


class GoURL:
    """An absolute URL split as Go's url.Parse splits it (scheme lower-cased, Host exactly as written)."""

    def __init__(self, raw):
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
            raise ValueError("invalid control character in URL")
        if "#" in raw:
            raise ValueError("URL has a #fragment")
        m = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$", raw, re.S)
        self.scheme, rest = (m.group(1).lower(), m.group(2)) if m else ("", raw)
        rest, question, self.raw_query = rest.partition("?")
        self.has_query = question == "?"
        self.userinfo, self.host, self.path = None, "", rest
        if rest.startswith("//"):
            slash = rest.find("/", 2)
            authority = rest[2:] if slash == -1 else rest[2:slash]
            self.path = "" if slash == -1 else rest[slash:]
            if "@" in authority:
                self.userinfo, _, self.host = authority.rpartition("@")
            else:
                self.host = authority
        self.escaped_path = go_escaped_path(self.path)

    def string(self, raw_query=None):
        """URL.String() with RawQuery replaced (userinfo as written; Go would re-escape it)."""
        query = self.raw_query if raw_query is None else raw_query
        out = ""
        if self.scheme:
            out = self.scheme + "://" + ("" if self.userinfo is None else self.userinfo + "@") + self.host
        path = self.escaped_path
        if path and not path.startswith("/") and self.host:
            path = "/" + path
        out += path
        if raw_query is not None or self.has_query:
            out += "?" + query
        return out


def parse_target(target, allow_userinfo=False):
    try:
        u = GoURL(target)
    except ValueError as e:
        raise Failure("target is not a URL: %s" % e)
    if u.scheme not in ("http", "https") or u.host == "":
        raise Failure("target must be an absolute http(s) URL, got scheme %r host %r" % (u.scheme, u.host))
    if u.userinfo is not None and not allow_userinfo:
        raise Failure("target must not carry user:pass@ for this action")
    return u


def join_path(base, path, set_ts=None):
    """base.JoinPath(path) (a trailing "/" of the base path dropped), the base query kept; with set_ts,
    q.Set("ts", ts) and Encode() as Ollama's API client does."""
    u = GoURL(base.scheme + "://" + base.host + base.escaped_path.rstrip("/") + path)
    if set_ts is None:
        return u.string(base.raw_query if base.has_query else None)
    values = go_parse_query(base.raw_query)
    values[b"ts"] = [set_ts.encode("ascii")]
    return u.string(go_encode(values))


# -------------------------------------------------------------------------------------------------
# Key and signature (auth/auth.go in Ollama)

class SigningKey:
    def __init__(self):
        home = os.environ.get("HOME", "")
        if home == "":
            raise Failure("cannot find the home directory for the key: $HOME is not set")
        path = os.path.join(home, ".ollama", "id_ed25519")
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise Failure("cannot read key: %s" % e)
        try:
            # ssh.ParsePrivateKey reads the OpenSSH format and legacy PEM; so does this.
            if data.lstrip().startswith(b"-----BEGIN OPENSSH " b"PRIVATE KEY-----"):
                key = load_ssh_private_key(data, password=None)
            else:
                key = load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as e:
            raise Failure("cannot use key %s: %s" % (path, e))
        if not isinstance(key, Ed25519PrivateKey):
            raise Failure("key %s is not ssh-ed25519; Ollama's verifiers accept only ssh-ed25519" % path)
        self._key = key
        # A: the second field of "ssh-ed25519 <base64 of the SSH wire public key>".
        line = key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
        self.field = line.split()[1].decode("ascii")

    def sign(self, message):
        """"<A>:<B>", B = base64 of the raw 64-byte Ed25519 signature (pure Ed25519, no pre-hash)."""
        signature = self._key.sign(message.encode("utf-8", "surrogateescape"))
        return self.field + ":" + base64.b64encode(signature).decode("ascii")


def empty_body_hash():
    """base64 of the 64 lowercase hex characters of SHA-256(""): the token request's last field."""
    return base64.b64encode(hashlib.sha256(b"").hexdigest().encode("ascii")).decode("ascii")


def new_nonce():
    """16 random bytes, base64url without padding: 22 characters, fresh per token request."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode("ascii")


# -------------------------------------------------------------------------------------------------
# WWW-Authenticate (RFC 9110 §11.6.1, §11.2, §5.6)
#
#   WWW-Authenticate = #challenge
#   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
#   auth-param       = token BWS "=" BWS ( token / quoted-string )
#   token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
#
# After a comma, `token BWS "="` continues the current challenge; anything else starts a new one.
# Several field lines are one list joined with ", ", but a quoted-string never runs across lines.
# Lenient where registries need it: unquoted values may hold any visible ASCII except DQUOTE, ","
# and "\" (realm=https://r/token), and HTAB counts as SP.

_TCHAR = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_TOKEN68 = set("-._~+/0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _qdtext(c):
    o = ord(c)
    return o in (0x09, 0x20, 0x21) or 0x23 <= o <= 0x5B or 0x5D <= o <= 0x7E or o >= 0x80


class _ChallengeParser:
    def __init__(self, fields):
        self.s = ", ".join(fields)
        self.ends, pos = set(), 0
        for i, f in enumerate(fields):
            pos += (2 if i else 0) + len(f)
            self.ends.add(pos)
        self.pos = 0

    def at(self, i):
        return self.s[i] if i < len(self.s) else None

    def fail(self, message):
        near = self.s[self.pos:self.pos + 24]
        raise Failure("malformed WWW-Authenticate at offset %d (near %s): %s" % (self.pos, json.dumps(near), message))

    def skip_ws(self, i):
        while i < len(self.s) and self.s[i] in " \t":
            i += 1
        return i

    def skip_separators(self, i):
        while i < len(self.s) and self.s[i] in " \t,":
            i += 1
        return i

    def token(self, i):
        j = i
        while j < len(self.s) and self.s[j] in _TCHAR:
            j += 1
        return self.s[i:j]

    def param_starts_at(self, i):
        name = self.token(i)
        return name != "" and self.at(self.skip_ws(i + len(name))) == "="

    def parse(self):
        out = []
        while True:
            self.pos = self.skip_separators(self.pos)
            if self.pos >= len(self.s):
                return out
            out.append(self.challenge())

    def challenge(self):
        scheme = self.token(self.pos)
        if scheme == "":
            self.fail("expected an auth-scheme")
        if self.at(self.skip_ws(self.pos + len(scheme))) == "=":
            self.fail("expected an auth-scheme before the parameter %s" % json.dumps(scheme))
        self.pos += len(scheme)
        c = {"scheme": scheme, "params": {}, "token68": None}
        if self.at(self.pos) in (None, ","):
            return c
        if self.s[self.pos] not in " \t":
            self.fail("expected a space after the auth-scheme %s" % json.dumps(scheme))
        q = self.skip_ws(self.pos)
        if self.at(q) in (None, ","):
            self.pos = q
            return c
        # token68, unless it is "name=" followed by more auth-params (then: a param with no value).
        n = 0
        while q + n < len(self.s) and self.s[q + n] in _TOKEN68:
            n += 1
        if n:
            while q + n < len(self.s) and self.s[q + n] == "=":
                n += 1
            after = self.skip_ws(q + n)
            if self.at(after) in (None, ","):
                t68 = self.s[q:q + n]
                ambiguous = t68.endswith("=") and not t68.endswith("==")
                if not (ambiguous and self.param_starts_at(self.skip_separators(after))):
                    c["token68"] = t68
                    self.pos = after
                    return c
        self.pos = q
        self.params(c)
        return c

    def params(self, c):
        while True:
            name = self.token(self.pos)
            if name == "":
                self.fail("expected an auth-param name")
            self.pos = self.skip_ws(self.pos + len(name))
            if self.at(self.pos) != "=":
                self.fail("expected \"=\" after the auth-param name %s" % json.dumps(name))
            self.pos = self.skip_ws(self.pos + 1)
            if self.at(self.pos) == '"':
                value = self.quoted(name)
            else:
                j = self.pos
                while j < len(self.s) and 0x21 <= ord(self.s[j]) <= 0x7E and self.s[j] not in '",\\':
                    j += 1
                if j == self.pos:
                    self.fail("expected a value (token or quoted-string) for %s" % json.dumps(name))
                value, self.pos = self.s[self.pos:j], j
            key = name.lower()
            if key in c["params"]:
                self.fail("parameter %s appears twice in the %s challenge (RFC 9110 §11.2)" % (json.dumps(key), c["scheme"]))
            c["params"][key] = value
            self.pos = self.skip_ws(self.pos)
            sep = self.at(self.pos)
            if sep is None:
                return
            if sep != ",":
                self.fail("expected \",\" or the end after the value of %s" % json.dumps(name))
            nxt = self.skip_separators(self.pos)
            if nxt >= len(self.s) or not self.param_starts_at(nxt):
                return  # the end, or the next challenge: the outer loop takes it from the comma
            self.pos = nxt

    def quoted(self, name):
        value, i = [], self.pos + 1
        while True:
            if i >= len(self.s) or i in self.ends:
                self.pos = i
                self.fail("unterminated quoted value of %s" % json.dumps(name))
            ch = self.s[i]
            if ch == '"':
                self.pos = i + 1
                return "".join(value)
            if ch == "\\":
                if i + 1 >= len(self.s) or (i + 1) in self.ends:
                    self.pos = i + 1
                    self.fail("unterminated quoted value of %s" % json.dumps(name))
                esc = self.s[i + 1]
                if not (esc == "\t" or 0x20 <= ord(esc) <= 0x7E or ord(esc) >= 0x80):
                    self.pos = i + 1
                    self.fail("control character after \"\\\" in the value of %s" % json.dumps(name))
                value.append(esc)
                i += 2
            elif _qdtext(ch):
                value.append(ch)
                i += 1
            else:
                self.pos = i
                self.fail("control character in the quoted value of %s" % json.dumps(name))


def parse_bearer_challenge(fields):
    """The first Bearer challenge (scheme case-insensitive) of all field lines; realm must be non-empty."""
    if not any(f.strip() for f in fields):
        raise Failure("401 without a WWW-Authenticate challenge")
    challenges = _ChallengeParser(fields).parse()
    for c in challenges:
        if c["scheme"].lower() == "bearer":
            realm = c["params"].get("realm", "")
            if realm == "":
                raise Failure("the Bearer challenge has no realm")
            return realm, c["params"].get("service", ""), c["params"].get("scope", "")
    raise Failure("401 without a Bearer challenge (got %s)" % ", ".join(c["scheme"] for c in challenges))


# -------------------------------------------------------------------------------------------------
# HTTP: http.client, one hop at a time, so that the URL goes out byte for byte and redirects are ours

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def text(self):
        return self.body.decode("utf-8", "replace").strip()


def _tls_context():
    # SSL_CERT_FILE is honoured by OpenSSL's default paths; OAC_CA_FILE names the CA explicitly.
    ctx = ssl.create_default_context(cafile=os.environ.get("OAC_CA_FILE") or None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # Mutual TLS: a client certificate for a proxy that demands one (paths, as the harness passes them).
    cert, key = os.environ.get("OAC_CLIENT_CERT"), os.environ.get("OAC_CLIENT_KEY")
    if cert or key:
        ctx.load_cert_chain(certfile=cert, keyfile=key)
    return ctx


def _origin(u):
    return (u.scheme, u.host)


def _split_host(host):
    """("127.0.0.1", 8080) from "127.0.0.1:8080", ("::1", 443) from "[::1]" on https."""
    m = re.match(r"^(\[[^\]]*\]|[^:]*)(?::(\d*))?$", host)
    if not m:
        raise Failure("cannot connect to host %r" % host)
    name = m.group(1)[1:-1] if m.group(1).startswith("[") else m.group(1)
    return name, int(m.group(2)) if m.group(2) else None


def _proxy_for(scheme, host):
    """(host, port) of the proxy the environment names for this scheme (HTTPS_PROXY, http_proxy, …), or
    None: unset, or the host is in NO_PROXY. urllib's own reading of the variables, without urllib's
    redirect handling (which would copy Authorization to another origin)."""
    url = urllib.request.getproxies().get(scheme)
    if not url or urllib.request.proxy_bypass(host):
        return None
    p = urlsplit(url if "://" in url else "http://" + url)
    if p.scheme != "http" or not p.hostname:
        raise Failure("unsupported %s_proxy %r: only http:// proxies are supported" % (scheme, url))
    return p.hostname, p.port or 80


def send(method, url, headers, body=None):
    """One request; redirects (at most 10) followed here, Authorization dropped on an origin change."""
    first = GoURL(url)
    headers = dict(headers)
    for hop in range(MAX_REDIRECTS + 1):
        u = GoURL(url)
        res = _send_once(method, u, headers, body)
        location = res.headers.get("Location")
        if res.status not in (301, 302, 303, 307, 308) or not location:
            return res
        if hop == MAX_REDIRECTS:
            raise Failure("%s %s: stopped after %d redirects" % (method, url, MAX_REDIRECTS))
        url = urljoin(url, location)
        nxt = GoURL(url)
        if nxt.scheme not in ("http", "https"):
            raise Failure("%s %s: redirect to a non-http(s) URL" % (method, url))
        if _origin(nxt) != _origin(first):
            headers.pop("Authorization", None)
        if res.status == 303 or (res.status in (301, 302) and method == "POST"):
            method, body = "GET", None
    raise AssertionError("unreachable")


def _send_once(method, u, headers, body):
    host, port = _split_host(u.host)
    deadline = time.monotonic() + REQUEST_TIMEOUT
    proxy = _proxy_for(u.scheme, host)
    target = (u.escaped_path or "/") + ("?" + u.raw_query if u.has_query else "")
    if u.scheme == "https":
        if proxy:
            # The proxy environment, as curl, requests and Go honour it: a CONNECT tunnel, TLS inside it.
            conn = http.client.HTTPSConnection(proxy[0], proxy[1], timeout=REQUEST_TIMEOUT, context=_tls_context())
            conn.set_tunnel(host, port or 443)
        else:
            conn = http.client.HTTPSConnection(host, port, timeout=REQUEST_TIMEOUT, context=_tls_context())
    elif proxy:
        # Plain http through a proxy: the absolute-form target, sent to the proxy.
        conn = http.client.HTTPConnection(proxy[0], proxy[1], timeout=REQUEST_TIMEOUT)
        target = "http://%s%s" % (u.host, target)
    else:
        conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
    where = "%s %s" % (method, u.string())
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", u.host)
        for name, value in headers.items():
            conn.putheader(name, value)
        if body is not None or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body)
        # Kept: getresponse() may hand the socket over to the response and forget it.
        sock = conn.sock

        def arm():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete answer within %d s" % REQUEST_TIMEOUT)
            sock.settimeout(remaining)

        arm()
        res = conn.getresponse()
        chunks, size = [], 0
        while True:
            arm()
            chunk = res.read(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise Failure("%s: body larger than %d bytes" % (where, MAX_BODY_BYTES))
            chunks.append(chunk)
        return Response(res.status, res.msg, b"".join(chunks))
    except (OSError, http.client.HTTPException) as e:
        raise Failure("%s: %s" % (where, str(e) or type(e).__name__))
    finally:
        conn.close()


def octets(header_value):
    """http.client decodes header values as latin-1; this gives back the octets on the wire as a str that
    encodes to exactly those bytes (UTF-8 with surrogateescape, like sys.argv), so that a non-ASCII
    service or scope is escaped byte for byte as Go escapes it."""
    return header_value.encode("latin-1").decode("utf-8", "surrogateescape")


def status_and_body(res):
    """Ollama's "<status>: <body>", or "<status>" for an empty body."""
    text = res.text()
    return "%d: %s" % (res.status, text) if text else str(res.status)


def api_error(res):
    """ollama.com's {"error": ..., "signin_url": ...}, else the raw body."""
    message = status_and_body(res)
    try:
        fields = json.loads(res.body)
    except ValueError:
        fields = None
    if isinstance(fields, dict):
        if isinstance(fields.get("error"), str) and fields["error"]:
            message = "%d: %s" % (res.status, fields["error"])
        if isinstance(fields.get("signin_url"), str) and fields["signin_url"]:
            message += " (sign in at %s)" % fields["signin_url"]
    return Failure(message)


def ok(status):
    return 200 <= status < 300


# -------------------------------------------------------------------------------------------------
# Actions

def registry_manifest(target):
    """GET -> 401 + Bearer challenge -> signed GET of the token URL on the realm -> retry once."""
    key = SigningKey()  # before any request: a broken key costs no request
    resource = parse_target(target)
    resource_url = resource.string()
    headers = {"Accept": MANIFEST_ACCEPT, "User-Agent": USER_AGENT}
    first = send("GET", resource_url, headers)
    if first.status != 401:
        return resource_result(first)

    realm, service, scope = parse_bearer_challenge([octets(v) for v in first.headers.get_all("WWW-Authenticate") or []])
    try:
        realm_url = GoURL(realm)
    except ValueError as e:
        raise Failure("realm %s is not usable: %s" % (json.dumps(realm), e))
    # Ollama's check and wording (server/auth.go, CVE-2025-51471): exact URL.Host strings.
    if realm_url.host != resource.host:
        raise Failure("realm host %s does not match original host %s" % (json.dumps(realm_url.host), json.dumps(resource.host)))
    if realm_url.scheme not in ("http", "https"):
        raise Failure("realm %s is not an http(s) URL" % json.dumps(realm))
    # Stricter than Ollama (REG-10): no signature and no token over plain http for an https registry.
    if resource.scheme == "https" and realm_url.scheme != "https":
        raise Failure("refusing realm %s: an https registry must not send the token request over http (downgrade)" % json.dumps(realm))

    values = go_parse_query(realm_url.raw_query)
    values.setdefault(b"service", []).append(service.encode("utf-8", "surrogateescape"))
    for item in scope.split(" "):
        values.setdefault(b"scope", []).append(item.encode("utf-8", "surrogateescape"))
    values.setdefault(b"ts", []).append(str(int(time.time())).encode())
    values.setdefault(b"nonce", []).append(new_nonce().encode())
    token_url = realm_url.string(go_encode(values))

    authorization = key.sign("GET," + token_url + "," + empty_body_hash())
    token_res = send("GET", token_url, {"Authorization": authorization, "User-Agent": USER_AGENT})
    if not ok(token_res.status):
        raise Failure("token endpoint answered %s" % status_and_body(token_res))
    token = parse_token_response(token_res)

    retry = send("GET", resource_url, dict(headers, Authorization="Bearer " + token))
    if retry.status == 401:
        raise Failure("unauthorized: access denied (the registry answered 401 to the token from %s; not fetching another)" % realm_url.host)
    return resource_result(retry)


def resource_result(res):
    if ok(res.status):
        return res.body
    if res.status == 404:
        raise Failure("not found: %s" % status_and_body(res))
    raise Failure(status_and_body(res))


def parse_token_response(res):
    """{"token": ...} (Ollama) or {"access_token": ...} (Docker); empty or missing fails, no bare retry."""
    try:
        fields = json.loads(res.body)
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        raise Failure("token endpoint answered %d with a body that is not a JSON object: %s" % (res.status, res.text()))
    for name in ("token", "access_token"):
        if name not in fields:
            continue
        token = fields[name]
        if token is not None and not isinstance(token, str):
            raise Failure("token endpoint answered %d with a %s that is not a string: %s" % (res.status, json.dumps(name), json.dumps(token)))
        if not token:
            raise Failure("token endpoint answered %d with an empty %s; refusing to retry without a credential" % (res.status, json.dumps(name)))
        return token
    raise Failure("token endpoint answered %d without a token: %s" % (res.status, res.text()))


def direct(method, path):
    """Ollama's API client: "<METHOD>,<path>?ts=<unix>" signed, the same ts in the URL, raw header."""
    def run(target):
        key = SigningKey()
        base = parse_target(target)
        ts = str(int(time.time()))
        authorization = key.sign("%s,%s?ts=%s" % (method, path, ts))
        headers = {"Authorization": authorization, "Content-Type": "application/json",
                   "Accept": "application/json", "User-Agent": USER_AGENT}
        res = send(method, join_path(base, path, set_ts=ts), headers, b"" if method == "POST" else None)
        if not ok(res.status):
            raise api_error(res)
        return res.body
    return run


def apikey_tags(target):
    """Authorization: Bearer $OLLAMA_API_KEY, to the target only (the stand-in for ollama.com)."""
    api_key = os.environ.get("OLLAMA_API_KEY", "").strip()
    if api_key == "":
        raise Failure("OLLAMA_API_KEY is not set (or empty); not sending a request without a credential")
    base = parse_target(target)
    headers = {"Authorization": "Bearer " + api_key, "Accept": "application/json", "User-Agent": USER_AGENT}
    res = send("GET", join_path(base, "/api/tags"), headers)
    if not ok(res.status):
        raise api_error(res)
    return res.body


def basic_tags(target):
    """HTTP Basic from the target's user:pass@ (percent-decoded); the credentials leave the URL."""
    base = parse_target(target, allow_userinfo=True)
    if not base.userinfo:
        raise Failure("target has no user:pass@ credentials")
    user, colon, password = base.userinfo.partition(":")
    if user == "":
        raise Failure("target has no user name before the password")
    if not colon:
        raise Failure("target has a user name but no :password")
    try:
        credentials = go_unescape(user, False) + b":" + go_unescape(password, False)
    except ValueError as e:
        raise Failure("target credentials are not percent-encoded correctly: %s" % e)
    headers = {"Authorization": "Basic " + base64.b64encode(credentials).decode("ascii"),
               "Accept": "application/json", "User-Agent": USER_AGENT}
    res = send("GET", join_path(base, "/api/tags"), headers)
    if not ok(res.status):
        raise api_error(res)
    return res.body


ACTIONS = {
    "registry-manifest": registry_manifest,
    "cloud-tags": direct("GET", "/api/tags"),
    "cloud-whoami": direct("POST", "/api/me"),
    "apikey-tags": apikey_tags,
    "basic-tags": basic_tags,
}


def one_line(text):
    text = " ".join(str(text).split())
    return text if len(text) <= 600 else text[:600] + "…"


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: client.py <registry-manifest|cloud-tags|cloud-whoami|apikey-tags|basic-tags> <target URL>\n")
        return 2
    action, target = argv[1], argv[2]
    run = ACTIONS.get(action)
    if run is None:
        sys.stderr.write("unsupported action %s\n" % one_line(action))
        return 3
    try:
        body = run(target)
    except Failure as e:
        sys.stderr.write("%s: %s\n" % (action, one_line(e)))
        return 1
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
