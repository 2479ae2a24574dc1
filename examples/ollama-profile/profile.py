#!/usr/bin/python3
"""Ollama's own Go client (github.com/ollama/ollama@fb30760) as a client under test, exec contract v1.

    profile.py <action> <target>     registry-manifest | cloud-tags | cloud-whoami | basic-tags  (apikey-tags: exit 3)
    profile.py --changed             what the profile replaces in examples/python/client.py, one name a line

It is the correct example client (../python/client.py, loaded by path, never a copy) with Ollama's behaviour
put back in, function by function, by the mutant framework of ../mutants: some of the zoo's mutants ARE
Ollama's behaviour (legacy-substring-parser, http-realm-accepted, retry-loop re-bounded to 2) and are
composed with the profile's own literal `old -> new` edits. Every deviation from the correct client says which
line of Ollama's source it reproduces (docs/protocol.md, at the root of this repository, cites them). What Ollama does not document as observable behaviour stays the correct client's.

Which checks this fails, and why, is expected-failures.json beside this file (`oac check --baseline`).

Exit codes: 0 with the body on stdout; 1 with `Error: <err>` on stderr (cobra.CheckErr in main.go@fb30760);
2 with a goroutine trace for the legacy parser's panic (Go's runtime exits 2); 3 with `unsupported action`
for the actions the Go client has no code for; 125 when client.py changed under an edit (never a verdict).
"""
import base64
import json
import os
import platform
import re
import sys
import time

# Loading client.py, mutant.py and mutants.py as modules must not leave __pycache__ in the repository.
sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
MUTANTS_DIR = os.path.join(os.path.dirname(HERE), "mutants")


def _load_framework():
    import importlib.util
    spec = importlib.util.spec_from_file_location("oac_mutant_runner", os.path.join(MUTANTS_DIR, "mutant.py"))
    runner = importlib.util.module_from_spec(spec)
    sys.modules["oac_mutant_runner"] = runner
    spec.loader.exec_module(runner)
    return runner, runner.load("oac_mutants", os.path.join(MUTANTS_DIR, "mutants.py"))


runner, mutants = _load_framework()

#: The generic text of api.StatusError / api.AuthorizationError with no Status (api/types.go@fb30760 L22-54).
GENERIC_ERROR = "something went wrong, please see the ollama server logs for details"

#: The action the Go client has no code for (docs/protocol.md §3: no Go code at fb30760 sends OLLAMA_API_KEY).
#: Basic is not among them: the api.Client sends the userinfo of its base URL as Basic (basic_tags below).
UNSUPPORTED = {
    "apikey-tags": "Ollama's Go client has no API-key support",
}


# -------------------------------------------------------------------------------------------------
# Composition: several patches of one client.py function, applied as ONE rewrite
#
# mutants.rewrite() recompiles a function from its source (inspect.getsource), so a function that has
# been rewritten once cannot be rewritten again: two mutants that patch the same function do not compose
# by calling them one after the other. Here every patch() of a mutant is recorded instead of applied,
# the profile's own edits are appended, and each function is rewritten once, edits applied in order
# (a later edit may target text an earlier one wrote).

class Composition:
    def __init__(self, client):
        self.client = client
        self.edits = {}  # function name -> [(old, new)], in order of application

    def mutant(self, name):
        """Takes mutant `name` of the zoo: its patch() edits are recorded; whatever it installs by itself (a
        whole replacement function, like legacy-substring-parser's parser) is installed now."""
        recorded = []
        real_patch = mutants.patch
        mutants.patch = lambda client, fn_name, *edits: recorded.append((fn_name, edits))
        try:
            mutants.MUTANTS[name](self.client)
        finally:
            mutants.patch = real_patch
        for fn_name, edits in recorded:
            self.edit(fn_name, *edits)

    def edit(self, fn_name, *edits):
        self.edits.setdefault(fn_name, []).extend(edits)

    def apply(self):
        for fn_name, edits in self.edits.items():
            mutants.install(self.client, fn_name, mutants.rewrite(self.client, getattr(self.client, fn_name), *edits))


# -------------------------------------------------------------------------------------------------
# Go's spelling of things (injected into client.py's globals, where the rewritten functions run)

