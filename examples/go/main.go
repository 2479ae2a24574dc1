// Command client implements the exec contract v1 of ollama-auth-conformance in Go, independently of
// the project's TypeScript: `client <action> <target>`, the response body on stdout and exit 0, or one
// line on stderr and a non-zero exit.
//
// It signs exactly as Ollama does (golang.org/x/crypto/ssh: ParsePrivateKey, Signer.Sign → sig.Blob,
// MarshalAuthorizedKey) and builds URLs with net/url as Ollama does, and is stricter than Ollama where
// the protocol reference recommends it: an RFC 9110 challenge parser, no https→http realm, no retry
// without a token, one retry only, credentials never sent to another origin.
//
// Build (GOPATH mode, Debian's golang-golang-x-crypto-dev):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o client .
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

const (
	requestTimeout = 20 * time.Second
	maxRedirects   = 10
	maxBodyBytes   = 64 << 20
	// What Ollama asks a registry for (server/images.go pullModelManifest).
	manifestAccept = "application/vnd.docker.distribution.manifest.v2+json"
	userAgent      = "oac-example-go/1"
)

var actions = map[string]func(target string) ([]byte, error){
	"registry-manifest": registryManifest,
	"cloud-tags":        func(t string) ([]byte, error) { return direct("GET", "/api/tags", t) },
	"cloud-whoami":      func(t string) ([]byte, error) { return direct("POST", "/api/me", t) },
	"apikey-tags":       apikeyTags,
	"basic-tags":        basicTags,
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: client <registry-manifest|cloud-tags|cloud-whoami|apikey-tags|basic-tags> <target URL>")
		os.Exit(2)
	}
	action, target := os.Args[1], os.Args[2]
	run, ok := actions[action]
	if !ok {
		fmt.Fprintf(os.Stderr, "unsupported action %s\n", oneLine(action))
		os.Exit(3)
	}
	body, err := run(target)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s\n", action, oneLine(err.Error()))
		os.Exit(1)
	}
	if _, err := os.Stdout.Write(body); err != nil {
		fmt.Fprintf(os.Stderr, "%s: cannot write the body: %v\n", action, err)
		os.Exit(1)
	}
}

// oneLine keeps an error to one line of bounded length (bodies can be long or multi-line).
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// ---------------------------------------------------------------------------------------------------
// HTTP

type response struct {
	status int
	header http.Header
	body   []byte
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && a.Host == b.Host
}

func newClient() (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	// SSL_CERT_FILE is honoured by crypto/x509 already; OAC_CA_FILE adds a CA to the system pool.
	if caFile := os.Getenv("OAC_CA_FILE"); caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read OAC_CA_FILE: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("OAC_CA_FILE %s holds no PEM certificate", caFile)
		}
		tlsConfig.RootCAs = pool
	}
	// Mutual TLS: a client certificate for a proxy that demands one (OAC_CLIENT_CERT/OAC_CLIENT_KEY are paths).
	if certFile, keyFile := os.Getenv("OAC_CLIENT_CERT"), os.Getenv("OAC_CLIENT_KEY"); certFile != "" || keyFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("cannot load OAC_CLIENT_CERT/OAC_CLIENT_KEY: %v", err)
		}
		tlsConfig.Certificates = []tls.Certificate{pair}
	}
	// The proxy environment (HTTPS_PROXY, NO_PROXY) as http.DefaultTransport honours it: intercept mode
	// judges this client through a proxy; the loopback harness sets NO_PROXY for 127.0.0.1 and localhost.
	return &http.Client{
		Timeout:   requestTimeout,
		Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: tlsConfig},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			// net/http already drops Authorization when the host changes (except to a subdomain);
			// stricter: credentials stay with the origin they were made for (scheme and host:port).
			if !sameOrigin(req.URL, via[0].URL) {
				req.Header.Del("Authorization")
			}
			return nil
		},
	}, nil
}

func send(client *http.Client, method, rawURL string, header http.Header, body []byte) (*response, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, reader)
	if err != nil {
		return nil, err
	}
	for name, values := range header {
		req.Header[name] = values
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %v", method, rawURL, err)
	}
	if len(data) > maxBodyBytes {
		return nil, fmt.Errorf("%s %s: body larger than %d bytes", method, rawURL, maxBodyBytes)
	}
	return &response{status: res.StatusCode, header: res.Header, body: data}, nil
}

func isSuccess(status int) bool { return status >= 200 && status < 300 }

