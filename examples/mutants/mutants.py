"""The mutant zoo: each mutant is the correct example client (examples/python/client.py) with ONE bug that
was seen in the field put back in, so that the conformance harness can prove it catches that bug.

A mutant is a function `mutant(client)` registered under its name with @mutant(...). It receives the
loaded client module and replaces exactly the function(s) the bug lives in, nothing else:

  - `rewrite(fn, (old, new), ...)` recompiles one function of client.py from its own source with each
    `old` text replaced by `new`. Every `old` must occur exactly once, so the edit is a literal diff against
    the correct client and the rest of the function stays byte for byte what client.py says. When client.py
    changes under a mutant, the mutant refuses to run (MutantError, exit 125) instead of drifting silently.
  - a few bugs need a whole function of their own (a transcription of a third-party or historical parser);
    those are written out below and say where they come from.

Citations: docs/protocol.md sections (at the root of this repository), Ollama's
source at fb30760 unless another commit is named, the third-party client, the issue or the CVE. The
catalogue (catalog.json) maps each mutant to the scenarios and check ids that must catch it.
"""
import base64
import inspect
import os
import sys
import textwrap
import time
import urllib.parse

MUTANTS = {}

#: What `python3 mutant.py` exits with when a mutant cannot be applied (not a verdict on anything).
CANNOT_APPLY_EXIT = 125


class MutantError(Exception):
    """The mutant cannot be applied to this client.py (an edit's text is missing or ambiguous)."""


def mutant(name):
    def register(fn):
        if name in MUTANTS:
            raise MutantError("mutant %s is registered twice" % name)
        fn.mutant_name = name
        MUTANTS[name] = fn
        return fn
    return register


# -------------------------------------------------------------------------------------------------
# Machinery

def rewrite(client, fn, *edits, rename=None):
    """A copy of `fn` (a function or method of client.py) recompiled from its source with every (old, new)
    edit applied, in client.py's globals: whatever else it calls is still the correct client's."""
    src = textwrap.dedent(inspect.getsource(fn))
    for old, new in edits:
        found = src.count(old)
        if found != 1:
            raise MutantError("expected exactly one %r in client.%s, found %d: client.py changed, update the mutant"
                              % (old, fn.__qualname__, found))
        src = src.replace(old, new)
    if rename is not None:
        src = src.replace("def %s(" % fn.__name__, "def %s(" % rename, 1)
    namespace = {}
    exec(compile(src, "<mutated client.%s>" % fn.__qualname__, "exec"), vars(client), namespace)
    return namespace[rename or fn.__name__]


def install(client, name, new):
    """Replaces client.<name>, and every ACTIONS entry built from the old function."""
    old = getattr(client, name)
    setattr(client, name, new)
    for action, run in list(client.ACTIONS.items()):
        if run is old:
            client.ACTIONS[action] = new
        elif name == "direct" and run.__qualname__ == "direct.<locals>.run":
            # The cloud actions are closures made by direct(method, path): make them again with the new factory.
            bound = dict(zip(run.__code__.co_freevars, (cell.cell_contents for cell in run.__closure__)))
            client.ACTIONS[action] = new(bound["method"], bound["path"])


def patch(client, name, *edits):
    install(client, name, rewrite(client, getattr(client, name), *edits))


def go_panic(message, frames):
    """What a Go program prints when it panics (runtime.gopanic), then exit status 2, as the Go runtime does."""
    sys.stdout.flush()
    out = "panic: %s\n\ngoroutine 1 [running]:\n" % message
    for function, where in frames:
        out += "%s\n\t%s\n" % (function, where)
    sys.stderr.write(out)
    sys.stderr.flush()
    os._exit(2)


def go_get_value(header, key):
    """server/images.go@fb30760 L1414-1435 `getValue`, byte for byte, on the header's bytes (Go strings are
    bytes): the first `key=` anywhere, one more byte skipped (the opening quote it assumes), then up to the
    first `"` followed by `,` or by the end. `header[startIdx:endIdx]` panics when the header ends in `key=`."""
    start = header.find(key.encode("ascii") + b"=")
    if start == -1:
        return b""
    start += len(key) + 2
    end = start
    while end < len(header):
        if header[end] == 0x22:
            if end + 1 < len(header) and header[end + 1] != 0x2C:
                end += 1
                continue
            break
        end += 1
    if end > len(header):
        go_panic("runtime error: slice bounds out of range [:%d] with length %d" % (end, len(header)), [
            ("github.com/ollama/ollama/server.getValue(...)", "github.com/ollama/ollama/server/images.go:1434"),
            ("github.com/ollama/ollama/server.parseRegistryChallenge(...)", "github.com/ollama/ollama/server/images.go:1441"),
            ("github.com/ollama/ollama/server.makeRequestWithRetry(...)", "github.com/ollama/ollama/server/images.go:1325"),
        ])
    if start > end:
        go_panic("runtime error: slice bounds out of range [%d:%d]" % (start, end), [
            ("github.com/ollama/ollama/server.getValue(...)", "github.com/ollama/ollama/server/images.go:1434"),
        ])
    return header[start:end]


def legacy_header(fields):
    """What images.go hands getValue: the first field only (resp.Header.Get), after TrimPrefix "Bearer "."""
    raw = (fields[0] if fields else "").encode("utf-8", "surrogateescape")
    return raw[len(b"Bearer "):] if raw.startswith(b"Bearer ") else raw


# -------------------------------------------------------------------------------------------------
# Keys and signatures

@mutant("raw-32-byte-pubkey")
def raw_32_byte_pubkey(client):
    """The public-key field A is base64 of the raw 32-byte Ed25519 key (44 chars) instead of the 51-byte SSH
    wire blob (68 chars, the .pub file's second field). The signature itself is right.

    Source: genlayerlabs/unhardcoded issue #14, sources/ollama_auth.py@9eedac2 (removed by 77f8608,
    2026-06-23); its tests asserted the decoded key was 32 bytes. docs/protocol.md §8 item 1; §9: the reference
    verifier answers `ssh: no key found`. Check keys/pubkey-field (KEY-02).
    """
    client.SigningKey.__init__ = rewrite(client, client.SigningKey.__init__, (
        'self.field = line.split()[1].decode("ascii")',
        'self.field = base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")',
    ))


