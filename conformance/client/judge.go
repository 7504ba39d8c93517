package client

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// Nonce sizes of the protocol: 128 bits (WIRE.md 5, NOTE-AUTH).
const nonceSize = 16

// judgeNonces checks the ClientNonces and Authorization nonces the client sent.
func judgeNonces(t *harness.T, s *session) {
	var nonces [][]byte
	seen := map[string]string{}
	add := func(what string, n []byte) {
		if len(n) != nonceSize {
			t.Failf("a %s of %d bytes: nonces are %d bytes (128 bits)", what, len(n), nonceSize)
		}
		if prev, dup := seen[string(n)]; dup {
			t.Failf("a %s repeats an earlier %s (%x): nonces must be fresh", what, prev, n)
		}
		seen[string(n)] = what
		nonces = append(nonces, n)
	}
	for _, r := range s.requests("") {
		if hv := r.Header.Get("Authorization"); hv != "" {
			if h, err := auth.Parse(hv); err == nil {
				n, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(h.Nonce, "="))
				if err != nil {
					t.Failf("an Authorization nonce is not base64url: %q", h.Nonce)
				}
				add("Authorization nonce", n)
			}
		}
		if r.Tx != "ConnectStart" {
			continue
		}
		req, _, err := mesh.DecodeRequest(r.Body, nil)
		if err != nil {
			continue
		}
		cs, ok := req.(*mesh.ConnectStartRequest)
		if !ok || cs.SignedRequest == nil {
			continue
		}
		v, err := auth.Open(cs.SignedRequest)
		if err != nil {
			continue
		}
		if mcr, ok := v.(*mesh.MessageConnectionRequest); ok {
			add("ClientNonce", mcr.ClientNonce)
		}
	}
	if len(nonces) < 4 {
		t.Skip(fmt.Sprintf("only %d nonces were sent: too few to judge", len(nonces)))
	}
	frac, n := onesFraction(nonces)
	t.Logf("%d nonces, %d bits, %.3f of them ones", len(nonces), n, frac)
	if frac < 0.38 || frac > 0.62 {
		t.Failf("the nonces' bits are unbalanced: %.1f%% ones over %d bits; a random source gives 50%% +- %.1f%%", 100*frac, n, 100*1.5/float64(max(1, isqrt(n))))
	}
}

func isqrt(n int) int {
	r := 0
	for (r+1)*(r+1) <= n {
		r++
	}
	return r
}

// publicKeysSent collects every public key (a "Public" member) in the requests the client sent,
// looking inside DARE payloads: the keys whose private halves the state directory holds.
func publicKeysSent(s *session) [][]byte {
	var out [][]byte
	for _, r := range s.requests("") {
		var v any
		if json.Unmarshal(r.Body, &v) == nil {
			collectPublic(v, 0, &out)
		}
	}
	return out
}

func collectPublic(v any, depth int, out *[][]byte) {
	if depth > 32 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "Public" {
				if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
					*out = append(*out, b)
				}
				continue
			}
			collectPublic(e, depth+1, out)
		}
	case []any:
		for _, e := range x {
			collectPublic(e, depth+1, out)
		}
	case string:
		// A DARE payload is base64url of a JSON document.
		if len(x) < 8 {
			return
		}
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(x, "="))
		if err != nil || len(b) == 0 || b[0] != '{' {
			return
		}
		var inner any
		if json.Unmarshal(b, &inner) == nil {
			collectPublic(inner, depth+1, out)
		}
	}
}

var tokenRE = regexp.MustCompile(`[A-Za-z0-9_\-+/]{40,}={0,2}`)

// seedAlgorithms are the key types whose seed size identifies a candidate.
var seedAlgorithms = []keys.Algorithm{keys.Ed448, keys.Ed25519, keys.X448, keys.X25519}

// holdsPrivateKey reports whether data contains the seed of a key whose public key is in pubs:
// the whole file raw, or any token decoded as hex, base64 or base64url.
func holdsPrivateKey(data []byte, pubs [][]byte) bool {
	candidates := [][]byte{data}
	for _, tok := range tokenRE.FindAll(data, 256) {
		s := string(tok)
		if b, err := hex.DecodeString(s); err == nil {
			candidates = append(candidates, b)
		}
		if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
			candidates = append(candidates, b)
		}
		if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
			candidates = append(candidates, b)
		}
	}
	for _, c := range candidates {
		for _, alg := range seedAlgorithms {
			if len(c) != alg.SeedSize() {
				continue
			}
			k, err := keys.FromSeed(alg, c)
			if err != nil {
				continue
			}
			for _, p := range pubs {
				if bytes.Equal(k.PublicBytes(), p) {
					return true
				}
			}
		}
	}
	return false
}

// maxStateFile bounds what is read of one state file.
const maxStateFile = 1 << 20

// judgeState applies the "keys at rest" rule of docs/SHIM.md to a state directory.
func judgeState(t *harness.T, dir string, pubs [][]byte) {
	if len(pubs) == 0 {
		t.Skip("the client sent no public key, so no private key can be recognised")
	}
	found := 0
	var problems []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		mode := info.Mode()
		switch {
		case mode.IsDir():
			if mode.Perm()&0o077 != 0 {
				problems = append(problems, fmt.Sprintf("directory %s is %04o: group or others have access", rel, mode.Perm()))
			}
		case mode.IsRegular():
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			data := make([]byte, maxStateFile)
			n, _ := f.Read(data)
			f.Close()
			if holdsPrivateKey(data[:n], pubs) {
				found++
				if mode.Perm()&0o077 != 0 {
					problems = append(problems, fmt.Sprintf("%s holds a private key and is %04o: readable beyond its owner", rel, mode.Perm()))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Skip("the state directory could not be read: " + err.Error())
	}
	t.Logf("%d file(s) hold private key material recognisably", found)
	if len(problems) > 0 {
		t.Fail(harness.Finding{Message: "private keys are not protected at rest: " + strings.Join(problems, "; "), Observed: problems})
	}
}
