package shamir

import (
	"bytes"
	"crypto/sha3"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/udf"
)

func examples(t testing.TB) string {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "external", "udf-draft-examples.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExampleSplit recomputes UDFSplit.md: with the printed coefficients the shares must be
// the printed f(1)..f(5), in decimal, in bytes and as UDFs, and any 3 recover the secret.
func TestExampleSplit(t *testing.T) {
	text := examples(t)
	num := func(name string) *big.Int {
		m := regexp.MustCompile(regexp.QuoteMeta(name) + ` = (\d+)`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("%s not found", name)
		}
		v, _ := new(big.Int).SetString(m[1], 10)
		return v
	}
	secretHex := regexp.MustCompile(`Alice's master secret is\s+([0-9A-F ]+)\n`).FindStringSubmatch(text)
	secret, _ := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(secretHex[1]), " ", ""))
	if new(big.Int).SetBytes(secret).Cmp(num("a0")) != 0 {
		t.Fatal("a0 is not the secret")
	}
	p, _ := Prime(len(secret))
	shares, ok := evaluate([]*big.Int{num("a0"), num("a1"), num("a2")}, p, 5, len(secret))
	if !ok {
		t.Fatal("example shares do not fit")
	}
	udfs := regexp.MustCompile(`f\((\d)\) = (SA[A-Z2-7-]+)`).FindAllStringSubmatch(text, -1)
	if len(udfs) != 5 {
		t.Fatalf("found %d share UDFs", len(udfs))
	}
	for i, s := range shares {
		if new(big.Int).SetBytes(s.Value).Cmp(num("f("+string(rune('1'+i))+")")) != 0 {
			t.Errorf("f(%d) = %x", i+1, s.Value)
		}
		if s.String() != udfs[i][2] {
			t.Errorf("share %d = %s want %s", i+1, s.String(), udfs[i][2])
		}
		parsed, err := ParseShare(udfs[i][2])
		if err != nil || parsed.X != i+1 || parsed.Threshold != 3 || !bytes.Equal(parsed.Value, s.Value) {
			t.Errorf("parse %s: %+v %v", udfs[i][2], parsed, err)
		}
	}
	wantUDF := regexp.MustCompile(`This has the UDF representation:\s+([A-Z2-7-]+)`).FindStringSubmatch(text)[1]
	if SecretUDF(secret) != wantUDF {
		t.Fatalf("secret UDF %s want %s", SecretUDF(secret), wantUDF)
	}
	for a := 0; a < 5; a++ {
		for b := a + 1; b < 5; b++ {
			for c := b + 1; c < 5; c++ {
				got, err := Recover([]Share{shares[c], shares[a], shares[b]})
				if err != nil || SecretUDF(got) != wantUDF {
					t.Fatalf("recover %d,%d,%d: %x %v", a, b, c, got, err)
				}
			}
		}
	}
}

// TestExampleShare recovers UDFShare.md's key from its three printed 2-of-3 shares.
func TestExampleShare(t *testing.T) {
	text := examples(t)
	key := regexp.MustCompile(`Key:\s+([A-Z2-7-]+)`).FindStringSubmatch(text)[1]
	m := regexp.MustCompile(`Share \d: (SA[A-Z2-7-]+)`).FindAllStringSubmatch(text, -1)
	var shares []Share
	for _, s := range m {
		sh, err := ParseShare(s[1])
		if err != nil {
			t.Fatal(err)
		}
		shares = append(shares, sh)
	}
	for _, pair := range [][2]int{{0, 1}, {0, 2}, {1, 2}} {
		got, err := Recover([]Share{shares[pair[0]], shares[pair[1]]})
		if err != nil || SecretUDF(got) != key {
			t.Fatalf("pair %v: %s %v", pair, SecretUDF(got), err)
		}
	}
	if _, err := Recover(shares[:1]); !errors.Is(err, ErrQuorum) {
		t.Fatalf("one share: %v", err)
	}
	sec, err := ParseSecret(key)
	if err != nil || SecretUDF(sec) != key {
		t.Fatalf("ParseSecret: %x %v", sec, err)
	}
}

func TestPrimes(t *testing.T) {
	p, _ := Prime(16)
	want, _ := new(big.Int).SetString("340282366920938463463374607431768211507", 10) // 2^128 + 51
	if p.Cmp(want) != 0 {
		t.Fatalf("p(128) = %v", p)
	}
	for m := 1; m <= 16; m++ {
		p, err := Prime(4 * m)
		if err != nil || !p.ProbablyPrime(20) {
			t.Fatalf("m=%d: %v is not prime (%v)", m, p, err)
		}
	}
}

func seeded(seed string) *sha3.SHAKE {
	h := sha3.NewSHAKE256()
	h.Write([]byte(seed))
	return h
}

func TestSplitRecoverRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := 4 * rapid.IntRange(1, 16).Draw(t, "m")
		secret := rapid.SliceOfN(rapid.Byte(), size, size).Draw(t, "secret")
		n := rapid.IntRange(1, MaxShares).Draw(t, "n")
		k := rapid.IntRange(1, n).Draw(t, "k")
		shares, err := Split(secret, n, k, seeded(rapid.String().Draw(t, "seed")))
		if err != nil {
			t.Fatal(err)
		}
		perm := rapid.Permutation(shares).Draw(t, "perm")
		q := rapid.IntRange(k, n).Draw(t, "quorum")
		got, err := Recover(perm[:q])
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("%d of %d with %d shares: %x %v", k, n, q, got, err)
		}
		// Every share round-trips through its UDF.
		for _, s := range perm[:q] {
			back, err := ParseShare(s.String())
			if err != nil || back.X != s.X || back.Threshold != k || !bytes.Equal(back.Value, s.Value) {
				t.Fatalf("share %s: %+v %v", s, back, err)
			}
		}
		if k > 1 {
			if _, err := Recover(perm[:k-1]); !errors.Is(err, ErrQuorum) {
				t.Fatalf("k-1 shares: %v", err)
			}
			// Interpolating too few points gives another value (the polynomial is of degree
			// k-1), which is what the threshold check in Recover protects against.
			p, _ := Prime(size)
			low := interpolate(perm[:k-1], p)
			if bytes.Equal(low.FillBytes(make([]byte, size+1))[1:], secret) && low.BitLen() <= 8*size {
				// Only possible by a 1/p coincidence.
				t.Fatalf("k-1 shares gave the secret")
			}
		}
	})
}

func TestSplitErrors(t *testing.T) {
	cases := []struct {
		name   string
		secret []byte
		n, k   int
		r      []byte
		want   error
	}{
		{"empty secret", nil, 3, 2, nil, ErrSecretSize},
		{"odd secret", make([]byte, 15), 3, 2, nil, ErrSecretSize},
		{"huge secret", make([]byte, 68), 3, 2, nil, ErrSecretSize},
		{"16 shares", make([]byte, 16), 16, 2, nil, ErrCount},
		{"k > n", make([]byte, 16), 3, 4, nil, ErrCount},
		{"k = 0", make([]byte, 16), 3, 0, nil, ErrCount},
		{"no randomness", make([]byte, 16), 3, 2, []byte{1, 2}, ErrRandom},
	}
	for _, c := range cases {
		_, err := Split(c.secret, c.n, c.k, bytes.NewReader(c.r))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v want %v", c.name, err, c.want)
		}
	}
	sh, _ := Split(make([]byte, 16), 3, 2, seeded("x"))
	other, _ := Split(make([]byte, 20), 3, 2, seeded("x"))
	rec := []struct {
		name   string
		shares []Share
		want   error
	}{
		{"none", nil, ErrQuorum},
		{"duplicate x", []Share{sh[0], sh[0]}, ErrMismatch},
		{"sizes differ", []Share{sh[0], other[1]}, ErrMismatch},
		{"thresholds differ", []Share{sh[0], {Threshold: 3, X: 2, Value: sh[1].Value}}, ErrMismatch},
		{"x = 0", []Share{{Threshold: 1, X: 0, Value: sh[0].Value}}, ErrShare},
	}
	for _, c := range rec {
		if _, err := Recover(c.shares); !errors.Is(err, c.want) {
			t.Errorf("recover %s: %v want %v", c.name, err, c.want)
		}
	}
	parse := []string{
		"EALD-BHS4-SQXO-V7HJ-VPGX-36DA-JS2Q",   // a secret, not a share
		"SAYJ-OTZO-MWKO-CRSP-VBSG-SNMM-FXYM",   // 17 bytes: value truncated
		"SADJ-OTZO-MWKO-CRSP-VBSG-SNMM-FXYM-A", // threshold 0
		"SAYJ-OTZO",
	}
	for _, s := range parse {
		if _, err := ParseShare(s); !errors.Is(err, ErrShare) {
			t.Errorf("ParseShare(%s): %v", s, err)
		}
	}
}

func TestEscrowKey(t *testing.T) {
	for _, alg := range keys.Algorithms {
		k, _ := keys.Derive(alg, []byte("escrow"), "k")
		shares, err := EscrowKey(k, 5, 3, seeded(alg.String()))
		if err != nil {
			t.Fatal(err)
		}
		back, err := RecoverKey(alg, []Share{shares[4], shares[0], shares[2]})
		if err != nil || !bytes.Equal(back.PublicBytes(), k.PublicBytes()) {
			t.Fatalf("%v: %v", alg, err)
		}
		if _, err := RecoverKey(alg, shares[:2]); !errors.Is(err, ErrQuorum) {
			t.Fatalf("%v with 2 shares: %v", alg, err)
		}
	}
	k, _ := keys.Derive(keys.Ed25519, nil, "k")
	shares, _ := EscrowKey(k, 2, 2, seeded("s"))
	if _, err := RecoverKey(keys.Ed448, shares); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong algorithm: %v", err)
	}
}

func FuzzParseShare(f *testing.F) {
	for _, s := range []string{"SAYJ-OTZO-MWKO-CRSP-VBSG-SNMM-FXYM-A", "SAQK-72HP-JWES-6CWN-JKTU-PW7X-FAOL-W", "SAYJ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShare(s)
		if err != nil {
			return
		}
		if sh.X < 1 || sh.X > MaxShares || sh.Threshold < 1 || !udf.Compare(sh.String(), s) {
			t.Fatalf("parsed %q as %+v", s, sh)
		}
		_, _ = Recover([]Share{sh})
	})
}