def go_quote(value):
    """strconv.Quote (what %q prints): printable runes as they are, \\" and \\\\, C escapes, \\xNN for a
    byte that is not UTF-8, \\uNNNN / \\UNNNNNNNN for other non-printable runes."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
    out, i = ['"'], 0
    while i < len(raw):
        for size in (1, 2, 3, 4):
            try:
                ch = raw[i:i + size].decode("utf-8")
                break
            except UnicodeDecodeError:
                ch = None
        if ch is None:
            out.append("\\x%02x" % raw[i])
            i += 1
            continue
        i += size
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == " " or (ch.isprintable() and ord(ch) > 0x7F) or 0x20 < ord(ch) < 0x7F:
            out.append(ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)])
        elif ord(ch) < 0x80:
            out.append("\\x%02x" % ord(ch))
        elif ord(ch) < 0x10000:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append("\\U%08x" % ord(ch))
    return "".join(out) + '"'


def go_string(body):
    """string(bytes) as fmt prints it: the bytes as they are (shown here as UTF-8, bad bytes replaced)."""
    return body.decode("utf-8", "replace")


def _quote_char(c):
    """encoding/json quoteChar: the offending character of a syntax error, as 'c'."""
    if c == "'":
        return "'\\''"
    if c == '"':
        return "'\"'"
    return "'" + go_quote(c)[1:-1] + "'"


class GoJSONError(Exception):
    """An error of encoding/json, worded as Go words it."""


def _json_syntax(text):
    """encoding/json checkValid (scanner.go): None, or Go's message for the first syntax error."""
    n = len(text)
    ws = " \t\r\n"

    def bad(j, context):
        # At the end of the input Go's scanner is fed one ' ' (scanner.eof), so a literal, number or escape
        # cut short reads "invalid character ' ' in …" rather than "unexpected end of JSON input".
        raise GoJSONError("invalid character %s %s" % (_quote_char(text[j] if j < n else " "), context))

    def end():
        raise GoJSONError("unexpected end of JSON input")

    def skip(j):
        while j < n and text[j] in ws:
            j += 1
        return j

    def value(j):
        j = skip(j)
        if j >= n:
            end()
        c = text[j]
        if c == "{":
            j = skip(j + 1)
            if j >= n:
                end()
            if text[j] == "}":
                return j + 1
            while True:
                if text[j] != '"':
                    bad(j, "looking for beginning of object key string")
                j = skip(string(j))
                if j >= n:
                    end()
                if text[j] != ":":
                    bad(j, "after object key")
                j = skip(value(j + 1))
                if j >= n:
                    end()
                if text[j] == "}":
                    return j + 1
                if text[j] != ",":
                    bad(j, "after object key:value pair")
                j = skip(j + 1)
                if j >= n:
                    end()
        if c == "[":
            j = skip(j + 1)
            if j >= n:
                end()
            if text[j] == "]":
                return j + 1
            while True:
                j = skip(value(j))
                if j >= n:
                    end()
                if text[j] == "]":
                    return j + 1
                if text[j] != ",":
                    bad(j, "after array element")
                j += 1
        if c == '"':
            return string(j)
        if c == "-" or c.isdigit() and c.isascii():
            return number(j)
        for word in ("true", "false", "null"):
            if c == word[0]:
                for k, expected in enumerate(word[1:], 1):
                    if j + k >= n or text[j + k] != expected:
                        bad(j + k, "in literal %s (expecting %s)" % (word, _quote_char(expected)))
                return j + len(word)
        bad(j, "looking for beginning of value")

    def string(j):
        j += 1
        while True:
            if j >= n:
                end()
            c = text[j]
            if c == '"':
                return j + 1
            if c == "\\":
                j += 1
                if j < n and text[j] == "u":
                    for k in range(1, 5):
                        if j + k >= n or text[j + k] not in "0123456789abcdefABCDEF":
                            bad(j + k, "in \\u hexadecimal character escape")
                    j += 5
                    continue
                if j >= n or text[j] not in '"\\/bfnrt':
                    bad(j, "in string escape code")
            elif ord(c) < 0x20:
                bad(j, "in string literal")
            j += 1

    def digits(j):
        while j < n and text[j] in "0123456789":
            j += 1
        return j

    def number(j):
        if text[j] == "-":
            j += 1
            if j >= n or text[j] not in "0123456789":
                bad(j, "in numeric literal")
        j = j + 1 if text[j] == "0" else digits(j)
        if j < n and text[j] == ".":
            j += 1
            if j >= n or text[j] not in "0123456789":
                bad(j, "after decimal point in numeric literal")
            j = digits(j)
        if j < n and text[j] in "eE":
            j += 1
            if j < n and text[j] in "+-":
                j += 1
            if j >= n or text[j] not in "0123456789":
                bad(j, "in exponent of numeric literal")
            j = digits(j)
        return j

    j = skip(value(0))
    if j < n:
        bad(j, "after top-level value")


