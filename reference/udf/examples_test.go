package udf

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// examplesPath is the published UDF-draft example file; values are read from it rather than
// retyped so that a transcription slip cannot make a wrong implementation pass.
var examplesPath = filepath.Join("..", "..", "testdata", "external", "udf-draft-examples.txt")

func readExamples(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(examplesPath)
	if err != nil {
		t.Fatalf("reading examples: %v", err)
	}
	return string(b)
}

// hexBlock returns the n-th (0-based) hex dump following a line that starts with label.
func hexBlock(t testing.TB, text, label string, n int) []byte {
	t.Helper()
	lines := strings.Split(text, "\n")
	seen := 0
	for i, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), label) {
			continue
		}
		if seen < n {
			seen++
			continue
		}
		var sb strings.Builder
		for _, h := range lines[i+1:] {
			h = strings.TrimSpace(h)
			if h == "" || !regexp.MustCompile(`^([0-9A-F]{2}\s*)+$`).MatchString(h) {
				break
			}
			sb.WriteString(strings.ReplaceAll(h, " ", ""))
		}
		b, err := hex.DecodeString(sb.String())
		if err != nil || len(b) == 0 {
			t.Fatalf("hex block %q #%d: %v", label, n, err)
		}
		return b
	}
	t.Fatalf("hex block %q #%d not found", label, n)
	return nil
}

// summaryLine returns the summary line that starts with prefix.
func summaryLine(t testing.TB, text, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("summary line %q not found", prefix)
	return ""
}

var udfRE = regexp.MustCompile(`[A-Z2-7]{4}(?:-[A-Z2-7]{4}){4,}(?:-[A-Z2-7]{1,4})?`)

func TestExampleDigestsAtEveryPrecision(t *testing.T) {
	text := readExamples(t)
	line := summaryLine(t, text, "'UDF Data Value' text/plain SHA-2-512:")
	parts := regexp.MustCompile(`(\d+)b ([A-Z2-7-]+)`).FindAllStringSubmatch(line, -1)
	if len(parts) != 5 {
		t.Fatalf("want 5 precisions, got %d in %q", len(parts), line)
	}
	for _, p := range parts {
		t.Run(p[1]+"bits", func(t *testing.T) {
			if !strings.Contains(text, "<dd>"+p[2]) && !strings.Contains(text, "is "+p[2]) {
				t.Fatalf("summary value %s is not in the exact text", p[2])
			}
			var bits int
			for _, c := range p[1] {
				bits = bits*10 + int(c-'0')
			}
			got, err := Digest(SHA2, "text/plain", []byte("UDF Data Value"), bits)
			if err != nil {
				t.Fatal(err)
			}
			if got != p[2] {
				t.Fatalf("got %s want %s", got, p[2])
			}
		})
	}
}

func TestExampleDigestTable(t *testing.T) {
	text := readExamples(t)
	type tc struct {
		name, prefix string
		alg          Alg
		data         string
		typ          byte
	}
	cases := []tc{
		{"sha3", "'UDF Data Value' text/plain SHA-3-512 140b:", SHA3, "UDF Data Value", TypeDigestSHA3},
		{"sha2-compressed", "'UDF Compressed Document 4187123'", SHA2, "UDF Compressed Document 4187123", TypeDigestSHA2Comp},
		{"sha3-compressed", "'UDF Compressed Document 774665'", SHA3, "UDF Compressed Document 774665", TypeDigestSHA3Comp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line := summaryLine(t, text, c.prefix)
			want := udfRE.FindString(line[strings.Index(line, ":"):])
			if !strings.Contains(text, "\n"+want) && !strings.Contains(text, "is "+want) {
				t.Fatalf("summary value %s is not in the exact text", want)
			}
			bin, err := DigestBinary(c.alg, "text/plain", []byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			if bin[0] != c.typ {
				t.Fatalf("type byte %#x want %#x", bin[0], c.typ)
			}
			got, _ := Present(bin, DefaultBits)
			if got != want {
				t.Fatalf("got %s want %s", got, want)
			}
		})
	}
	// UDFDigest.md: 'UDF Content Data' in both algorithms.
	line := summaryLine(t, text, "'UDF Content Data' text/plain:")
	vals := udfRE.FindAllString(line, -1)
	if len(vals) != 4 { // SHA-2, SHA-3, MAC key, MAC
		t.Fatalf("want 4 values in %q", line)
	}
	for i, alg := range []Alg{SHA2, SHA3} {
		got, err := Digest(alg, "text/plain", []byte("UDF Content Data"), DefaultBits)
		if err != nil || got != vals[i] {
			t.Fatalf("%v: got %s want %s (%v)", alg, got, vals[i], err)
		}
	}
	got, err := Authenticator(vals[2], "text/plain", []byte("UDF Content Data"), DefaultBits)
	if err != nil || got != vals[3] {
		t.Fatalf("MAC: got %s want %s (%v)", got, vals[3], err)
	}
}

