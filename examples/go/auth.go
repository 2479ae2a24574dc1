// Ollama's authentication primitives, written from the protocol reference (docs/protocol.md §0-§1) with
// the same library Ollama signs with: the key file, the "<A>:<B>" signature, the nonce, the registry
// token URL, and an RFC 9110 WWW-Authenticate parser (Ollama's own substring parser mis-reads
// unquoted values, escaped quotes and several challenges; see docs/protocol.md §1.2).
package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// ---------------------------------------------------------------------------------------------------
// Key and signature (auth/auth.go in Ollama)

type signingKey struct {
	signer ssh.Signer
	// field is A: the second field of the authorized_keys line, base64 of the SSH wire public key.
	field string
}

// loadKey reads $HOME/.ollama/id_ed25519 as Ollama does (os.UserHomeDir, ssh.ParsePrivateKey).
// Callers load it before sending anything, so a missing or broken key never costs a request.
func loadKey() (*signingKey, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("cannot find the home directory for the key: %v", err)
	}
	path := filepath.Join(home, ".ollama", "id_ed25519")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read key: %v", err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("cannot use key %s: %v", path, err)
	}
	if t := signer.PublicKey().Type(); t != ssh.KeyAlgoED25519 {
		return nil, fmt.Errorf("key %s is %s; Ollama's verifiers accept only ssh-ed25519", path, t)
	}
	fields := strings.Fields(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
	if len(fields) < 2 {
		return nil, fmt.Errorf("key %s: cannot derive the public key field", path)
	}
	return &signingKey{signer: signer, field: fields[1]}, nil
}

// sign returns "<A>:<B>": B is base64 of the raw 64-byte Ed25519 signature (sig.Blob), not the SSH
// signature wire format.
func (k *signingKey) sign(message string) (string, error) {
	sig, err := k.signer.Sign(rand.Reader, []byte(message))
	if err != nil {
		return "", fmt.Errorf("cannot sign: %v", err)
	}
	return k.field + ":" + base64.StdEncoding.EncodeToString(sig.Blob), nil
}

// emptyBodyHash is the last field of a token request's signed string: base64 of the 64 lowercase hex
// characters of SHA-256(""), a constant (server/auth.go).
func emptyBodyHash() string {
	sum := sha256.Sum256(nil)
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:])))
}

// newNonce: 16 random bytes, base64url without padding (22 characters), fresh per token request.
func newNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cannot read random bytes for the nonce: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// tokenURL is registryChallenge.URL() of server/auth.go: the realm's own query kept, then service
// (even when empty), one scope per space-separated item, ts and nonce, re-encoded by Values.Encode()
// (keys sorted, form-escaped). The string it returns is both signed and sent.
func tokenURL(c bearerChallenge, ts int64, nonce string) (*url.URL, error) {
	u, err := url.Parse(c.realm)
	if err != nil {
		return nil, fmt.Errorf("realm %q is not a URL: %v", c.realm, err)
	}
	if u.Fragment != "" || strings.Contains(c.realm, "#") {
		// The fragment would be signed but never sent: no server could rebuild the signed string.
		return nil, fmt.Errorf("realm %q has a #fragment; refusing to sign a URL the server never sees", c.realm)
	}
	q := u.Query()
	q.Add("service", c.service)
	for _, s := range strings.Split(c.scope, " ") {
		q.Add("scope", s)
	}
	q.Add("ts", strconv.FormatInt(ts, 10))
	q.Add("nonce", nonce)
	u.RawQuery = q.Encode()
	return u, nil
}

// ---------------------------------------------------------------------------------------------------
// WWW-Authenticate (RFC 9110 §11.6.1, §11.2, §5.6)
//
//	WWW-Authenticate = #challenge
//	challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	auth-param       = token BWS "=" BWS ( token / quoted-string )
//	token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//
// The comma separates both the auth-params of one challenge and the challenges of one field: after a
// comma, `token BWS "="` continues the current challenge, anything else starts a new one. Several
// field lines are one list joined with ", ", but a quoted-string never runs from one line into the
// next. Lenience beyond the ABNF, as registries need it: unquoted values may hold any visible ASCII
// except DQUOTE, "," and "\" (so realm=https://r/token parses), and HTAB counts as SP.

type challenge struct {
	scheme  string
	params  map[string]string // names lower-cased, values unquoted
	token68 string
}

type bearerChallenge struct {
	realm, service, scope string
}

type challengeParser struct {
	s    string
	pos  int
	ends map[int]bool // end offsets of the field lines inside s
}