class _Object(list):
    """A JSON object as decoded here: its (key, value) pairs in order (Go sees duplicates one by one)."""


class _Number(str):
    """A JSON number as written (Go decides int or not from the literal)."""


def _json_kind(v):
    """encoding/json's name of a JSON value in an UnmarshalTypeError."""
    if isinstance(v, _Object):
        return "object"
    if isinstance(v, list):
        return "array"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, _Number):
        return "number"
    return "string"


#: Go type of each field kind go_unmarshal knows, for its error text.
_GO_TYPES = {"string": "string", "int": "int", "object": "struct", "array": "slice"}


def go_unmarshal(body, type_name, fields):
    """json.Unmarshal(body, &v) for a struct `type_name` whose fields are {json name: "string"|"int"|
    "object"|"array"}: returns (the fields set, the error text or None). As Go does: keys match case-
    insensitively, the last duplicate wins, null leaves a field alone, unknown keys are ignored, a syntax
    error sets nothing, a type mismatch is remembered and the rest is still decoded (the first one is
    returned). Nested values are not type-checked (no caller here reads them)."""
    text = body.decode("utf-8", "surrogateescape")
    try:
        _json_syntax(body.decode("latin-1"))  # Go's scanner reads bytes: a bad byte is quoted as rune(byte)
    except GoJSONError as e:
        return {}, str(e)
    except RecursionError:
        return {}, "exceeded max depth"  # Go's scanner stops at 10000 levels; Python's stack sooner
    doc = json.loads(text, object_pairs_hook=_Object, parse_float=_Number, parse_int=_Number, parse_constant=_Number)
    if doc is None:
        return {}, None
    if not isinstance(doc, _Object):
        return {}, "json: cannot unmarshal %s into Go value of type %s" % (_json_kind(doc), type_name)
    out, first_error = {}, None
    lowered = {name.lower(): name for name in fields}
    for key, raw in doc:
        name = key if key in fields else lowered.get(key.lower())
        if name is None or raw is None:
            continue
        want, kind = fields[name], _json_kind(raw)
        if want == kind:
            out[name] = raw
        elif want == "int" and kind == "number" and re.fullmatch(r"-?[0-9]+", raw) and -(1 << 63) <= int(raw) < (1 << 63):
            out[name] = int(raw)
        else:
            value = "number " + raw if want == "int" and kind == "number" else kind
            first_error = first_error or "json: cannot unmarshal %s into Go struct field %s.%s of type %s" % (
                value, type_name.split(".")[-1], name, _GO_TYPES[want])
    return out, first_error


def ollama_auth_enabled():
    """envconfig.UseAuth = Bool("OLLAMA_AUTH") (envconfig/config.go@fb30760 L177-197, L232, L375-377): quotes
    and spaces trimmed; empty is false; strconv.ParseBool decides, and a value it rejects counts as TRUE."""
    value = os.environ.get("OLLAMA_AUTH", "").strip(" \t\n\r\v\f").strip("\"'")
    if value == "":
        return False
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return True


def go_keeps_authorization(initial, dest):
    """net/http (Go >= 1.21) Client redirects: once the redirect's host:port differs from the first request's,
    Authorization is kept only if the new HOSTNAME (port ignored, scheme ignored) equals the first one or is
    a subdomain of it (shouldCopyHeaderOnRedirect, isDomainOrSubdomain); once dropped it stays dropped."""
    sub, parent = client_module._split_host(dest.host)[0], client_module._split_host(initial.host)[0]
    if sub == parent:
        return True
    if any(c in sub for c in ":%"):
        return False
    return sub.endswith(parent) and sub[len(sub) - len(parent) - 1:len(sub) - len(parent)] == "."


# -------------------------------------------------------------------------------------------------
# The key: auth.Sign (auth/auth.go@fb30760 L53-85) over x/crypto/ssh ParsePrivateKey