@mutant("ssh-wire-signature")
def ssh_wire_signature(client):
    """The signature field B is base64 of the SSH signature wire blob (string "ssh-ed25519", string <64-byte
    signature>: 83 bytes, 112 chars) instead of the raw 64-byte signature (88 chars, "==").

    Source: sealad886/ollama-python ollama/_signing.py (Copilot PR, 2025-08), docs/protocol.md §7.2: rejected by
    Ollama's reference verifier with `ssh: signature did not verify`. Check keys/signature-raw (KEY-03).
    """
    client.SigningKey.sign = rewrite(client, client.SigningKey.sign, (
        'return self.field + ":" + base64.b64encode(signature).decode("ascii")',
        'return self.field + ":" + base64.b64encode((11).to_bytes(4, "big") + b"ssh-ed25519"'
        ' + len(signature).to_bytes(4, "big") + signature).decode("ascii")',
    ))


# -------------------------------------------------------------------------------------------------
# Direct signed requests (ollama.com /api/*)

@mutant("full-url-signed")
def full_url_signed(client):
    """Signs `<METHOD>,<full URL>?ts=<ts>` (scheme and host included: `GET,http://host:port/api/tags?ts=…`)
    instead of `<METHOD>,<path>?ts=<ts>`. The ts is in the URL and the header is well-formed.

    Source: genlayerlabs/unhardcoded sources/ollama_auth.py@9eedac2, f"{method},{url}?ts={ts}" with
    url = "https://ollama.com/api/tags"; docs/protocol.md §8 item 2 (`ssh: signature did not verify`).
    Check direct/signature (DIR-01).
    """
    patch(client, "direct", (
        'authorization = key.sign("%s,%s?ts=%s" % (method, path, ts))',
        'authorization = key.sign("%s,%s?ts=%s" % (method, join_path(base, path), ts))',
    ))


@mutant("ts-signed-not-sent")
def ts_signed_not_sent(client):
    """Signs `<METHOD>,<path>?ts=<ts>` correctly but sends the request without `?ts=` in its URL, so no
    server can rebuild the signed string.

    Source: genlayerlabs/unhardcoded sources/ollama.py and llm_router_host.py@77f8608^ sent the request to
    the plain URL; docs/protocol.md §8 item 3, §2.1. Checks direct/ts-in-url, direct/signature (DIR-01).
    """
    patch(client, "direct", (
        'join_path(base, path, set_ts=ts)',
        'join_path(base, path)',
    ))


@mutant("body-hash-in-direct")
def body_hash_in_direct(client):
    """Signs the direct request in Ollama's 2023 generic SignatureData shape, `<METHOD>,<path>?ts=<ts>,
    <base64(hex(sha256(body)))>`: the body hash field that only the registry token request keeps (here the
    body is empty, so it is the empty-body hash `ZTNiMGM0…NQ==`).

    Source: genlayerlabs/unhardcoded sources/ollama_auth.py@9eedac2 appended `,<b64 hex sha256(body)>`; its
    helper _create_challenge is ollama/ollama be989d89d server/auth.go SignatureData.Bytes()
    ("<method>,<uri>,<content hash>"). docs/protocol.md §8, DIR-03. Check direct/no-body-hash.
    """
    patch(client, "direct", (
        'authorization = key.sign("%s,%s?ts=%s" % (method, path, ts))',
        'body = b"" if method == "POST" else None\n'
        '        content_hash = base64.b64encode(hashlib.sha256(body or b"").hexdigest().encode("ascii")).decode("ascii")\n'
        '        authorization = key.sign("%s,%s?ts=%s,%s" % (method, path, ts, content_hash))',
    ), (
        'headers, b"" if method == "POST" else None)',
        'headers, body)',
    ))


@mutant("stale-ts")
def stale_ts(client):
    """Reads a clock three hours behind the server's: every ts (direct requests and token URLs) is 10800 s
    in the past, outside any window a verifier keeps (the harness uses ±2 h).

    Source: ollama/ollama issues #3875 (`Error: pull model manifest: 401`, fixed with ntpdate), #3336
    ("-2 hours really works", two days did not), #6996 ("check your system clock"); docs/protocol.md §2.4, F-21.
    Checks direct/ts-window, registry/token-request/ts-window.
    """
    real = time

    class ClockThreeHoursBehind:
        """The `time` module as the client sees it: time() is 3 h behind; everything else is the real module."""

        def __getattr__(self, name):
            return getattr(real, name)

        @staticmethod
        def time():
            return real.time() - 3 * 3600

    client.time = ClockThreeHoursBehind()


@mutant("empty-error-body-success")
def empty_error_body_success(client):
    """An error status (401, 500, …) with an EMPTY body counts as success: nothing is printed, exit 0.

    Source: ollama/ollama api/client.go@fb30760 L221-262 `stream`: it reads the body line by line and only
    a line can carry an error, so an empty error body yields no line and `stream` returns nil.
    docs/protocol.md §4.2, ERR-02, F-20. Check errors/surfaced (errors/stream-empty-body).
    """
    patch(client, "direct", (
        'if not ok(res.status):',
        'if not ok(res.status) and res.body != b"":',
    ))


@mutant("generic-401-message")
def generic_401_message(client):
    """A 401 becomes the error `something went wrong, please see the ollama server logs for details`: no
    status, no server message, no signin_url. Other statuses are reported as before.

    Source: ollama/ollama api/client.go@fb30760 L43-63 `checkError` builds AuthorizationError{StatusCode}
    with an empty Status on the non-streaming path, and api/types.go L43-54 AuthorizationError.Error()
    returns the generic text when Status is empty; a caller that prints err loses signin_url.
    docs/protocol.md §4.2, ERR-01, F-18. Checks errors/signin-url, errors/surfaced.
    """
    patch(client, "api_error", (
        '    message = status_and_body(res)\n',
        '    if res.status == 401:\n'
        '        return Failure("something went wrong, please see the ollama server logs for details")\n'
        '    message = status_and_body(res)\n',
    ))


@mutant("errors-swallowed")
def errors_swallowed(client):
    """Every failure (no key, 401, bad response, network error) is swallowed: the action prints an empty
    result (`{"models":[]}` for the tags actions, `{}` otherwise) and exits 0, so "no error" looks like "it
    worked, there are no models".

    Source: genlayerlabs/unhardcoded sources/ollama.py@77f8608^ (callers wrapped the signed call in
    `except Exception` and returned an empty model list); docs/protocol.md §8. Check errors/surfaced.
    """
    patch(client, "main", (
        '    except Failure as e:\n'
        '        sys.stderr.write("%s: %s\\n" % (action, one_line(e)))\n'
        '        return 1\n',
        '    except Exception:\n'
        '        body = b\'{"models":[]}\' if action.endswith("-tags") else b"{}"\n',
    ))


# -------------------------------------------------------------------------------------------------
# Registry challenge flow

