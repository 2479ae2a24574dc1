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

Citations: PROTOCOL.md (beside this project, /work/shared/PROTOCOL.md in the workspace) sections, Ollama's
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
    2026-06-23); its tests asserted the decoded key was 32 bytes. PROTOCOL.md §8 item 1; §9: the reference
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

    Source: sealad886/ollama-python ollama/_signing.py (Copilot PR, 2025-08), PROTOCOL.md §7.2: rejected by
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
    url = "https://ollama.com/api/tags"; PROTOCOL.md §8 item 2 (`ssh: signature did not verify`).
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
    the plain URL; PROTOCOL.md §8 item 3, §2.1. Checks direct/ts-in-url, direct/signature (DIR-01).
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
    ("<method>,<uri>,<content hash>"). PROTOCOL.md §8, DIR-03. Check direct/no-body-hash.
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
    ("-2 hours really works", two days did not), #6996 ("check your system clock"); PROTOCOL.md §2.4, F-21.
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
    PROTOCOL.md §4.2, ERR-02, F-20. Check errors/surfaced (errors/stream-empty-body).
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
    PROTOCOL.md §4.2, ERR-01, F-18. Checks errors/signin-url, errors/surfaced.
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
    `except Exception` and returned an empty model list); PROTOCOL.md §8, USERS.md §1. Check errors/surfaced.
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
    ollama/ollama 7601f0e93 (#13738), server/auth.go@fb30760 L59-62. PROTOCOL.md §1.6, REG-09, F-02.
    Check registry/realm/same-host.
    """
    patch(client, "registry_manifest", (
        '    if realm_url.host != resource.host:\n'
        '        raise Failure("realm host %s does not match original host %s" % (json.dumps(realm_url.host), json.dumps(resource.host)))\n',
        '',
    ))


@mutant("http-realm-accepted")
def http_realm_accepted(client):
    """Accepts an `http://` realm on the same host:port as an `https://` registry: the signature and the
    token go over plain text (a downgrade).

    Source: Ollama's own behaviour, server/auth.go@fb30760 L59-62 compares URL.Host only, never the scheme;
    PROTOCOL.md §1.6, REG-10, F-04. Check registry/realm/no-downgrade (SHOULD).
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
    refreshToken, then `too many redirects`); PROTOCOL.md §1.1, F-22, REG-14. Checks
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

    Source: the naive reading of REG-12 (PROTOCOL.md §1.5, F-11); ANCHORS.md §3c "Never send
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
    nonce); replaced by url.Values.Encode() in 2cc634689 (2023-08-21). PROTOCOL.md §1.3, REG-06.
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
    catalogue (PROTOCOL.md §0.2: 16 fresh random bytes per request, REG-05; §2.4: no server-side replay
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
    doSelfSigned, app/tools/web_search.go, anthropic/anthropic.go@fb30760; PROTOCOL.md §2.3) while the
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
    4ec7445a6; PROTOCOL.md §1.4, §8 (issue #14 also said "POST the signature to the realm"), REG-08.
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
    panic takes `ollama serve` down. PROTOCOL.md §1.2, REG-04, F-05. Check registry/challenge/empty-value.
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
    byte for byte (go_get_value above); PROTOCOL.md §1.2 (table), F-05, F-06, F-07.
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
    Go's net/http, which Ollama uses, drops it (PROTOCOL.md §1.1 step 4, F-12). Checks
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
    PROTOCOL.md §3, KEY-API-02; ANCHORS.md appendix apikey/host-scoping. Check apikey/origin-scoped.
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
    port and path are kept); ANCHORS.md appendix proxy/basic-userinfo ("python drops userinfo"),
    USERS.md §2. Checks basic/userinfo, basic/credentials.
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