// statusAndBody is Ollama's "<status>: <body>" (or "<status>" for an empty body).
func statusAndBody(status int, body []byte) string {
	b := strings.TrimSpace(string(body))
	if b == "" {
		return strconv.Itoa(status)
	}
	return fmt.Sprintf("%d: %s", status, b)
}

// apiError: ollama.com's {"error": …, "signin_url": …} (api.StatusError / AuthorizationError).
func apiError(res *response) error {
	var fields struct {
		Error     string `json:"error"`
		SigninURL string `json:"signin_url"`
	}
	msg := statusAndBody(res.status, res.body)
	if json.Unmarshal(res.body, &fields) == nil && fields.Error != "" {
		msg = fmt.Sprintf("%d: %s", res.status, fields.Error)
	}
	if fields.SigninURL != "" {
		msg += " (sign in at " + fields.SigninURL + ")"
	}
	return errors.New(msg)
}

// parseTarget accepts an absolute http(s) URL; only basic-tags may carry user:pass@.
func parseTarget(target string, allowUserinfo bool) (*url.URL, error) {
	u, err := url.Parse(target)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the inner error: the URL itself may hold a password
		}
		return nil, fmt.Errorf("target is not a URL: %v", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("target must be an absolute http(s) URL, got scheme %q host %q", u.Scheme, u.Host)
	}
	if u.User != nil && !allowUserinfo {
		return nil, fmt.Errorf("target must not carry user:pass@ for this action")
	}
	return u, nil
}

// ---------------------------------------------------------------------------------------------------
// registry-manifest: GET → 401 + Bearer challenge → signed GET of the token URL → retry once

func registryManifest(target string) ([]byte, error) {
	key, err := loadKey()
	if err != nil {
		return nil, err
	}
	resource, err := parseTarget(target, false)
	if err != nil {
		return nil, err
	}
	client, err := newClient()
	if err != nil {
		return nil, err
	}
	header := http.Header{"Accept": {manifestAccept}, "User-Agent": {userAgent}}
	first, err := send(client, "GET", resource.String(), header, nil)
	if err != nil {
		return nil, err
	}
	if first.status != http.StatusUnauthorized {
		return resourceResult(first)
	}

	challenge, err := parseBearerChallenge(first.header.Values("Www-Authenticate"))
	if err != nil {
		return nil, err
	}
	nonce, err := newNonce()
	if err != nil {
		return nil, err
	}
	tu, err := tokenURL(challenge, time.Now().Unix(), nonce)
	if err != nil {
		return nil, err
	}
	// Ollama's check and wording (server/auth.go, CVE-2025-51471): exact URL.Host strings.
	if tu.Host != resource.Host {
		return nil, fmt.Errorf("realm host %q does not match original host %q", tu.Host, resource.Host)
	}
	if tu.Scheme != "http" && tu.Scheme != "https" {
		return nil, fmt.Errorf("realm %q is not an http(s) URL", challenge.realm)
	}
	// Stricter than Ollama (REG-10): no signature and no token over plain http for an https registry.
	if resource.Scheme == "https" && tu.Scheme != "https" {
		return nil, fmt.Errorf("refusing realm %q: an https registry must not send the token request over http (downgrade)", challenge.realm)
	}

	signedURL := tu.String()
	authorization, err := key.sign("GET," + signedURL + "," + emptyBodyHash())
	if err != nil {
		return nil, err
	}
	tokenRes, err := send(client, "GET", signedURL, http.Header{"Authorization": {authorization}, "User-Agent": {userAgent}}, nil)
	if err != nil {
		return nil, err
	}
	if !isSuccess(tokenRes.status) {
		return nil, fmt.Errorf("token endpoint answered %s", statusAndBody(tokenRes.status, tokenRes.body))
	}
	token, err := parseTokenResponse(tokenRes)
	if err != nil {
		return nil, err
	}

	header.Set("Authorization", "Bearer "+token)
	retry, err := send(client, "GET", resource.String(), header, nil)
	if err != nil {
		return nil, err
	}
	if retry.status == http.StatusUnauthorized {
		return nil, fmt.Errorf("unauthorized: access denied (the registry answered 401 to the token from %s; not fetching another)", tu.Host)
	}
	return resourceResult(retry)
}