// TestExampleIntermediates checks every hex dump of UDFDigestLong and UDFAuthenticatorLong,
// so a wrong step is located even when the final value would hide it.
func TestExampleIntermediates(t *testing.T) {
	text := readExamples(t)
	const outer = "H(&<Content-ID> + ‘:’ + H(&<Data>)) ="
	cases := []struct {
		name  string
		alg   Alg
		data  string
		index int
	}{
		{"sha2", SHA2, "UDF Data Value", 0},
		{"sha3", SHA3, "UDF Data Value", 1},
		{"sha2-compressed", SHA2, "UDF Compressed Document 4187123", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := ContentDigest(c.alg, "text/plain", []byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			if want := hexBlock(t, text, outer, c.index); string(d) != string(want) {
				t.Fatalf("D = %X want %X", d, want)
			}
			bin, _ := DigestBinary(c.alg, "text/plain", []byte(c.data))
			want := hexBlock(t, text, "The prefixed Binary Data Sequence is thus", c.index)
			if string(bin[:len(want)]) != string(want) {
				t.Fatalf("binary = %X want %X", bin[:len(want)], want)
			}
		})
	}
	t.Run("authenticator", func(t *testing.T) {
		line := summaryLine(t, text, "'Konrad is the traitor'")
		vals := udfRE.FindAllString(line, -1) // key, then result
		key, want := vals[0], vals[1]
		k, err := AuthenticatorKey(key)
		if err != nil {
			t.Fatal(err)
		}
		if w := hexBlock(t, text, "HKDF(Key) =", 0); string(k) != string(w) {
			t.Fatalf("HKDF(Key) = %X want %X", k, w)
		}
		bin, _ := AuthenticatorBinary(key, "text/plain", []byte("Konrad is the traitor"))
		if w := hexBlock(t, text, "MAC(&<key>", 0); string(bin[1:]) != string(w) {
			t.Fatalf("MAC = %X want %X", bin[1:], w)
		}
		if got, _ := Present(bin, DefaultBits); got != want {
			t.Fatalf("got %s want %s", got, want)
		}
	})
}

func TestExampleSecrets(t *testing.T) {
	text := readExamples(t)
	line := summaryLine(t, text, "secret ")
	m := regexp.MustCompile(`secret ([0-9A-F]+) -> ([A-Z2-7-]+)`).FindAllStringSubmatch(line, -1)
	if len(m) != 2 {
		t.Fatalf("want 2 secrets in %q", line)
	}
	for _, x := range m {
		v, _ := hex.DecodeString(x[1])
		if got := FromBytes(TypeSecret, v); got != x[2] {
			t.Fatalf("secret %s: got %s want %s", x[1], got, x[2])
		}
		p, err := Parse(x[2])
		if err != nil || p.Type != TypeSecret || hex.EncodeToString(p.Value()) != strings.ToLower(x[1]) {
			t.Fatalf("parse %s: %+v %v", x[2], p, err)
		}
	}
}

// TestOneBitOff makes sure the comparison of vectors is sensitive: flipping any single bit of
// the digest input changes the presentation.
func TestOneBitOff(t *testing.T) {
	want, _ := Digest(SHA2, "text/plain", []byte("UDF Data Value"), DefaultBits)
	data := []byte("UDF Data Value")
	for i := range 8 * len(data) {
		d := append([]byte(nil), data...)
		d[i/8] ^= 1 << (i % 8)
		if got, _ := Digest(SHA2, "text/plain", d, DefaultBits); got == want {
			t.Fatalf("bit %d flipped, same UDF", i)
		}
	}
}
