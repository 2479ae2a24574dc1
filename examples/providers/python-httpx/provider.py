#!/usr/bin/python3
"""A tiny provider on httpx (Debian's python3-httpx), talking to the REAL ollama.com.

    provider.py list-models        # GET https://ollama.com/api/tags, signed as Ollama's direct flow

httpx.Client() with its default trust_env=True reads HTTPS_PROXY and SSL_CERT_FILE, which is how
`oac check --intercept` reaches it; nothing here names a proxy or a CA. Signing is imported from
examples/python/client.py. Prints the response body and exits 0, or one line on stderr and exit 1.
"""
import os
import sys
import time

# Importing the example client must not leave a __pycache__ in the repository (examples stay source-only).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

import httpx  # noqa: E402
from client import Failure, SigningKey  # noqa: E402  (examples/python/client.py)

OLLAMA = "https://ollama.com"


def list_models():
    key = SigningKey()
    ts = str(int(time.time()))
    path = "/api/tags"
    with httpx.Client(base_url=OLLAMA, timeout=20) as http:
        res = http.get(path, params={"ts": ts},
                       headers={"Authorization": key.sign("GET,%s?ts=%s" % (path, ts)), "Accept": "application/json"})
    if res.status_code != 200:
        raise Failure("%d: %s" % (res.status_code, res.text.strip()))
    return res.content


def main(argv):
    if argv[1:] != ["list-models"]:
        sys.stderr.write("usage: provider.py list-models\n")
        return 2
    try:
        body = list_models()
    except (Failure, httpx.HTTPError) as e:
        sys.stderr.write("list-models: %s\n" % " ".join(str(e).split()))
        return 1
    sys.stdout.buffer.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