func resourceResult(res *response) ([]byte, error) {
	switch {
	case isSuccess(res.status):
		return res.body, nil
	case res.status == http.StatusNotFound:
		return nil, fmt.Errorf("not found: %s", statusAndBody(res.status, res.body))
	default:
		return nil, errors.New(statusAndBody(res.status, res.body))
	}
}

// parseTokenResponse reads {"token": …} (Ollama) or, failing that, {"access_token": …} (Docker), and
// fails on an empty or missing token instead of retrying without a credential as Ollama does.
func parseTokenResponse(res *response) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(res.body, &fields); err != nil || fields == nil {
		return "", fmt.Errorf("token endpoint answered %d with a body that is not a JSON object: %s", res.status, strings.TrimSpace(string(res.body)))
	}
	for _, name := range []string{"token", "access_token"} {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		var token string
		if err := json.Unmarshal(raw, &token); err != nil {
			return "", fmt.Errorf("token endpoint answered %d with a %q that is not a string: %s", res.status, name, raw)
		}
		if token == "" {
			return "", fmt.Errorf("token endpoint answered %d with an empty %q; refusing to retry without a credential", res.status, name)
		}
		return token, nil
	}
	return "", fmt.Errorf("token endpoint answered %d without a token: %s", res.status, strings.TrimSpace(string(res.body)))
}

// ---------------------------------------------------------------------------------------------------
// cloud-tags, cloud-whoami: Ollama's API client (api/client.go): "<METHOD>,<path>?ts=<unix>" signed,
// the same ts in the URL, raw "<A>:<B>" header, no retry.

func direct(method, path, target string) ([]byte, error) {
	key, err := loadKey()
	if err != nil {
		return nil, err
	}
	base, err := parseTarget(target, false)
	if err != nil {
		return nil, err
	}
	client, err := newClient()
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	authorization, err := key.sign(fmt.Sprintf("%s,%s?ts=%s", method, path, ts))
	if err != nil {
		return nil, err
	}
	u := base.JoinPath(path)
	q := u.Query()
	q.Set("ts", ts)
	u.RawQuery = q.Encode()
	header := http.Header{
		"Authorization": {authorization},
		"Content-Type":  {"application/json"},
		"Accept":        {"application/json"},
		"User-Agent":    {userAgent},
	}
	res, err := send(client, method, u.String(), header, nil)
	if err != nil {
		return nil, err
	}
	if !isSuccess(res.status) {
		return nil, apiError(res)
	}
	return res.body, nil
}

// ---------------------------------------------------------------------------------------------------
// apikey-tags: Authorization: Bearer $OLLAMA_API_KEY, to the target only (the stand-in for ollama.com).

func apikeyTags(target string) ([]byte, error) {
	apiKey := strings.TrimSpace(os.Getenv("OLLAMA_API_KEY"))
	if apiKey == "" {
		return nil, errors.New("OLLAMA_API_KEY is not set (or empty); not sending a request without a credential")
	}
	base, err := parseTarget(target, false)
	if err != nil {
		return nil, err
	}
	client, err := newClient()
	if err != nil {
		return nil, err
	}
	header := http.Header{"Authorization": {"Bearer " + apiKey}, "Accept": {"application/json"}, "User-Agent": {userAgent}}
	res, err := send(client, "GET", base.JoinPath("/api/tags").String(), header, nil)
	if err != nil {
		return nil, err
	}
	if !isSuccess(res.status) {
		return nil, apiError(res)
	}
	return res.body, nil
}

// ---------------------------------------------------------------------------------------------------
// basic-tags: HTTP Basic from the target's user:pass@ (percent-decoded), which is then removed from
// the URL so it appears nowhere else.

func basicTags(target string) ([]byte, error) {
	base, err := parseTarget(target, true)
	if err != nil {
		return nil, err
	}
	if base.User == nil || base.User.Username() == "" {
		return nil, errors.New("target has no user:pass@ credentials")
	}
	user := base.User.Username()
	pass, hasPass := base.User.Password()
	if !hasPass {
		return nil, errors.New("target has a user name but no :password")
	}
	base.User = nil
	client, err := newClient()
	if err != nil {
		return nil, err
	}
	credentials := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	header := http.Header{"Authorization": {"Basic " + credentials}, "Accept": {"application/json"}, "User-Agent": {userAgent}}
	res, err := send(client, "GET", base.JoinPath("/api/tags").String(), header, nil)
	if err != nil {
		return nil, err
	}
	if !isSuccess(res.status) {
		return nil, apiError(res)
	}
	return res.body, nil
}