@mutant("no-realm-host-check")
def no_realm_host_check(client):
    """Sends the signed token request to whatever realm the 401 names, on any host (CVE-2025-51471:
    a hostile registry collects a signature, and a token, for another registry).

    Source: CVE-2025-51471 / GO-2025-3824, "Cross-Domain Token Exposure in server.auth.getAuthorizationToken
    in Ollama 0.6.7" (huntr 94eea285-fd65-4e01-a035-f533575ebdc2, FuzzingLabs, against 2ddc32d); fixed by
    ollama/ollama 7601f0e93 (#13738), server/auth.go@fb30760 L59-62. docs/protocol.md §1.6, REG-09, F-02.
    Check registry/realm/same-host.
    """
    patch(client, "registry_manifest", (
        '    if realm_url.host != resource.host:\n'
        '        raise Failure("realm host %s does not match original host %s" % (json.dumps(realm_url.host), json.dumps(resource.host)))\n',
        '',
    ))


@mutant("realm-host-without-port")
def realm_host_without_port(client):
    """Compares the realm's host NAME with the resource's, port dropped: `registry.ollama.ai:443` (or
    `:8443`) passes for `registry.ollama.ai`, so the signed token request goes where Ollama would not send it.

    Source: Ollama compares URL.Host as strings, port included (server/auth.go@fb30760 L59-62;
    docs/protocol.md §1.6, F-03, REG-09). Check registry/realm/same-host. Only intercept mode shows it: the
    loopback suite's "other host" is always another name (localhost against 127.0.0.1), so the loopback
    matrix does not run it (catalog.json: "modes": ["intercept"]).
    """
    patch(client, "registry_manifest", (
        '    if realm_url.host != resource.host:\n',
        '    if _split_host(realm_url.host)[0] != _split_host(resource.host)[0]:\n',
    ))


@mutant("http-realm-accepted")
def http_realm_accepted(client):
    """Accepts an `http://` realm on the same host:port as an `https://` registry: the signature and the
    token go over plain text (a downgrade).

    Source: Ollama's own behaviour, server/auth.go@fb30760 L59-62 compares URL.Host only, never the scheme;
    docs/protocol.md §1.6, REG-10, F-04. Check registry/realm/no-downgrade (SHOULD).
    """
    patch(client, "registry_manifest", (
        '    if resource.scheme == "https" and realm_url.scheme != "https":\n'
        '        raise Failure("refusing realm %s: an https registry must not send the token request over http (downgrade)" % json.dumps(realm))\n',
        '',
    ))


@mutant("retry-loop")
def retry_loop(client):
    """Answers every 401 with a fresh token and tries again, up to 10 requests (10 token fetches), then
    fails with `too many redirects`, instead of one retry and no second token.

    Source: ollama/ollama x/transfer/download.go@fb30760 L399-440 `resolve` (`for range 10`, each 401 calls
    refreshToken, then `too many redirects`); docs/protocol.md §1.1, F-22, REG-14. Checks
    registry/retry/second-401-fails, registry/retry/no-second-token.
    Written as a recursion (attempt n+1 carries the token attempt n fetched), so that the challenge, token
    URL, signature and realm checks stay the correct client's.
    """
    patch(client, "registry_manifest", (
        'def registry_manifest(target):',
        'def registry_manifest(target, _token="", _attempt=1):',
    ), (
        'first = send("GET", resource_url, headers)',
        'first = send("GET", resource_url, dict(headers, Authorization="Bearer " + _token) if _token else headers)',
    ), (
        '    retry = send("GET", resource_url, dict(headers, Authorization="Bearer " + token))\n'
        '    if retry.status == 401:\n'
        '        raise Failure("unauthorized: access denied (the registry answered 401 to the token from %s; not fetching another)" % realm_url.host)\n'
        '    return resource_result(retry)\n',
        '    if _attempt == 10:\n'
        '        raise Failure("too many redirects")\n'
        '    return registry_manifest(target, token, _attempt + 1)\n',
    ))


@mutant("empty-token-empty-bearer")
def empty_token_empty_bearer(client):
    """A token response without a usable token (`{}`, `{"token":""}`) is accepted as the empty token, and
    the retry is built the naive way, `"Bearer " + token`: it sends `Authorization: Bearer` with an empty
    credential (the second 401 then ends in `unauthorized: access denied`).

    Source: the naive reading of REG-12 (docs/protocol.md §1.5, F-11); docs/protocol.md §11 "Never send
    `Authorization: Bearer ` with an empty credential". Ollama's own client accepts the empty token too
    but sends no Authorization at all on the retry (server/images.go@fb30760 L1385-1390), which is its
    documented gap in examples/ollama-profile/. Checks apikey/no-empty-bearer (MUST) and
    registry/token-response/empty-token (SHOULD).
    """
    patch(client, "parse_token_response", (
        '        if not token:\n'
        '            raise Failure("token endpoint answered %d with an empty %s; refusing to retry without a credential" % (res.status, json.dumps(name)))\n'
        '        return token\n'
        '    raise Failure("token endpoint answered %d without a token: %s" % (res.status, res.text()))\n',
        '        return token or ""\n'
        '    return ""\n',
    ))


@mutant("unsorted-token-query")
def unsorted_token_query(client):
    """Builds the token URL as Ollama's first implementation did: `<realm>?service=<s>&scope=<scope>&ts=<ts>
    &nonce=<nonce>`, in that order and unescaped (`scope=repository:library/llama3:pull`), instead of Go's
    url.Values.Encode() (keys sorted, QueryEscape'd). It signs exactly the URL it sends.

    Source: ollama/ollama be989d89d (2023-08-10, PR #314) server/auth.go AuthRedirect.URL():
    fmt.Sprintf("%s?service=%s&scope=%s&ts=%d&nonce=%s", r.Realm, r.Service, r.Scope, time.Now().Unix(),
    nonce); replaced by url.Values.Encode() in 2cc634689 (2023-08-21). docs/protocol.md §1.3, REG-06.
    Checks registry/token-url/sorted-query, registry/token-url/form-escaping.
    """
    patch(client, "registry_manifest", (
        '    values = go_parse_query(realm_url.raw_query)\n'
        '    values.setdefault(b"service", []).append(service.encode("utf-8", "surrogateescape"))\n'
        '    for item in scope.split(" "):\n'
        '        values.setdefault(b"scope", []).append(item.encode("utf-8", "surrogateescape"))\n'
        '    values.setdefault(b"ts", []).append(str(int(time.time())).encode())\n'
        '    values.setdefault(b"nonce", []).append(new_nonce().encode())\n'
        '    token_url = realm_url.string(go_encode(values))\n',
        '    token_url = "%s?service=%s&scope=%s&ts=%d&nonce=%s" % (realm, service, scope, int(time.time()), new_nonce())\n',
    ))


