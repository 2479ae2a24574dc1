#!/usr/bin/python3
"""A tiny provider on Python requests, as a router/plugin would ship it: it talks to the REAL ollama.com.

    provider.py list-models                    # GET https://ollama.com/api/tags, signed as Ollama's direct flow
    provider.py pull-manifest library/llama3:latest   # the registry flow against https://registry.ollama.ai

No proxy, CA or host option on purpose: it runs as in production, and `oac check --intercept` judges it by
pointing HTTPS_PROXY and REQUESTS_CA_BUNDLE at the harness. The signing is examples/python/client.py's
(imported, not copied): "<METHOD>,<path>?ts=<unix>" signed with ~/.ollama/id_ed25519, the same ts in the URL,
`Authorization: <A>:<B>`. Prints the response body and exits 0, or one line on stderr and exit 1.
"""
import os
import sys
import time

# Importing the example client must not leave a __pycache__ in the repository (examples stay source-only).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

import requests  # noqa: E402
from client import (  # noqa: E402  (examples/python/client.py)
    Failure, GoURL, SigningKey, empty_body_hash, go_encode, go_parse_query, new_nonce, parse_bearer_challenge,
)

OLLAMA = "https://ollama.com"
REGISTRY = "https://registry.ollama.ai"
MANIFEST_ACCEPT = "application/vnd.docker.distribution.manifest.v2+json"


def list_models():
    key = SigningKey()
    ts = str(int(time.time()))
    path = "/api/tags"
    res = requests.get(OLLAMA + path, params={"ts": ts}, timeout=20,
                       headers={"Authorization": key.sign("GET,%s?ts=%s" % (path, ts)), "Accept": "application/json"})
    return checked(res)


def pull_manifest(model):
    """GET the manifest -> 401 + Bearer challenge -> signed GET of the token URL -> retry once with the token.
    The realm must name the registry's own host exactly as Ollama checks it (URL.Host strings, so
    `registry.ollama.ai:443` is not `registry.ollama.ai`): requests would otherwise take the signature anywhere."""
    key = SigningKey()
    name, _, tag = model.partition(":")
    if "/" not in name:
        name = "library/" + name
    resource = "%s/v2/%s/manifests/%s" % (REGISTRY, name, tag or "latest")
    first = requests.get(resource, headers={"Accept": MANIFEST_ACCEPT}, timeout=20)
    if first.status_code != 401:
        return checked(first)
    realm, service, scope = parse_bearer_challenge([first.headers.get("WWW-Authenticate", "")])
    realm_url, resource_url = GoURL(realm), GoURL(resource)
    if realm_url.host != resource_url.host or realm_url.scheme != "https":
        raise Failure("refusing realm %s: it is not https on %s" % (realm, resource_url.host))
    values = go_parse_query(realm_url.raw_query)
    values.setdefault(b"service", []).append(service.encode())
    for item in scope.split(" "):
        values.setdefault(b"scope", []).append(item.encode())
    values.setdefault(b"ts", []).append(str(int(time.time())).encode())
    values.setdefault(b"nonce", []).append(new_nonce().encode())
    token_url = realm_url.string(go_encode(values))
    signed = key.sign("GET," + token_url + "," + empty_body_hash())
    token_res = requests.get(token_url, headers={"Authorization": signed}, timeout=20, allow_redirects=False)
    checked(token_res)
    try:
        token = token_res.json().get("token")
    except (ValueError, AttributeError):
        raise Failure("token endpoint answered 200 with a body that is not a JSON object: %s" % token_res.text.strip())
    if not isinstance(token, str) or token == "":
        raise Failure("token endpoint answered 200 without a token; not retrying without a credential")
    return checked(requests.get(resource, headers={"Accept": MANIFEST_ACCEPT, "Authorization": "Bearer " + token}, timeout=20))


def checked(res):
    if res.status_code != 200:
        raise Failure("%d: %s" % (res.status_code, res.text.strip()))
    return res.content


def main(argv):
    args = argv[1:]
    if args != ["list-models"] and not (len(args) == 2 and args[0] == "pull-manifest"):
        sys.stderr.write("usage: provider.py list-models | provider.py pull-manifest <model>\n")
        return 2
    try:
        body = list_models() if args[0] == "list-models" else pull_manifest(args[1])
    except (Failure, requests.RequestException) as e:
        sys.stderr.write("%s: %s\n" % (args[0], " ".join(str(e).split())))
        return 1
    sys.stdout.buffer.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