def go_pem_decode(data):
    """encoding/pem Decode, the parts ParsePrivateKey depends on: the first complete BEGIN/END block whose
    base64 decodes, its headers. None when there is none (an empty file, a PEM cut short)."""
    for m in re.finditer(rb"(?:^|\n)-----BEGIN ([^\r\n]*?)-----[ \t\r]*\n", data):
        kind = m.group(1)
        end = re.compile(rb"\n-----END " + re.escape(kind) + rb"-----[ \t\r]*(?:\n|$)").search(data, m.end() - 1)
        if end is None:
            continue
        lines = data[m.end():end.start()].split(b"\n")
        headers = {}
        if lines and b":" in lines[0]:
            while lines and lines[0].strip() and b":" in lines[0]:
                key, _, value = lines.pop(0).partition(b":")
                headers[key.strip().decode("latin-1")] = value.strip().decode("latin-1")
        try:
            der = base64.b64decode(b"".join(line.strip() for line in lines), validate=True)
        except ValueError:
            continue
        return kind.decode("latin-1"), headers, der
    return None


def _ssh_string(buf, at):
    if at + 4 > len(buf):
        raise ValueError("short")
    size = int.from_bytes(buf[at:at + 4], "big")
    if at + 4 + size > len(buf):
        raise ValueError("short")
    return buf[at + 4:at + 4 + size], at + 4 + size


class GoSigningKey:
    """auth.Sign's key, read from $HOME/.ollama/id_ed25519 on every call (no cache), parsed as
    ssh.ParsePrivateKey does, with x/crypto/ssh's error texts; any key type it accepts signs (RSA as ssh-rsa,
    SHA-1: nothing in the client restricts the type, docs/protocol.md §0.1). Replaces client.SigningKey."""

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
        from cryptography.hazmat.primitives.serialization import (
            Encoding, PublicFormat, load_der_private_key, load_ssh_private_key,
        )
        Failure = client_module.Failure
        # os.UserHomeDir: $HOME, and "$HOME is not defined" when it is empty (auth/auth.go L54-57).
        home = os.environ.get("HOME", "")
        if home == "":
            raise Failure("$HOME is not defined")
        path = os.path.join(home, ".ollama", "id_ed25519")
        # os.ReadFile: `open <path>: <errno text>` (auth/auth.go L59-64; docs/protocol.md §5).
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            text = os.strerror(e.errno) if e.errno else str(e)
            op = "read" if isinstance(e, IsADirectoryError) else "open"
            raise Failure("%s %s: %s" % (op, path, text[:1].lower() + text[1:]))
        # ssh.ParsePrivateKey → ParseRawPrivateKey (x/crypto/ssh keys.go).
        block = go_pem_decode(data)
        if block is None:
            raise Failure("ssh: no key found")
        kind, headers, der = block
        if "ENCRYPTED" in headers.get("Proc-Type", ""):
            raise Failure("ssh: this private key is passphrase protected")
        try:
            if kind == "OPENSSH PRIVATE KEY":
                magic = b"openssh-key-v1\x00"
                if not der.startswith(magic):
                    raise Failure("ssh: invalid openssh private key format")
                cipher, at = _ssh_string(der, len(magic))
                kdf, at = _ssh_string(der, at)
                if cipher != b"none" or kdf != b"none":
                    raise Failure("ssh: this private key is passphrase protected")
                key = load_ssh_private_key(b"-----BEGIN OPENSSH " b"PRIVATE KEY-----\n" + base64.encodebytes(der)
                                           + b"-----END OPENSSH PRIVATE KEY-----\n", password=None)
            elif kind in ("RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"):
                key = load_der_private_key(der, password=None)
            else:
                raise Failure("ssh: unsupported key type %s" % go_quote(kind))
        except (ValueError, TypeError) as e:
            raise Failure("ssh: %s" % e)
        self._key = key
        if isinstance(key, ed25519.Ed25519PrivateKey):
            self._sign = key.sign
        elif isinstance(key, rsa.RSAPrivateKey):
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import padding
            # Signer.Sign for an RSA key signs "ssh-rsa": PKCS#1 v1.5 over SHA-1; Blob = the raw signature.
            self._sign = lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1())
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
            digest = {256: hashes.SHA256, 384: hashes.SHA384, 521: hashes.SHA512}[key.curve.key_size]

            def mpint(n):
                b = n.to_bytes((n.bit_length() + 8) // 8, "big") if n else b""
                return len(b).to_bytes(4, "big") + b

            def sign_ecdsa(message):
                r, s = decode_dss_signature(key.sign(message, ec.ECDSA(digest())))
                return mpint(r) + mpint(s)  # the Blob: ssh.Marshal(struct{R, S *big.Int})
            self._sign = sign_ecdsa
        else:
            raise Failure("ssh: unhandled key type")
        # A: the second space-separated field of ssh.MarshalAuthorizedKey, trimmed (auth/auth.go L71-76).
        self.field = key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).split(b" ")[1].strip().decode("ascii")

    def sign(self, message):
        """`<A>:<B>`, B = base64 of signature.Blob (auth/auth.go L78-84)."""
        return self.field + ":" + base64.b64encode(self._sign(message.encode("utf-8", "surrogateescape"))).decode("ascii")