@mutant("reused-nonce")
def reused_nonce(client):
    """Every token request carries the same nonce, base64url of 16 zero bytes (`AAAAAAAAAAAAAAAAAAAAAA`):
    the buffer is allocated but never filled from crypto/rand.

    Source: no public client is known to ship this; it is the nonce-replay case of the falsification
    catalogue (docs/protocol.md §0.2: 16 fresh random bytes per request, REG-05; §2.4: no server-side replay
    check was ever seen, so nothing in the field would notice). Check registry/token-url/nonce-fresh.
    """
    patch(client, "new_nonce", (
        'secrets.token_bytes(16)',
        'bytes(16)',
    ))


@mutant("bearer-form-token-request")
def bearer_form_token_request(client):
    """Sends `Authorization: Bearer <A>:<B>` to the token endpoint instead of the raw `<A>:<B>` (the right
    signature, the wrong header form for this endpoint).

    Source: Ollama's desktop app and tools send `Bearer <A>:<B>` for direct requests (app/ui/ui.go
    doSelfSigned, app/tools/web_search.go, anthropic/anthropic.go@fb30760; docs/protocol.md §2.3) while the
    token request is raw (server/auth.go L67); a client that reuses the one form for both. REG-08.
    Check registry/token-request/raw-form.
    """
    patch(client, "registry_manifest", (
        'token_res = send("GET", token_url, {"Authorization": authorization, "User-Agent": USER_AGENT})',
        'token_res = send("GET", token_url, {"Authorization": "Bearer " + authorization, "User-Agent": USER_AGENT})',
    ))


@mutant("post-token-request")
def post_token_request(client):
    """Requests the token with POST (no body) and signs `POST,<token URL>,<empty-body hash>`.

    Source: ollama/ollama 0fec3525a (2024-05-11, "use post token") server/auth.go, reverted the same day by
    4ec7445a6; docs/protocol.md §1.4, §8 (issue #14 also said "POST the signature to the realm"), REG-08.
    Check registry/token-request/method-get.
    """
    patch(client, "registry_manifest", (
        'authorization = key.sign("GET," + token_url + "," + empty_body_hash())',
        'authorization = key.sign("POST," + token_url + "," + empty_body_hash())',
    ), (
        'token_res = send("GET", token_url,',
        'token_res = send("POST", token_url,',
    ))


@mutant("crash-on-empty-realm")
def crash_on_empty_realm(client):
    """Crashes, as Ollama's legacy challenge parser does, when the WWW-Authenticate value ends with a
    parameter that has no value (`…,realm=`): a Go panic, `slice bounds out of range [:N] with length L`,
    a goroutine trace on stderr and exit status 2. Every other challenge is parsed correctly.

    Source: ollama/ollama server/images.go@fb30760 L1414-1445 getValue/parseRegistryChallenge (the start
    index lands one byte past the end); it runs in the goroutine PullHandler starts without recover, so the
    panic takes `ollama serve` down. docs/protocol.md §1.2, REG-04, F-05. Check registry/challenge/empty-value.
    """
    correct = client.parse_bearer_challenge

    def parse_bearer_challenge(fields):
        header = legacy_header(fields)
        for key in ("realm", "service", "scope"):
            go_get_value(header, key)  # panics exactly where images.go panics; the values are not used
        return correct(fields)

    install(client, "parse_bearer_challenge", parse_bearer_challenge)


@mutant("legacy-substring-parser")
def legacy_substring_parser(client):
    """Parses WWW-Authenticate with Ollama's legacy images.go parser: only the first field, `Bearer `
    trimmed case-sensitively, each parameter found by substring search for `key=` anywhere, one byte skipped
    after the `=` (an assumed quote), the value running to a `"` followed by `,` or the end; the scheme is
    never checked; a trailing `key=` panics.

    Source: ollama/ollama server/images.go@fb30760 L1414-1445 getValue + parseRegistryChallenge, reproduced
    byte for byte (go_get_value above); docs/protocol.md §1.2 (table), F-05, F-06, F-07.
    Checks registry/challenge/token-values, registry/challenge/empty-value.
    """
    def parse_bearer_challenge(fields):
        header = legacy_header(fields)
        realm, service, scope = (go_get_value(header, key).decode("utf-8", "surrogateescape")
                                 for key in ("realm", "service", "scope"))
        return realm, service, scope

    install(client, "parse_bearer_challenge", parse_bearer_challenge)


# -------------------------------------------------------------------------------------------------
# Credentials and other hosts

@mutant("redirect-keeps-authorization")
def redirect_keeps_authorization(client):
    """Follows a redirect to another origin with the Authorization header still attached (the signed token
    request, the API key, the Basic credentials: whatever the request carried).

    Source: curl CVE-2018-1000007 (custom Authorization sent to the redirect's host); nodejs/undici#872
    ("authorization header is not deleted on redirects to third party origins", 2021); adobe/fetch#447
    (2023); Python's urllib.request HTTPRedirectHandler copies every non-content header to the new URL.
    Go's net/http, which Ollama uses, drops it (docs/protocol.md §1.1 step 4, F-12). Checks
    registry/token/no-cross-host, apikey/origin-scoped, basic/no-cross-host.
    """
    patch(client, "send", (
        '        if _origin(nxt) != _origin(first):\n'
        '            headers.pop("Authorization", None)\n',
        '',
    ))


@mutant("apikey-any-host")
def apikey_any_host(client):
    """Attaches `Authorization: Bearer $OLLAMA_API_KEY` to every request of the API-key action whatever its
    host, including the target of a redirect to another origin (the key is a client-wide default, not bound
    to the ollama.com origin it was issued for). Signatures and Basic credentials are still dropped on an
    origin change.

    Source: ollama/ollama-python ollama/_client.py@25b9329 L108-110 (PR #583, d0f71bc): when OLLAMA_API_KEY
    is set the key is sent to whatever host the client is configured for, local servers included;
    docs/protocol.md §3, KEY-API-02; docs/protocol.md §3.1 (ollama-python sends the key to any host). Check apikey/origin-scoped.
    """
    client.send_with_key_to_any_host = rewrite(client, client.send, (
        '        if _origin(nxt) != _origin(first):\n'
        '            headers.pop("Authorization", None)\n',
        '',
    ), rename="send_with_key_to_any_host")
    patch(client, "apikey_tags", (
        'res = send("GET", join_path(base, "/api/tags"), headers)',
        'res = send_with_key_to_any_host("GET", join_path(base, "/api/tags"), headers)',
    ))


