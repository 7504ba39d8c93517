package udf

import (
	"bytes"
	"crypto/sha512"
	"errors"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

const sample = "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF" // SHA-2-512 of 'UDF Data Value'

func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr error
		typ     byte
		bits    int
	}{
		{"canonical", sample, nil, TypeDigestSHA2, 140},
		{"lower case", strings.ToLower(sample), nil, TypeDigestSHA2, 140},
		{"no dashes", strings.ReplaceAll(sample, "-", ""), nil, TypeDigestSHA2, 140},
		{"short last group", "MDDK-7N6A-727A-JZNO-STRX-X", nil, TypeDigestSHA2, 105},
		{"empty", "", ErrEmpty, 0, 0},
		{"bad letter", "MDDK-7N6A-727A-JZNO-STR1-XKS7", ErrAlphabet, 0, 0},
		{"padding", "MDDK-7N6A-727A-JZNO-STRX-XKS=", ErrAlphabet, 0, 0},
		{"space", "MDDK-7N6A-727A JZNO-STRX-XKS7", ErrAlphabet, 0, 0},
		{"leading dash", "-MDDK-7N6A-727A-JZNO-STRX-XKS7", ErrDash, 0, 0},
		{"trailing dash", "MDDK-7N6A-727A-JZNO-STRX-XKS7-", ErrDash, 0, 0},
		{"double dash", "MDDK--7N6A-727A-JZNO-STRX-XKS7", ErrDash, 0, 0},
		{"dash after 3", "MDD-K7N6-A727-AJZN-OSTR-XXKS-7", ErrDash, 0, 0},
		{"missing dash", "MDDK-7N6A727A-JZNO-STRX-XKS7", ErrDash, 0, 0},
		{"too short", "MDDK-7N6A-727A-JZNO-STR", ErrTooShort, 0, 0},
		{"too long", strings.Repeat("A", MaxChars+1), ErrTooLong, 0, 0},
		{"unknown type 0x70", "OAYC-4MAH-AYBS-WZLQ-AUAA-GIYA", ErrUnknownType, 0, 0},
		{"nonce", "NB2U-NLDC-ZBEJ-VPWS-AHWM-CA72-4AMA", nil, TypeNonce, 140},
		{"share", "SAYJ-OTZO-MWKO-CRSP-VBSG-SNMM-FXYM-A", nil, TypeShare, 145},
		{"authenticator", "ABGM-G76T-7GPF-FTYH-SB2F-HBDF-SW6B", nil, TypeAuthenticatorSHA2, 140},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse(c.in)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("err %T is not a *ParseError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Type != c.typ || p.Bits != c.bits {
				t.Fatalf("type %#x bits %d, want %#x %d", p.Type, p.Bits, c.typ, c.bits)
			}
			if !Compare(p.Text, c.in) {
				t.Fatalf("canonical %s does not compare equal to %s", p.Text, c.in)
			}
		})
	}
}

func TestParseBytes(t *testing.T) {
	p, err := Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := DigestBinary(SHA2, "text/plain", []byte("UDF Data Value"))
	// 140 bits carry 17 whole bytes.
	if !bytes.Equal(p.Bytes, bin[:17]) {
		t.Fatalf("bytes %X want %X", p.Bytes, bin[:17])
	}
}

func TestCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{sample, sample, true},
		{sample, strings.ToLower(sample), true},
		{sample, strings.ReplaceAll(sample, "-", ""), true},
		{sample, "MDDK-7N6A-727A-JZNO-STRX", true}, // shorter as prefix
		{"MDDK-7N6A", sample, true},
		{sample, "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAG", false},
		{sample, "NDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF", false},
		{sample, "", false},
		{"", "", false},
		{"-", sample, false},
	}
	for _, c := range cases {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%q, %q) = %v want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestPresentErrors(t *testing.T) {
	cases := []struct {
		bin  []byte
		bits int
	}{{[]byte{1, 2}, 0}, {[]byte{1, 2}, -5}, {[]byte{1, 2}, 17}, {nil, 1}}
	for _, c := range cases {
		if _, err := Present(c.bin, c.bits); !errors.Is(err, ErrPrecision) {
			t.Errorf("Present(%x, %d): err %v", c.bin, c.bits, err)
		}
	}
	if _, err := ParseAlg("md5"); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("ParseAlg(md5): %v", err)
	}
	if _, err := Digest(Alg(7), "x", nil, 140); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("Digest(Alg 7): %v", err)
	}
	if _, err := Random(bytes.NewReader(nil), TypeNonce, 128); err == nil {
		t.Error("Random from an empty reader succeeded")
	}
	if _, err := Random(bytes.NewReader(make([]byte, 64)), TypeNonce, 12); !errors.Is(err, ErrPrecision) {
		t.Errorf("Random 12 bits: %v", err)
	}
}

func TestNonceAndSecret(t *testing.T) {
	src := bytes.NewReader(bytes.Repeat([]byte{0xA5}, 64))
	n, err := Nonce(src, 128)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Secret(src, 128)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		udf string
		typ byte
	}{{n, TypeNonce}, {s, TypeSecret}} {
		p, err := Parse(c.udf)
		if err != nil || p.Type != c.typ || len(c.udf) != 34 || !bytes.Equal(p.Value(), bytes.Repeat([]byte{0xA5}, 16)) {
			t.Fatalf("%s: %+v %v", c.udf, p, err)
		}
	}
}

// Every presentation is a prefix of the presentation at higher precision, parses back to
// the same leading bytes, and compares equal to its own lower-case, undashed form.
func TestPresentRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		data := rapid.SliceOfN(rapid.Byte(), 0, 256).Draw(t, "data")
		alg := Alg(rapid.IntRange(0, 1).Draw(t, "alg"))
		lo := rapid.IntRange(MinChars*5, 520).Draw(t, "lo")
		hi := rapid.IntRange(lo, 520).Draw(t, "hi")
		bin, err := DigestBinary(alg, "application/octet-stream", data)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := Present(bin, lo)
		b, _ := Present(bin, hi)
		if !Compare(a, b) || !strings.HasPrefix(strings.ReplaceAll(b, "-", ""), strings.ReplaceAll(a, "-", "")) {
			t.Fatalf("%s is not a prefix of %s", a, b)
		}
		p, err := Parse(strings.ToLower(strings.ReplaceAll(b, "-", "")))
		if err != nil {
			t.Fatal(err)
		}
		if p.Text != b || !bytes.Equal(p.Bytes, bin[:len(p.Bytes)]) || len(p.Bytes) != p.Bits/8 {
			t.Fatalf("parse of %s gave %+v", b, p)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{sample, "NB2U-NLDC-ZBEJ-VPWS-AHWM-CA72-4AMA", "SAYJ-OTZO-MWKO-CRSP-VBSG-SNMM-FXYM-A", "", "-", "a-b", strings.Repeat("7", 30)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Whatever parses is canonical after one round and compares equal to the input.
		q, err := Parse(p.Text)
		if err != nil || q.Text != p.Text || !bytes.Equal(q.Bytes, p.Bytes) || !Compare(s, p.Text) {
			t.Fatalf("round trip of %q: %+v %v", s, q, err)
		}
	})
}

var benchBuf = bytes.Repeat([]byte("meshconform benchmark payload "), 1<<20/30+1)[:1<<20]

func BenchmarkDigest1MiB(b *testing.B) {
	b.SetBytes(int64(len(benchBuf)))
	for b.Loop() {
		if _, err := Digest(SHA2, "application/octet-stream", benchBuf, DefaultBits); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA512Baseline is the bare hash over the same buffer: Digest should cost no more
// than this plus a constant.
func BenchmarkSHA512Baseline1MiB(b *testing.B) {
	b.SetBytes(int64(len(benchBuf)))
	for b.Loop() {
		sha512.Sum512(benchBuf)
	}
}
