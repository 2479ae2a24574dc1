// Command auth-vectors prints the data of specs/golden/ollama-auth-vectors.json (every field but
// "provenance") as JSON, computed with Go's standard library and golang.org/x/crypto/ssh, the library
// Ollama signs with. It is an independent Go implementation of the steps docs/protocol.md describes
// (§0.1 auth.Sign, §1.3 token URL, §1.4 signed string, §2.2 S1 and S3, the sign-in URL): no Ollama code
// is copied here. Fixed inputs (seed 01..20, ts 1700000000, nonce bytes 00..0f) make it deterministic:
// Ed25519 signatures depend only on the key and the message.
//
// Run it through ../regenerate.sh, which builds it in GOPATH mode against Debian's golang-golang-x-crypto-dev.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

const about = "Golden vectors for Ollama auth signing, produced by a Go transcription of the Ollama client using golang.org/x/crypto/ssh and cross-checked by an independent Python implementation. Test key only: never use this seed for anything real."

type signed struct {
	URL           string `json:"url"`
	SignedString  string `json:"signed_string"`
	Authorization string `json:"authorization"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "auth-vectors: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i + 1)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		fail("signer: %v", err)
	}
	authorizedKey := ssh.MarshalAuthorizedKey(signer.PublicKey()) // "ssh-ed25519 <base64>\n"
	fields := bytes.Split(authorizedKey, []byte(" "))
	if len(fields) < 2 {
		fail("unexpected authorized key line %q", authorizedKey)
	}
	pubkeyField := string(bytes.TrimSpace(fields[1]))

	// sign returns "<pubkey field>:<base64 of the raw signature blob>", the value auth.Sign returns.
	sign := func(message string) string {
		sig, err := signer.Sign(rand.Reader, []byte(message))
		if err != nil {
			fail("sign %q: %v", message, err)
		}
		return pubkeyField + ":" + base64.StdEncoding.EncodeToString(sig.Blob)
	}

	emptyHash := sha256.Sum256(nil)
	emptyBodyHashField := base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(emptyHash[:])))

	// Registry token URL: the realm's own query, then service, one scope per space-separated item, ts,
	// nonce; Values.Encode sorts the keys and form-escapes the values.
	const realm, service, scope, ts = "https://registry.ollama.ai/v2/token", "registry.ollama.ai", "repository:library/llama3:pull", int64(1700000000)
	nonceBytes := make([]byte, 16)
	for i := range nonceBytes {
		nonceBytes[i] = byte(i)
	}
	nonce := base64.RawURLEncoding.EncodeToString(nonceBytes)
	tokenURL, err := url.Parse(realm)
	if err != nil {
		fail("realm: %v", err)
	}
	q := tokenURL.Query()
	q.Add("service", service)
	for _, s := range strings.Split(scope, " ") {
		q.Add("scope", s)
	}
	q.Add("ts", strconv.FormatInt(ts, 10))
	q.Add("nonce", nonce)
	tokenURL.RawQuery = q.Encode()
	registrySigned := fmt.Sprintf("GET,%s,%s", tokenURL.String(), emptyBodyHashField)

	// S1 (api.Client): sign "<METHOD>,<path>?ts=<ts>", send the base URL joined with the path and ts set.
	direct := func(method, path string) signed {
		base, _ := url.Parse("https://ollama.com")
		u := base.JoinPath(path)
		uq := u.Query()
		uq.Set("ts", strconv.FormatInt(ts, 10))
		u.RawQuery = uq.Encode()
		msg := fmt.Sprintf("%s,%s?ts=%d", method, path, ts)
		return signed{URL: u.String(), SignedString: msg, Authorization: sign(msg)}
	}
	// S3 (app/ui doSelfSigned): the same string, sent as "Bearer <A>:<B>".
	selfSignedMsg := fmt.Sprintf("GET,/api/tags?ts=%d", ts)
	selfSigned := signed{URL: fmt.Sprintf("https://ollama.com/api/tags?ts=%d", ts), SignedString: selfSignedMsg, Authorization: "Bearer " + sign(selfSignedMsg)}

	signinURL := fmt.Sprintf("https://ollama.com/connect?name=%s&key=%s", url.PathEscape("my-host"),
		base64.RawURLEncoding.EncodeToString(bytes.TrimSpace(authorizedKey)))

	out := map[string]interface{}{
		"key": map[string]interface{}{
			"seed_hex":                hex.EncodeToString(seed),
			"raw_public_key_hex":      hex.EncodeToString(priv.Public().(ed25519.PublicKey)),
			"ssh_wire_blob_len":       len(signer.PublicKey().Marshal()),
			"pubkey_field":            pubkeyField,
			"pubkey_field_len":        len(pubkeyField),
			"id_ed25519_pub_contents": string(authorizedKey),
			"id_ed25519_pub_len":      len(authorizedKey),
		},
		"empty_body_hash_field": emptyBodyHashField,
		"registry": map[string]interface{}{
			"realm":           realm,
			"service":         service,
			"scope":           scope,
			"ts":              ts,
			"nonce_bytes_hex": hex.EncodeToString(nonceBytes),
			"nonce":           nonce,
			"token_url":       tokenURL.String(),
			"signed_string":   registrySigned,
			"authorization":   sign(registrySigned),
		},
		"direct_api_client":   direct("POST", "/api/chat"),
		"whoami":              direct("POST", "/api/me"),
		"app_ui_doSelfSigned": selfSigned,
		"signin_url":          signinURL,
		"_about":              about,
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fail("encode: %v", err)
	}
}