@mutant("basic-userinfo-dropped")
def basic_userinfo_dropped(client):
    """Turns the target into `scheme://host:port[/path]` the way ollama-python's _parse_host does, so the
    `user:pass@` of the URL is dropped silently: the request goes out without any Authorization and the
    proxy's 401 is all the user sees.

    Source: ollama/ollama-python ollama/_client.py `_parse_host` (urlsplit, then only scheme, hostname,
    port and path are kept); docs/protocol.md §3.2 (ollama-python drops the userinfo).
    Checks basic/userinfo, basic/credentials.
    """
    def parse_host_like_ollama_python(host):
        # A transcription of the behaviour (not the code): default ports 80/443/11434, path kept without
        # its trailing slash, IPv6 literals bracketed again; the userinfo has no place to go.
        scheme, _, hostport = host.partition("://")
        port = 11434
        if not hostport:
            scheme, hostport = "http", host
        elif scheme == "http":
            port = 80
        elif scheme == "https":
            port = 443
        split = urllib.parse.urlsplit(scheme + "://" + hostport)
        name = split.hostname or "127.0.0.1"
        if ":" in name:
            name = "[%s]" % name
        out = "%s://%s:%d" % (scheme, name, split.port or port)
        path = split.path.strip("/")
        return out + "/" + path if path else out

    def basic_tags(target):
        """GET /api/tags on the host of the target, as ollama-python's Client(host=target) would."""
        client.parse_target(target, allow_userinfo=True)  # the same validation as the correct client
        headers = {"Accept": "application/json", "User-Agent": client.USER_AGENT}
        res = client.send("GET", parse_host_like_ollama_python(target) + "/api/tags", headers)
        if not client.ok(res.status):
            raise client.api_error(res)
        return res.body

    install(client, "basic_tags", basic_tags)


# -------------------------------------------------------------------------------------------------
# Coverage mutants: one per rule of specs/checks.json that no mutant above breaks, so that every rule a client
# can break is proven to be judged by `oac check` (test/specs/coverage.test.ts, test/conformance/matrix.test.ts).

def _registry_defaults(resource):
    """What a client written against registry.ollama.ai assumes when it does not read a challenge: the token
    endpoint at <origin>/v2/token, the registry's host as service, pull on the repository of the URL."""
    parts = resource.path.split("/")
    repository = "/".join(parts[2:4]) if len(parts) >= 6 and parts[1] == "v2" else ""
    return "%s://%s/v2/token" % (resource.scheme, resource.host), resource.host, "repository:%s:pull" % repository


@mutant("key-from-ssh-dir")
def key_from_ssh_dir(client):
    """Looks for the identity at OpenSSH's default path, `$HOME/.ssh/id_ed25519`, instead of Ollama's own
    `$HOME/.ollama/id_ed25519`: with only Ollama's key on the machine it finds none.

    Source: the mix-up of Ollama's identity with the user's SSH key, which has the same file name and format
    (docs/faq.mdx@fb30760 L371-402 says where Ollama keeps it); auth/auth.go@fb30760 L53-64 reads only
    `~/.ollama/id_ed25519`. docs/protocol.md §5, KEY-01. Check keys/default-path.
    """
    client.SigningKey.__init__ = rewrite(client, client.SigningKey.__init__, (
        'path = os.path.join(home, ".ollama", "id_ed25519")',
        'path = os.path.join(home, ".ssh", "id_ed25519")',
    ))


