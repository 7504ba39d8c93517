package dare

import (
	"bytes"
	"crypto/aes"
	"testing"

	"pgregory.net/rapid"
)

// unpadByLoop is the plain PKCS#7 check, an oracle for the constant-time unpad.
func unpadByLoop(b []byte) ([]byte, bool) {
	if len(b) < aes.BlockSize {
		return nil, false
	}
	pad := int(b[len(b)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, false
	}
	for _, c := range b[len(b)-pad:] {
		if int(c) != pad {
			return nil, false
		}
	}
	return b[:len(b)-pad], true
}

func TestUnpad(t *testing.T) {
	block := func(tail ...byte) []byte { return append(bytes.Repeat([]byte{'x'}, aes.BlockSize-len(tail)), tail...) }
	for _, tt := range []struct {
		name string
		in   []byte
		n    int // bytes of plaintext, -1 refused
	}{
		{"pad 1", block(1), 15},
		{"pad 2", block(2, 2), 14},
		{"a whole block of padding", bytes.Repeat([]byte{16}, 16), 0},
		{"pad 0", block(0), -1},
		{"pad 17", block(17), -1},
		{"pad 255", block(255), -1},
		{"a wrong byte inside the padding", block(3, 4, 3, 3)[0:16], -1},
		{"a wrong first padding byte", block(2, 3, 3), -1},
		{"short", []byte{1}, -1},
		{"second block", append(bytes.Repeat([]byte{'y'}, 16), block(4, 4, 4, 4)...), 28},
	} {
		got, ok := unpad(tt.in)
		if (tt.n < 0) == ok || (ok && len(got) != tt.n) {
			t.Errorf("%s: unpad = %d bytes, %v; want %d", tt.name, len(got), ok, tt.n)
		}
	}
	// Every tail of padding-like bytes, against the plain check.
	rapid.Check(t, func(t *rapid.T) {
		blocks := rapid.IntRange(1, 3).Draw(t, "blocks")
		b := rapid.SliceOfN(rapid.Byte(), blocks*aes.BlockSize, blocks*aes.BlockSize).Draw(t, "b")
		pad := rapid.IntRange(0, 18).Draw(t, "pad")
		for i := 0; i < pad && i < len(b); i++ {
			b[len(b)-1-i] = byte(pad)
		}
		if rapid.Bool().Draw(t, "spoil") {
			b[len(b)-1-rapid.IntRange(0, aes.BlockSize-1).Draw(t, "at")] ^= byte(rapid.IntRange(1, 255).Draw(t, "x"))
		}
		got, ok := unpad(b)
		want, wantOK := unpadByLoop(b)
		if ok != wantOK || !bytes.Equal(got, want) {
			t.Fatalf("unpad(%x) = %x, %v; the plain check says %x, %v", b, got, ok, want, wantOK)
		}
	})
}
