// Differential oracle for src/protocol/go-url.ts: reads JSON cases on stdin, answers with what
// Go's own net/url does. Run by test/protocol/go-oracle.test.ts (GOPATH mode, stdlib only).
package main

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
)

// tokenURL is server/auth.go registryChallenge.URL() from ollama/ollama@fb30760 with ts and nonce fixed.
func tokenURL(realm, service, scope string) (string, error) {
	redirectURL, err := url.Parse(realm)
	if err != nil {
		return "", err
	}
	values := redirectURL.Query()
	values.Add("service", service)
	for _, s := range strings.Split(scope, " ") {
		values.Add("scope", s)
	}
	values.Add("ts", "1700000000")
	values.Add("nonce", "AAECAwQFBgcICQoLDA0ODw")
	redirectURL.RawQuery = values.Encode()
	return redirectURL.String(), nil
}

type query struct {
	Op      string `json:"op"`
	Input   string `json:"input"`
	Service string `json:"service"`
	Scope   string `json:"scope"`
}

type answer struct {
	Out   string `json:"out"`
	Host  string `json:"host,omitempty"`
	URI   string `json:"uri,omitempty"`
	Error bool   `json:"error"`
}

func main() {
	var qs []query
	if err := json.NewDecoder(os.Stdin).Decode(&qs); err != nil {
		panic(err)
	}
	out := make([]answer, 0, len(qs))
	for _, q := range qs {
		var a answer
		switch q.Op {
		case "query-escape":
			a.Out = url.QueryEscape(q.Input)
		case "path-escape":
			a.Out = url.PathEscape(q.Input)
		case "parse-encode":
			v, _ := url.ParseQuery(q.Input) // Go keeps the valid pairs and reports only the first error
			a.Out = v.Encode()
		case "token-url":
			u, err := tokenURL(q.Input, q.Service, q.Scope)
			a.Out, a.Error = u, err != nil
		case "parse-url":
			u, err := url.Parse(q.Input)
			if err != nil {
				a.Error = true
				break
			}
			a.Out, a.Host, a.URI = u.String(), u.Host, u.RequestURI()
		}
		out = append(out, a)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
