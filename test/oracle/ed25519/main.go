// Differential oracle for src/protocol/ed25519.ts verifyEd25519: reads JSON cases on stdin
// ([{"public_key","message","signature"}], hex), answers with Go's own crypto/ed25519.Verify for each
// ([{"valid": bool}] in the same order). Run by test/protocol/ed25519-oracle.test.ts (GOPATH mode,
// stdlib only). Go panics on a public key that is not 32 bytes; the answer is then an error.
package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
)

type query struct {
	PublicKey string `json:"public_key"`
	Message   string `json:"message"`
	Signature string `json:"signature"`
}

type answer struct {
	Valid bool   `json:"valid"`
	Error string `json:"error,omitempty"`
}

func decode(field, value string) ([]byte, error) {
	b, err := hex.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("%s: expected hex, got %q: %v", field, value, err)
	}
	return b, nil
}

func verify(q query) answer {
	pub, err := decode("public_key", q.PublicKey)
	if err == nil && len(pub) != ed25519.PublicKeySize {
		err = fmt.Errorf("public_key: expected %d bytes, got %d", ed25519.PublicKeySize, len(pub))
	}
	if err != nil {
		return answer{Error: err.Error()}
	}
	msg, err := decode("message", q.Message)
	if err != nil {
		return answer{Error: err.Error()}
	}
	sig, err := decode("signature", q.Signature)
	if err != nil {
		return answer{Error: err.Error()}
	}
	return answer{Valid: ed25519.Verify(ed25519.PublicKey(pub), msg, sig)}
}

func main() {
	var qs []query
	if err := json.NewDecoder(os.Stdin).Decode(&qs); err != nil {
		fmt.Fprintf(os.Stderr, "ed25519 oracle: expected a JSON array of cases on stdin: %v\n", err)
		os.Exit(2)
	}
	out := make([]answer, 0, len(qs))
	for _, q := range qs {
		out = append(out, verify(q))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "ed25519 oracle: %v\n", err)
		os.Exit(2)
	}
}