# -------------------------------------------------------------------------------------------------
# Whole functions (transcriptions; the edits below reach them through client.py's globals)

def parse_token_response(res):
    """server/auth.go@fb30760 L94-99: json.Unmarshal(body, &api.TokenResponse) and return token.Token. Only
    `token` is read (api/types.go L846-848): `{}`, `{"token":""}`, `{"access_token":…}` all give "" without
    an error, and the caller retries WITHOUT Authorization (docs/protocol.md §1.5, F-11). Any decode error is
    returned as Go words it (F-10: `invalid character '<' looking for beginning of value`)."""
    fields, err = go_unmarshal(res.body, "api.TokenResponse", {"token": "string"})
    if err is not None:
        raise client_module.Failure(err)
    return fields.get("token", "")


def api_error(res):
    """api/client.go@fb30760 L43-63 checkError (the non-streaming `do` path of Client.List / Whoami), and the
    Error() methods of api/types.go L22-54:
      401 → AuthorizationError{StatusCode: 401}, body decoded into it (errors ignored): its message is its
            Status, which the server never sends, so the generic text; SigninURL is a field, not in the text;
      other ≥400 → StatusError{StatusCode}, body decoded into it; on a decode error ErrorMessage = the raw
            body; the message is "<Status>: <error>", <Status>, <error> or the generic text. The status code
            itself is never part of the message (docs/protocol.md §4.1, §4.2, F-18, F-19, F-20)."""
    if res.status == 401:
        fields, _ = go_unmarshal(res.body, "api.AuthorizationError", {"StatusCode": "int", "Status": "string", "signin_url": "string"})
        return client_module.Failure(fields.get("Status") or GENERIC_ERROR)
    fields, err = go_unmarshal(res.body, "api.StatusError", {"StatusCode": "int", "Status": "string", "error": "string"})
    status, message = fields.get("Status", ""), fields.get("error", "")
    if err is not None:
        message = go_string(res.body)
    if status and message:
        return client_module.Failure("%s: %s" % (status, message))
    return client_module.Failure(status or message or GENERIC_ERROR)


def basic_tags(target):
    """api.NewClient(<target>, http.DefaultClient).List(ctx), the way a Go program reaches a Basic-auth proxy
    with Ollama's client (docs/protocol.md §1.8):
      - url.Parse keeps and percent-decodes the userinfo; do() builds the request from base.JoinPath, which
        keeps it too (api/client.go@fb30760 L116, L132);
      - the request is signed only when OLLAMA_AUTH is truthy or the host is ollama.com (L118-130); then the
        signature is the Authorization header and nothing else is added;
      - otherwise Go's net/http adds `Authorization: Basic base64(user:pass)` from URL.User (client.go send),
        to every request it sends, redirects included, and only there: an absolute Location carries no
        userinfo, so the credentials never follow a redirect to another URL; a relative one inherits it
        (url.ResolveReference);
      - errors are checkError's (api_error below), the body is json.Unmarshal'ed into api.ListResponse.
    What does NOT work in Ollama is OLLAMA_HOST (envconfig.Host, the CLI's way in), which garbles
    `user:pass@host:port`; a program passing the URL itself, as here, is the api.Client's own behaviour."""
    c = client_module
    try:
        u = c.GoURL(target)
        if u.userinfo is not None:
            user, _, password = u.userinfo.partition(":")
            c.go_unescape(user, False), c.go_unescape(password, False)
    except ValueError:
        raise c.Failure("parse %s: net/url: invalid userinfo" % go_quote(target))
    if u.scheme not in ("http", "https") or u.host == "":
        raise c.Failure("unsupported protocol scheme %s" % go_quote(u.scheme))
    signing = ollama_auth_enabled() or c._split_host(u.host)[0] == "ollama.com"
    path, ts = "/api/tags", str(int(time.time()))
    headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": c.USER_AGENT}
    if signing:
        headers["Authorization"] = c.SigningKey().sign("GET,%s?ts=%s" % (path, ts))
    url = c.join_path(u, path, set_ts=ts if signing else None)
    if u.userinfo is not None:
        url = url.replace("://", "://" + u.userinfo + "@", 1)  # JoinPath keeps the userinfo
    first = c.GoURL(url)
    for _ in range(11):  # net/http: at most 10 redirects
        hop = c.GoURL(url)
        sent = dict(headers)
        if hop.userinfo is not None and "Authorization" not in sent:
            user, _, password = hop.userinfo.partition(":")
            sent["Authorization"] = "Basic " + base64.b64encode(
                c.go_unescape(user, False) + b":" + c.go_unescape(password, False)).decode("ascii")
            hop.userinfo = user + ":***" if ":" in hop.userinfo else user  # url.Error shows the URL without its password
        res = c._send_once("GET", hop, sent, None)
        location = res.headers.get("Location")
        if res.status not in (301, 302, 303, 307, 308) or not location:
            break
        nxt = c.urljoin(url, location)
        if signing and not go_keeps_authorization(first, c.GoURL(nxt)):
            headers.pop("Authorization", None)
        url = nxt
    else:
        raise c.Failure("Get %s: stopped after 10 redirects" % go_quote(url))
    if res.status >= 400:
        raise api_error(res)
    if res.body:
        err = go_unmarshal(res.body, "api.ListResponse", {})[1]
        if err is not None:
            raise c.Failure(err)
    return res.body