func isTchar(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken68Char(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}

func isWS(c byte) bool { return c == ' ' || c == '\t' }

// isQdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text.
func isQdtext(c byte) bool {
	return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80
}

func (p *challengeParser) at(i int) int {
	if i < len(p.s) {
		return int(p.s[i])
	}
	return -1
}

func (p *challengeParser) fail(format string, args ...interface{}) error {
	near := p.s[p.pos:]
	if len(near) > 24 {
		near = near[:24]
	}
	return fmt.Errorf("malformed WWW-Authenticate at offset %d (near %q): %s", p.pos, near, fmt.Sprintf(format, args...))
}

func (p *challengeParser) skipWS(i int) int {
	for i < len(p.s) && isWS(p.s[i]) {
		i++
	}
	return i
}

func (p *challengeParser) skipListSeparators(i int) int {
	for i < len(p.s) && (isWS(p.s[i]) || p.s[i] == ',') {
		i++
	}
	return i
}

func (p *challengeParser) token(i int) string {
	j := i
	for j < len(p.s) && isTchar(p.s[j]) {
		j++
	}
	return p.s[i:j]
}

func (p *challengeParser) paramStartsAt(i int) bool {
	name := p.token(i)
	return name != "" && p.at(p.skipWS(i+len(name))) == '='
}

func (p *challengeParser) atFieldEnd(i int) bool { return i >= len(p.s) || p.ends[i] }

func parseChallenges(fields []string) ([]challenge, error) {
	var b strings.Builder
	ends := map[int]bool{}
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f)
		ends[b.Len()] = true
	}
	p := &challengeParser{s: b.String(), ends: ends}
	var out []challenge
	for {
		p.pos = p.skipListSeparators(p.pos)
		if p.pos >= len(p.s) {
			break
		}
		c, err := p.challenge()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (p *challengeParser) challenge() (challenge, error) {
	scheme := p.token(p.pos)
	if scheme == "" {
		return challenge{}, p.fail("expected an auth-scheme")
	}
	if p.at(p.skipWS(p.pos+len(scheme))) == '=' {
		return challenge{}, p.fail("expected an auth-scheme before the parameter %q", scheme)
	}
	p.pos += len(scheme)
	c := challenge{scheme: scheme, params: map[string]string{}}
	if next := p.at(p.pos); next == -1 || next == ',' {
		return c, nil
	}
	if !isWS(p.s[p.pos]) {
		return c, p.fail("expected a space after the auth-scheme %q", scheme)
	}
	q := p.skipWS(p.pos)
	if next := p.at(q); next == -1 || next == ',' {
		p.pos = q
		return c, nil
	}
	// token68, unless it is "name=" followed by more auth-params (then: an auth-param with no value).
	n := 0
	for q+n < len(p.s) && isToken68Char(p.s[q+n]) {
		n++
	}
	if n > 0 {
		for q+n < len(p.s) && p.s[q+n] == '=' {
			n++
		}
		after := p.skipWS(q + n)
		if next := p.at(after); next == -1 || next == ',' {
			t68 := p.s[q : q+n]
			ambiguous := strings.HasSuffix(t68, "=") && !strings.HasSuffix(t68, "==")
			if !(ambiguous && p.paramStartsAt(p.skipListSeparators(after))) {
				c.token68 = t68
				p.pos = after
				return c, nil
			}
		}
	}
	p.pos = q
	return c, p.params(&c)
}

func (p *challengeParser) params(c *challenge) error {
	for {
		name := p.token(p.pos)
		if name == "" {
			return p.fail("expected an auth-param name")
		}
		p.pos = p.skipWS(p.pos + len(name))
		if p.at(p.pos) != '=' {
			return p.fail("expected \"=\" after the auth-param name %q", name)
		}
		p.pos = p.skipWS(p.pos + 1)
		var value string
		if p.at(p.pos) == '"' {
			v, err := p.quoted(name)
			if err != nil {
				return err
			}
			value = v
		} else {
			j := p.pos
			for j < len(p.s) && p.s[j] >= 0x21 && p.s[j] <= 0x7e && p.s[j] != '"' && p.s[j] != ',' && p.s[j] != '\\' {
				j++
			}
			if j == p.pos {
				return p.fail("expected a value (token or quoted-string) for %q", name)
			}
			value = p.s[p.pos:j]
			p.pos = j
		}
		key := strings.ToLower(name)
		if _, dup := c.params[key]; dup {
			return p.fail("parameter %q appears twice in the %s challenge (RFC 9110 §11.2)", key, c.scheme)
		}
		c.params[key] = value

		p.pos = p.skipWS(p.pos)
		switch p.at(p.pos) {
		case -1:
			return nil
		case ',':
		default:
			return p.fail("expected \",\" or the end after the value of %q", name)
		}
		next := p.skipListSeparators(p.pos)
		if next >= len(p.s) || !p.paramStartsAt(next) {
			return nil // the end, or the next challenge: the outer loop takes it from the comma
		}
		p.pos = next
	}
}

func (p *challengeParser) quoted(name string) (string, error) {
	var v strings.Builder
	i := p.pos + 1
	for {
		if p.atFieldEnd(i) {
			p.pos = i
			return "", p.fail("unterminated quoted value of %q", name)
		}
		c := p.s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return v.String(), nil
		case c == '\\':
			if p.atFieldEnd(i + 1) {
				p.pos = i + 1
				return "", p.fail("unterminated quoted value of %q", name)
			}
			e := p.s[i+1]
			if !(e == '\t' || (e >= 0x20 && e <= 0x7e) || e >= 0x80) {
				p.pos = i + 1
				return "", p.fail("control character after \"\\\" in the value of %q", name)
			}
			v.WriteByte(e)
			i += 2
		case isQdtext(c):
			v.WriteByte(c)
			i++
		default:
			p.pos = i
			return "", p.fail("control character in the quoted value of %q", name)
		}
	}
}

// parseBearerChallenge picks the first Bearer challenge (scheme case-insensitive) of all the
// WWW-Authenticate field lines and requires a non-empty realm.
func parseBearerChallenge(fields []string) (bearerChallenge, error) {
	nonEmpty := false
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			nonEmpty = true
		}
	}
	if !nonEmpty {
		return bearerChallenge{}, fmt.Errorf("401 without a WWW-Authenticate challenge")
	}
	challenges, err := parseChallenges(fields)
	if err != nil {
		return bearerChallenge{}, err
	}
	var schemes []string
	for _, c := range challenges {
		if !strings.EqualFold(c.scheme, "Bearer") {
			schemes = append(schemes, c.scheme)
			continue
		}
		realm := c.params["realm"]
		if realm == "" {
			return bearerChallenge{}, fmt.Errorf("the Bearer challenge has no realm")
		}
		return bearerChallenge{realm: realm, service: c.params["service"], scope: c.params["scope"]}, nil
	}
	return bearerChallenge{}, fmt.Errorf("401 without a Bearer challenge (got %s)", strings.Join(schemes, ", "))
}