def _sign_with_any_key(key, message):
    """x/crypto/ssh Signer.Sign for the key types ParsePrivateKey accepts: Ed25519 as it is, RSA as `ssh-rsa`
    (PKCS#1 v1.5 over SHA-1), ECDSA over the curve's hash (the raw DER signature; no verifier gets that far)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), hashes.SHA1())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(hashes.SHA256()))
    return key.sign(message)


@mutant("any-key-type-signs")
def any_key_type_signs(client):
    """Signs with whatever private key the file holds: an RSA (or ECDSA) `id_ed25519` produces a signed request
    with an `ssh-rsa` public-key field instead of an error before any request.

    Source: Ollama's own auth.Sign (auth/auth.go@fb30760 L66-84) signs with any key ssh.ParsePrivateKey
    accepts; docs/protocol.md §0.1, KEY-05, F-17b. Check keys/bad-key-no-request.
    """
    client.sign_with_any_key = _sign_with_any_key
    client.SigningKey.__init__ = rewrite(client, client.SigningKey.__init__, (
        # (a method's source is dedented by its class's indentation: its body starts 4 spaces in)
        '    if not isinstance(key, Ed25519PrivateKey):\n'
        '        raise Failure("key %s is not ssh-ed25519; Ollama\'s verifiers accept only ssh-ed25519" % path)\n',
        '',
    ))
    client.SigningKey.sign = rewrite(client, client.SigningKey.sign, (
        'signature = self._key.sign(message.encode("utf-8", "surrogateescape"))',
        'signature = sign_with_any_key(self._key, message.encode("utf-8", "surrogateescape"))',
    ))


@mutant("signature-only-header")
def signature_only_header(client):
    """Sends only the signature, `Authorization: <B>`, without the public-key field and its colon (`<A>:`), as
    if the server knew which key signed.

    Source: a misreading of `<pubkey>:<signature>` (docs/protocol.md §0.1, KEY-03): every Ollama verifier
    splits the value at the first colon (server/auth.go@5968989a7) and refuses a value without one.
    Check auth/header-form.
    """
    client.SigningKey.sign = rewrite(client, client.SigningKey.sign, (
        'return self.field + ":" + base64.b64encode(signature).decode("ascii")',
        'return base64.b64encode(signature).decode("ascii")',
    ))


@mutant("first-challenge-field-only")
def first_challenge_field_only(client):
    """Reads only the first WWW-Authenticate field line (a correct parser otherwise): a Basic challenge in an
    earlier field hides the Bearer one.

    Source: Go's http.Header.Get returns the first value only, which is how Ollama reads the challenge
    (resp.Header.Get, server/images.go@fb30760 L1325; x/transfer/download.go L425); docs/protocol.md §1.1
    step 2, REG-01. Check registry/challenge/read.
    """
    patch(client, "registry_manifest", (
        'parse_bearer_challenge([octets(v) for v in first.headers.get_all("WWW-Authenticate") or []])',
        'parse_bearer_challenge([octets(v) for v in first.headers.get_all("WWW-Authenticate") or []][:1])',
    ))


@mutant("strict-challenge-regex")
def strict_challenge_regex(client):
    """Parses the challenge with a regular expression written from one example,
    `Bearer realm="…",service="…",scope="…"`: quoted values joined by a bare comma. `, ` between the
    parameters does not match and the pull fails with "malformed WWW-Authenticate".

    Source: RFC 9110 §5.6.1 allows whitespace around list commas and registries send it; docs/protocol.md §1.2,
    REG-02 ("MUST accept quoted values, `, ` separators and commas inside quoted values").
    Check registry/challenge/quoted-values.
    """
    import re

    def parse_bearer_challenge(fields):
        header = fields[0] if fields else ""
        if not re.fullmatch(r'Bearer [a-z]+="[^"]*"(,[a-z]+="[^"]*")*', header):
            raise client.Failure("malformed WWW-Authenticate: %s" % header)
        params = dict(re.findall(r'([a-z]+)="([^"]*)"', header))
        if not params.get("realm"):
            raise client.Failure("the Bearer challenge has no realm")
        return params["realm"], params.get("service", ""), params.get("scope", "")

    install(client, "parse_bearer_challenge", parse_bearer_challenge)


@mutant("any-scheme-challenge")
def any_scheme_challenge(client):
    """Takes the first challenge that has a realm, whatever its scheme: a `Basic realm=…` challenge is answered
    with the Bearer token flow (a correct RFC 9110 parser otherwise).

    Source: Ollama's legacy parser never checks the scheme (server/images.go@fb30760 L1437-1445: TrimPrefix
    "Bearer ", then substring search); docs/protocol.md §1.2, F-07. Checks registry/challenge/non-bearer,
    registry/challenge/read.
    """
    patch(client, "parse_bearer_challenge", (
        '        if c["scheme"].lower() == "bearer":',
        '        if c["params"].get("realm"):',
    ))


@mutant("hardcoded-realm-fallback")
def hardcoded_realm_fallback(client):
    """A 401 without WWW-Authenticate is answered anyway, from the token endpoint the client knows
    registries have (`<origin>/v2/token`, service = the host, pull on the URL's repository), instead of
    ending the operation.

    Source: clients written against registry.ollama.ai alone, which hard-code its token endpoint;
    docs/protocol.md §1.1, §1.6, F-01 (Ollama itself ends with `realm host "" does not match …`).
    Check registry/challenge/missing.
    """
    client.registry_defaults = _registry_defaults
    patch(client, "registry_manifest", (
        '    realm, service, scope = parse_bearer_challenge([octets(v) for v in first.headers.get_all("WWW-Authenticate") or []])\n',
        '    fields = [octets(v) for v in first.headers.get_all("WWW-Authenticate") or []]\n'
        '    realm, service, scope = parse_bearer_challenge(fields) if fields else registry_defaults(resource)\n',
    ))


@mutant("auth-retry-on-404")
def auth_retry_on_404(client):
    """Takes a 404 for the manifest as "maybe private": fetches a token from the registry's default token
    endpoint (`<origin>/v2/token`) and asks again, instead of reporting not-found at once.

    Source: registries that answer 404 for a private repository without credentials, and clients that retry
    authenticated on any refusal; Ollama maps 404 to os.ErrNotExist without a token request
    (server/images.go@fb30760 L1337-1339). docs/protocol.md §1.1, ERR-03, F-14.
    Checks registry/not-found, errors/not-found.
    """
    client.registry_defaults = _registry_defaults
    patch(client, "registry_manifest", (
        '    if first.status != 401:\n',
        '    if first.status not in (401, 404):\n',
    ), (
        '    realm, service, scope = parse_bearer_challenge([octets(v) for v in first.headers.get_all("WWW-Authenticate") or []])\n',
        '    if first.status == 404:\n'
        '        realm, service, scope = registry_defaults(resource)\n'
        '    else:\n'
        '        realm, service, scope = parse_bearer_challenge([octets(v) for v in first.headers.get_all("WWW-Authenticate") or []])\n',
    ))


class _LooseURL:
    """A URL as urllib.parse.urlsplit sees it (lenient, no Go url.Parse rules), with what client.py's
    _send_once reads from a URL: the request goes out exactly as the string says."""

    def __init__(self, raw):
        split = urllib.parse.urlsplit(raw)
        self.raw = raw
        self.scheme, self.host = split.scheme, split.netloc
        self.escaped_path, self.raw_query, self.has_query = split.path, split.query, "?" in raw

    def string(self):
        return self.raw


@mutant("realm-concatenated")
def realm_concatenated(client):
    """Builds the token URL by string concatenation, `<realm>?<service, scope, ts, nonce>`, checking the realm's
    host with Python's lenient urlsplit: the realm is never parsed as Go parses it, so a realm Go refuses is
    used anyway, and a realm with its own query gets a second `?`.

    Source: Ollama's first token URL was `fmt.Sprintf("%s?service=%s&scope=%s&ts=%d&nonce=%s", r.Realm, …)`
    (be989d89d server/auth.go, 2023), replaced by url.Parse + Values.Encode in 2cc634689; docs/protocol.md §1.3,
    REG-05. Checks registry/token-url/parseable, registry/token-url/realm-query-kept.
    """
    client.LooseURL = _LooseURL
    patch(client, "registry_manifest", (
        '        realm_url = GoURL(realm)\n',
        '        realm_url = LooseURL(realm)\n',
    ), (
        '    values = go_parse_query(realm_url.raw_query)\n',
        '    values = {}\n',
    ), (
        '    token_url = realm_url.string(go_encode(values))\n',
        '    token_url = realm + "?" + go_encode(values)\n',
    ), (
        # Sent as written: send() would parse it by Go's rules first.
        'token_res = send("GET", token_url, {"Authorization": authorization, "User-Agent": USER_AGENT})',
        'token_res = _send_once("GET", LooseURL(token_url), {"Authorization": authorization, "User-Agent": USER_AGENT}, None)',
    ))


@mutant("realm-resolved-against-resource")
def realm_resolved_against_resource(client):
    """Resolves the realm against the resource URL (urljoin), so a relative realm such as `/v2/token` becomes
    `<resource origin>/v2/token` and gets the signed token request, where Go takes the realm as written
    (Host "") and refuses it.

    Source: the usual way of following a URL in Python (urllib.parse.urljoin, requests' redirects); Docker's
    token spec makes the realm an absolute URL, and Ollama uses it as written (server/auth.go@fb30760
    L28-62). docs/protocol.md §1.3, §1.6, REG-05. Check registry/token-url/realm.
    """
    patch(client, "registry_manifest", (
        '        realm_url = GoURL(realm)\n',
        '        realm = urljoin(resource_url, realm)\n'
        '        realm_url = GoURL(realm)\n',
    ))


@mutant("no-service-param")
def no_service_param(client):
    """Leaves `service` out of the token URL (only scope, ts and nonce), reading Docker's token spec, which
    calls it optional, instead of what Ollama sends: exactly one `service`, empty when the challenge has none.

    Source: distribution/distribution docs/spec/auth/token.md ("service: the name of the service which hosts
    the resource"; optional in its examples); server/auth.go@fb30760 L35 always adds it. docs/protocol.md §1.3,
    REG-05. Check registry/token-url/service.
    """
    patch(client, "registry_manifest", (
        '    values.setdefault(b"service", []).append(service.encode("utf-8", "surrogateescape"))\n',
        '',
    ))


@mutant("scope-not-split")
def scope_not_split(client):
    """Sends the challenge's scope as ONE `scope` parameter (`scope=a b`, form-escaped `a+b`) instead of one per
    space-separated scope.

    Source: Docker's own client sends one scope parameter per scope; Ollama splits on " " (server/auth.go
    @fb30760 L36-38). docs/protocol.md §1.3, REG-05. Check registry/token-url/scope-per-item.
    """
    patch(client, "registry_manifest", (
        '    for item in scope.split(" "):\n'
        '        values.setdefault(b"scope", []).append(item.encode("utf-8", "surrogateescape"))\n',
        '    values.setdefault(b"scope", []).append(scope.encode("utf-8", "surrogateescape"))\n',
    ))


@mutant("float-ts")
def float_ts(client):
    """Puts `str(time.time())` in the token URL: `ts=1700000000.123456` instead of whole unix seconds.

    Source: the classic Python slip (time.time() is a float); Ollama writes strconv.FormatInt(time.Now().Unix(),
    10) (server/auth.go@fb30760 L40). docs/protocol.md §1.3, REG-05. Check registry/token-url/ts.
    """
    patch(client, "registry_manifest", (
        'values.setdefault(b"ts", []).append(str(int(time.time())).encode())',
        'values.setdefault(b"ts", []).append(str(time.time()).encode())',
    ))


@mutant("padded-base64-nonce")
def padded_base64_nonce(client):
    """Encodes the 16 nonce bytes with standard, padded base64 (24 characters, `+`, `/`, `==`) instead of
    base64url without padding (22 characters).

    Source: auth.NewNonce uses base64.RawURLEncoding (auth/auth.go@fb30760 L44-51); b64encode is the default
    in Python. docs/protocol.md §0.2, REG-05. Check registry/token-url/nonce-shape.
    """
    patch(client, "new_nonce", (
        'return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode("ascii")',
        'return base64.b64encode(secrets.token_bytes(16)).decode("ascii")',
    ))


@mutant("anonymous-retry-on-token-error")
def anonymous_retry_on_token_error(client):
    """When the token endpoint refuses (401, 403, …), retries the resource without a token, as for a public
    image, instead of failing with the token endpoint's status and body.

    Source: Docker-style clients fall back to anonymous pulls; Ollama returns `<status>: <body>` from the token
    endpoint (server/auth.go@fb30760 L86-92). docs/protocol.md §1.5, REG-11, F-08, F-09.
    Check registry/token-response/error-surfaced.
    """
    patch(client, "registry_manifest", (
        '    if not ok(token_res.status):\n'
        '        raise Failure("token endpoint answered %s" % status_and_body(token_res))\n'
        '    token = parse_token_response(token_res)\n',
        '    token = parse_token_response(token_res) if ok(token_res.status) else None\n',
    ), (
        'retry = send("GET", resource_url, dict(headers, Authorization="Bearer " + token))',
        'retry = send("GET", resource_url, dict(headers, Authorization="Bearer " + token) if token is not None else headers)',
    ))


@mutant("raw-body-token")
def raw_body_token(client):
    """Takes a token response that is not JSON as the token itself (`Bearer <html>ok</html>`), instead of
    failing on it.

    Source: token endpoints of some services answer with the bare token; Ollama json.Unmarshals the body and
    returns the error (server/auth.go@fb30760 L94-97). docs/protocol.md §1.5, REG-12, F-10.
    Check registry/token-response/token-field.
    """
    patch(client, "parse_token_response", (
        '        raise Failure("token endpoint answered %d with a body that is not a JSON object: %s" % (res.status, res.text()))\n',
        '        return res.text()\n',
    ))


@mutant("token-field-only")
def token_field_only(client):
    """Reads only `token` from the token response, never Docker's `access_token` alias: a registry that answers
    with `access_token` alone leaves it without a token.

    Source: Ollama's own api.TokenResponse has only `token` (api/types.go@fb30760 L846-848); the Docker token
    spec allows `access_token`. docs/protocol.md §1.5, REG-12. Check registry/token-response/access-token.
    """
    patch(client, "parse_token_response", (
        '    for name in ("token", "access_token"):\n',
        '    for name in ("token",):\n',
    ))


@mutant("retry-without-bearer-word")
def retry_without_bearer_word(client):
    """Retries the resource with `Authorization: <token>`, the token without the `Bearer` scheme word, as the
    token request itself goes out (`<A>:<B>`, no scheme word).

    Source: the two header forms of the registry flow mixed up (raw `<A>:<B>` to the token endpoint,
    `Bearer <token>` on the retry: server/auth.go@fb30760 L73, server/images.go L1386); docs/protocol.md §1.1,
    REG-13. Check registry/retry/bearer-once.
    """
    patch(client, "registry_manifest", (
        'retry = send("GET", resource_url, dict(headers, Authorization="Bearer " + token))',
        'retry = send("GET", resource_url, dict(headers, Authorization=token))',
    ))


@mutant("token-padding-stripped")
def token_padding_stripped(client):
    """Strips trailing `=` from the token before using it, normalising it as if it were a JWT (base64url
    segments carry no padding): the token sent back is not the token issued.

    Source: Ollama decoded the registry token as a JWT from 0a7fdbe53 until 7b5585b9c removed it
    (ollama/ollama#7785); registry.ollama.ai tokens are opaque. docs/protocol.md §1.7, REG-16.
    Check registry/token/opaque.
    """
    patch(client, "registry_manifest", (
        'retry = send("GET", resource_url, dict(headers, Authorization="Bearer " + token))',
        'retry = send("GET", resource_url, dict(headers, Authorization="Bearer " + token.rstrip("=")))',
    ))


@mutant("signature-scheme-word")
def signature_scheme_word(client):
    """Sends direct requests as `Authorization: Signature <A>:<B>`: the right pair, behind a scheme word that no
    Ollama verifier accepts (only `<A>:<B>` and `Bearer <A>:<B>`).

    Source: the HTTP Signatures habit of a `Signature` scheme; Ollama sends the raw pair (api/client.go@fb30760
    L141-143) or `Bearer <A>:<B>` (app/ui/ui.go). docs/protocol.md §2.3, DIR-04. Check direct/header-form.
    """
    patch(client, "direct", (
        'headers = {"Authorization": authorization,',
        'headers = {"Authorization": "Signature " + authorization,',
    ))


def _cached_signature(key, method, path):
    """The signed ts and Authorization of (method, path), made once and kept in $HOME/.cache for reuse."""
    import json as _json
    cache = os.path.join(os.environ["HOME"], ".cache", "oac-mutant-direct-signature.json")
    try:
        with open(cache) as f:
            kept = _json.load(f)
    except (OSError, ValueError):
        kept = {}
    if method + " " + path not in kept:
        ts = str(int(time.time()))
        kept[method + " " + path] = [ts, key.sign("%s,%s?ts=%s" % (method, path, ts))]
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(cache, "w") as f:
            _json.dump(kept, f)
    return kept[method + " " + path]


@mutant("cached-signature")
def cached_signature(client):
    """Signs a direct request once and reuses the signature (and its ts) for every later request to the same
    path, keeping it in `$HOME/.cache`; a long-lived client that signs at construction behaves the same.

    Source: api/client.go@fb30760 L116-130 signs every request anew with time.Now(); docs/protocol.md §2.1,
    DIR-05. Check direct/fresh-ts.
    """
    client.cached_signature = _cached_signature
    patch(client, "direct", (
        '        ts = str(int(time.time()))\n'
        '        authorization = key.sign("%s,%s?ts=%s" % (method, path, ts))\n',
        '        ts, authorization = cached_signature(key, method, path)\n',
    ))


def _own_identity(home):
    """An Ed25519 identity of the client's own under $HOME/.config, made on first use (OpenSSH format)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
    path = os.path.join(home, ".config", "oac-mutant", "id_ed25519")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            f.write(pem)
    return path


@mutant("own-key-generated")
def own_key_generated(client):
    """Signs with an identity of its own, generated on first use under `$HOME/.config/oac-mutant/`, instead of
    the key registered with the server (`$HOME/.ollama/id_ed25519`): every signature is valid, by a key the
    server does not know.

    Source: libraries that make their own key pair rather than use Ollama's; the server only knows keys
    registered at ollama.com/settings/keys (server/auth.go@5968989a7 authorized_keys). docs/protocol.md §2.4,
    KEY-01. Check direct/known-key.
    """
    client.own_identity = _own_identity
    client.SigningKey.__init__ = rewrite(client, client.SigningKey.__init__, (
        'path = os.path.join(home, ".ollama", "id_ed25519")',
        'path = own_identity(home)',
    ))



@mutant("sign-only-for-ollama-com")
def sign_only_for_ollama_com(client):
    """Signs a direct request only when the host is ollama.com, ignoring OLLAMA_AUTH: against any other host
    (a stand-in, a proxy, a self-hosted ollama.com) the request goes out unsigned, without ts.

    Source: api/client.go@fb30760 L118-119 signs when envconfig.UseAuth() (OLLAMA_AUTH) OR the host is
    ollama.com; docs/protocol.md §2.3, DIR-06. Check direct/sign-when.
    """
    patch(client, "direct", (
        '        authorization = key.sign("%s,%s?ts=%s" % (method, path, ts))\n',
        '        authorization = key.sign("%s,%s?ts=%s" % (method, path, ts)) if _split_host(base.host)[0] == "ollama.com" else None\n',
    ), (
        '        res = send(method, join_path(base, path, set_ts=ts), headers, b"" if method == "POST" else None)\n',
        '        if authorization is None:\n'
        '            del headers["Authorization"]\n'
        '        res = send(method, join_path(base, path, set_ts=ts if authorization else None), headers, b"" if method == "POST" else None)\n',
    ))


@mutant("apikey-x-api-key-header")
def apikey_x_api_key_header(client):
    """Sends the API key as `X-API-Key: <key>` (the habit of other LLM APIs) instead of
    `Authorization: Bearer <key>`.

    Source: docs/api/authentication.mdx@fb30760 (`Authorization: Bearer $OLLAMA_API_KEY`); other providers'
    SDKs use x-api-key headers. docs/protocol.md §3, KEY-API-01. Check apikey/bearer.
    """
    patch(client, "apikey_tags", (
        'headers = {"Authorization": "Bearer " + api_key,',
        'headers = {"X-API-Key": api_key,',
    ))


@mutant("tls-verification-off")
def tls_verification_off(client):
    """Turns certificate verification off (no chain, no host name check), the usual answer to a self-signed
    certificate: any certificate is accepted.

    Source: requests' verify=False, ssl._create_unverified_context, `curl -k`; Ollama has no such option
    (Go's crypto/tls verifies, SSL_CERT_FILE adds a CA). RFC 9110 §4.3.4, RFC 6750 §5.3. Check tls/custom-ca.
    """
    patch(client, "_tls_context", (
        '    ctx.minimum_version = ssl.TLSVersion.TLSv1_2\n',
        '    ctx.minimum_version = ssl.TLSVersion.TLSv1_2\n'
        '    ctx.check_hostname = False\n'
        '    ctx.verify_mode = ssl.CERT_NONE\n',
    ))


@mutant("tls-1-0-allowed")
def tls_1_0_allowed(client):
    """Accepts TLS 1.0 and 1.1 (minimum version TLSv1, OpenSSL security level 0), to reach an old server.

    Source: RFC 8996 deprecates TLS 1.0/1.1; Go's client refuses them by default since Go 1.18.
    Check tls/min-version.
    """
    patch(client, "_tls_context", (
        '    ctx.minimum_version = ssl.TLSVersion.TLSv1_2\n',
        '    ctx.minimum_version = ssl.TLSVersion.TLSv1\n'
        '    ctx.set_ciphers("DEFAULT@SECLEVEL=0")\n',
    ))


@mutant("no-client-certificate")
def no_client_certificate(client):
    """Has no client-certificate setting: OAC_CLIENT_CERT/OAC_CLIENT_KEY are ignored, so a server that requires
    mutual TLS refuses the handshake.

    Source: Ollama's own client has no client-certificate option (its HTTP clients use Go's defaults);
    RFC 8446 §4.3.2. Check tls/client-cert.
    """
    patch(client, "_tls_context", (
        '    cert, key = os.environ.get("OAC_CLIENT_CERT"), os.environ.get("OAC_CLIENT_KEY")\n'
        '    if cert or key:\n'
        '        ctx.load_cert_chain(certfile=cert, keyfile=key)\n',
        '',
    ))