# -------------------------------------------------------------------------------------------------
# The profile

client_module = None  # set by build(); the transcriptions above raise its Failure


def build(client):
    """Turns the loaded client.py module into Ollama's client, in place."""
    global client_module
    client_module = client
    for name, value in (("go_quote", go_quote), ("go_string", go_string), ("go_unmarshal", go_unmarshal),
                        ("ollama_auth_enabled", ollama_auth_enabled), ("go_keeps_authorization", go_keeps_authorization)):
        setattr(client, name, value)
    c = Composition(client)

    # --- WWW-Authenticate ------------------------------------------------------------------------
    # Ollama's legacy parser, the zoo's mutant (server/images.go@fb30760 L1414-1445, docs/protocol.md §1.2):
    # only the first field (resp.Header.Get, L1325), `Bearer ` trimmed case-sensitively, `key=` found by
    # substring, one byte skipped after `=`, the scheme never checked; `…,realm=` panics (exit 2).
    c.mutant("legacy-substring-parser")

    # --- registry-manifest: makeRequestWithRetry (server/images.go@fb30760 L1309-1353) ---------------------
    # The retry loop of the zoo (x/transfer's `resolve`): every 401 fetches a token and the request is sent
    # again with it, WITHOUT Authorization when the token is "" (makeRequest L1385-1390 sets Bearer only for
    # Token != ""). Its first edit's recursion carries the token of the previous attempt.
    c.mutant("retry-loop")
    c.edit("registry_manifest", (
        # `for range 2` (L1310) and `return nil, errUnauthorized` (L1352, L1307): the second 401 has already
        # fetched a second token when the loop ends: exactly 2 resource and 2 token requests (docs/protocol.md §1.1).
        '    if _attempt == 10:\n'
        '        raise Failure("too many redirects")\n',
        '    if _attempt == 2:\n'
        '        raise Failure("unauthorized: access denied")\n',
    ), (
        # auth.Sign reads the key file on every call, only once a token is needed (auth/auth.go L53-64,
        # server/auth.go L68): the first request goes out before the key is looked at (docs/protocol.md F-15b).
        '    key = SigningKey()  # before any request: a broken key costs no request\n',
        '',
    ), (
        'authorization = key.sign("GET," + token_url + "," + empty_body_hash())',
        'authorization = SigningKey().sign("GET," + token_url + "," + empty_body_hash())',
    ), (
        # url.Parse's error is returned as is (server/auth.go L29-32): `parse "<realm>": <why>`.
        'raise Failure("realm %s is not usable: %s" % (json.dumps(realm), e))',
        'raise Failure("parse %s: %s" % (go_quote(realm), e))',
    ), (
        # server/auth.go L59-62: `realm host %q does not match original host %q` (CVE-2025-51471 fix 7601f0e93).
        'raise Failure("realm host %s does not match original host %s" % (json.dumps(realm_url.host), json.dumps(resource.host)))',
        'raise Failure("realm host %s does not match original host %s" % (go_quote(realm_url.host), go_quote(resource.host)))',
    ), (
        # No scheme test at all (server/auth.go L53-75): a realm `ttp://same-host/…` (the legacy parser on an
        # unquoted realm, F-06) is signed and then refused by net/http: `unsupported protocol scheme "ttp"`.
        '    if realm_url.scheme not in ("http", "https"):\n'
        '        raise Failure("realm %s is not an http(s) URL" % json.dumps(realm))\n',
        '',
    ), (
        # server/auth.go L81-92: any status < 400 is a token answer; ≥400 → "<code>: <body>" or "<code>".
        '    if not ok(token_res.status):\n'
        '        raise Failure("token endpoint answered %s" % status_and_body(token_res))\n',
        '    if token_res.status >= 400:\n'
        '        raise Failure("%d: %s" % (token_res.status, go_string(token_res.body)) if token_res.body else "%d" % token_res.status)\n',
    ))
    # The scheme is never compared (server/auth.go L59-62 compares URL.Host only): an http realm for an https
    # registry is accepted and the signature and the token cross in plain text (docs/protocol.md §1.6, F-04).
    c.mutant("http-realm-accepted")

    c.edit("resource_result", (
        # The `default:` branch (L1347-1348): anything below 400 that is not 401 is the answer (a 3xx net/http
        # did not follow included); pullModelManifest then json.Unmarshals it (L1288-1291).
        '    if ok(res.status):\n'
        '        return res.body\n',
        '    if res.status < 400:\n'
        '        err = go_unmarshal(res.body, "manifest.Manifest", {"schemaVersion": "int", "mediaType": "string", "config": "object", "layers": "array"})[1]\n'
        '        if err is not None:\n'
        '            raise Failure(err)\n'
        '        return res.body\n',
    ), (
        # L1337-1339: 404 → os.ErrNotExist, whose text is "file does not exist" (no status, no body).
        'raise Failure("not found: %s" % status_and_body(res))',
        'raise Failure("file does not exist")',
    ), (
        # L1340-1346: other ≥400 → fmt.Errorf("%d: %s", code, body): the raw body, even when it is empty.
        'raise Failure(status_and_body(res))',
        'raise Failure("%d: %s" % (res.status, go_string(res.body)))',
    ))

    # --- cloud-tags / cloud-whoami: api.Client.do (api/client.go@fb30760 L96-164) -------------------------
    # Client.List → do(GET, "/api/tags"), Client.Whoami → do(POST, "/api/me"), both non-streaming.
    c.edit("direct", (
        # L116-130: the key is read (auth.Sign, every call) only when signing, and only after the URL is
        # built; signing happens when envconfig.UseAuth() or base.Hostname() == "ollama.com" (exact).
        '        key = SigningKey()\n'
        '        base = parse_target(target)\n'
        '        ts = str(int(time.time()))\n'
        '        authorization = key.sign("%s,%s?ts=%s" % (method, path, ts))\n',
        '        base = parse_target(target)\n'
        '        ts = str(int(time.time()))\n'
        '        signing = ollama_auth_enabled() or _split_host(base.host)[0] == "ollama.com"\n'
        '        authorization = SigningKey().sign("%s,%s?ts=%s" % (method, path, ts)) if signing else ""\n',
    ), (
        # L141-143: Authorization only with a token; L127-129: ts only in a signed request's query.
        '        headers = {"Authorization": authorization, "Content-Type": "application/json",\n'
        '                   "Accept": "application/json", "User-Agent": USER_AGENT}\n'
        '        res = send(method, join_path(base, path, set_ts=ts), headers, b"" if method == "POST" else None)\n',
        '        headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": USER_AGENT}\n'
        '        if authorization != "":\n'
        '            headers["Authorization"] = authorization\n'
        '        res = send(method, join_path(base, path, set_ts=ts if signing else None), headers, b"" if method == "POST" else None)\n',
    ), (
        # checkError (L43-47): only a status ≥ 400 is an error; then L160-164 json.Unmarshal into the
        # response type when the body is not empty.
        '        if not ok(res.status):\n'
        '            raise api_error(res)\n'
        '        return res.body\n',
        '        if res.status >= 400:\n'
        '            raise api_error(res)\n'
        '        if res.body:\n'
        '            err = go_unmarshal(res.body, "api.ListResponse" if path == "/api/tags" else "api.UserResponse", {})[1]\n'
        '            if err is not None:\n'
        '                raise Failure(err)\n'
        '        return res.body\n',
    ))

    # --- HTTP: Go's net/http ----------------------------------------------------------------------------
    c.edit("send", (
        # net/http Client (Go >= 1.21, Ollama builds with Go 1.26, go.mod@fb30760): Authorization is dropped
        # on a redirect to another HOSTNAME that is not a subdomain; a port or scheme change keeps it
        # (docs/protocol.md §1.1 step 4). The correct client drops it on any origin change.
        'if _origin(nxt) != _origin(first):',
        'if nxt.host != first.host and not go_keeps_authorization(first, nxt):',
    ))
    c.edit("_send_once", (
        # Transport.roundTrip refuses any scheme but http/https, wrapped in url.Error: `Get "<url>": unsupported
        # protocol scheme "ttp"`; every transport error reads `<Method> "<url>": <err>` (net/url Error).
        '    host, port = _split_host(u.host)\n',
        '    if u.scheme not in ("http", "https"):\n'
        '        raise Failure("%s %s: unsupported protocol scheme %s" % (method[:1] + method[1:].lower(), go_quote(u.string()), go_quote(u.scheme)))\n'
        '    host, port = _split_host(u.host)\n',
    ), (
        'where = "%s %s" % (method, u.string())',
        'where = "%s %s" % (method[:1] + method[1:].lower(), go_quote(u.string()))',
    ))
    c.edit("_tls_context", (
        # crypto/x509 on Linux: SSL_CERT_FILE replaces the system roots; Ollama has no CA option of its own.
        'ssl.create_default_context(cafile=os.environ.get("OAC_CA_FILE") or None)',
        'ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or None)',
    ), (
        # No client-certificate setting anywhere in Ollama's HTTP clients (docs/protocol.md §2.5: none is wired).
        '    cert, key = os.environ.get("OAC_CLIENT_CERT"), os.environ.get("OAC_CLIENT_KEY")\n'
        '    if cert or key:\n'
        '        ctx.load_cert_chain(certfile=cert, keyfile=key)\n',
        '',
    ))

    # --- the process: cobra.CheckErr (main.go@fb30760) prints "Error: <err>" and exits 1 ------------------
    c.edit("main", (
        'sys.stderr.write("unsupported action %s\\n" % one_line(action))',
        'sys.stderr.write("unsupported action %s%s\\n" % (one_line(action), ": " + UNSUPPORTED[action] if action in UNSUPPORTED else ""))',
    ), (
        'sys.stderr.write("%s: %s\\n" % (action, one_line(e)))',
        'sys.stderr.write("Error: %s\\n" % one_line(e))',
    ))
    client.UNSUPPORTED = UNSUPPORTED

    c.apply()

    # Whole replacements (transcriptions above), after the edits so that nothing rewrites them again.
    client.SigningKey = GoSigningKey
    mutants.install(client, "parse_token_response", parse_token_response)
    mutants.install(client, "api_error", api_error)
    mutants.install(client, "basic_tags", basic_tags)
    # makeRequest's User-Agent (server/images.go L1392, api/client.go L139): version.Version is "0.0.0"
    # outside release builds.
    goarch = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}.get(platform.machine(), platform.machine())
    client.USER_AGENT = "ollama/0.0.0 (%s %s) Go/go1.26.0" % (goarch, sys.platform.rstrip("0123456789"))

    # PullModel wraps every error of pullModelManifest (server/images.go L1023-1026).
    def pull_model_manifest(target):
        try:
            return client.registry_manifest(target)
        except client.Failure as e:
            raise client.Failure("pull model manifest: %s" % e)

    client.ACTIONS["registry-manifest"] = pull_model_manifest
    for action in UNSUPPORTED:
        del client.ACTIONS[action]


def main(argv):
    if argv[1:] == ["--changed"]:
        sys.stdout.write("".join(name + "\n" for name in runner.changed_by(build)))
        return 0
    if len(argv) != 3:
        sys.stderr.write("usage: profile.py <registry-manifest|cloud-tags|cloud-whoami> <target URL>  (or --changed)\n")
        return 2
    client = runner.load("oac_example_client", runner.CLIENT_PATH)
    try:
        build(client)
    except mutants.MutantError as e:
        sys.stderr.write("the Ollama profile cannot be applied: %s\n" % e)
        return mutants.CANNOT_APPLY_EXIT
    return client.main([runner.CLIENT_PATH, argv[1], argv[2]])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
