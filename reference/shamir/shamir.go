package shamir

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/udf"
)

// MaxShares is the largest share count: the x value lives in the low nibble as x-1.
const MaxShares = 15

// primeOffsets are c in p = 2^(32m) + c[m-1] (WIRE.md 5); m = secret bits / 32.
var primeOffsets = [...]int64{15, 13, 61, 51, 7, 133, 735, 297, 127, 27, 55, 231, 235, 211, 165, 75}

// maxRedraws bounds the coefficient redraw loop. A redraw happens with probability about
// n*c/2^(32m) per draw, so reaching this bound means the randomness source is broken.
const maxRedraws = 1000

// Errors callers branch on.
var (
	ErrSecretSize = errors.New("secret must be 4 to 64 bytes, a multiple of 4")
	ErrCount      = errors.New("need 1 <= threshold <= shares <= 15")
	ErrShare      = errors.New("malformed share")
	ErrMismatch   = errors.New("shares do not belong together")
	ErrQuorum     = errors.New("fewer shares than the threshold")
	ErrRandom     = errors.New("randomness source failed")
)

// Share is one key share: f(X) for a polynomial of degree Threshold-1.
type Share struct {
	Threshold int    // k, the number of shares needed
	X         int    // 1..15
	Value     []byte // f(X), big-endian, 4m bytes
}

// Bytes returns the share layout 0x90 || (k*16 + (x-1)) || f(x).
func (s Share) Bytes() []byte {
	return append([]byte{udf.TypeShare, byte(s.Threshold<<4 | (s.X - 1))}, s.Value...)
}

// String returns the share presented as a UDF of all its bits.
func (s Share) String() string { return udf.FromBytes(udf.TypeShare, s.Bytes()[1:]) }

// Prime returns the modulus for a secret of the given byte length.
func Prime(secretLen int) (*big.Int, error) {
	if secretLen < 4 || secretLen > 64 || secretLen%4 != 0 {
		return nil, fmt.Errorf("shamir: %w: %d bytes", ErrSecretSize, secretLen)
	}
	m := secretLen / 4
	p := new(big.Int).Lsh(big.NewInt(1), uint(32*m))
	return p.Add(p, big.NewInt(primeOffsets[m-1])), nil
}

// Split divides secret into n shares of which any k recover it. Coefficients are drawn from
// r uniformly below p, and all of them are redrawn until every share fits in 4m bytes (the
// share layout has no room for a value >= 2^(32m)).
func Split(secret []byte, n, k int, r io.Reader) ([]Share, error) {
	p, err := Prime(len(secret))
	if err != nil {
		return nil, err
	}
	if k < 1 || n < k || n > MaxShares {
		return nil, fmt.Errorf("shamir: %w: %d of %d", ErrCount, k, n)
	}
	for range maxRedraws {
		coeffs := make([]*big.Int, k)
		coeffs[0] = new(big.Int).SetBytes(secret)
		for i := 1; i < k; i++ {
			if coeffs[i], err = below(r, p); err != nil {
				return nil, err
			}
		}
		if shares, ok := evaluate(coeffs, p, n, len(secret)); ok {
			return shares, nil
		}
	}
	return nil, fmt.Errorf("shamir: %w: %d redraws without fitting shares", ErrRandom, maxRedraws)
}

// evaluate computes f(1)..f(n); ok is false when some value does not fit in size bytes.
func evaluate(coeffs []*big.Int, p *big.Int, n, size int) ([]Share, bool) {
	limit := new(big.Int).Lsh(big.NewInt(1), uint(8*size))
	shares := make([]Share, n)
	for x := 1; x <= n; x++ {
		// Horner's rule mod p.
		y := new(big.Int)
		bx := big.NewInt(int64(x))
		for i := len(coeffs) - 1; i >= 0; i-- {
			y.Mul(y, bx)
			y.Add(y, coeffs[i])
			y.Mod(y, p)
		}
		if y.Cmp(limit) >= 0 {
			return nil, false
		}
		shares[x-1] = Share{Threshold: len(coeffs), X: x, Value: y.FillBytes(make([]byte, size))}
	}
	return shares, true
}

// below draws a uniform integer in [0, p) by rejection, reading whole bytes from r so that
// a deterministic reader gives deterministic coefficients.
func below(r io.Reader, p *big.Int) (*big.Int, error) {
	buf := make([]byte, (p.BitLen()+7)/8)
	excess := uint(8*len(buf) - p.BitLen())
	for range maxRedraws {
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("shamir: %w: %w", ErrRandom, err)
		}
		buf[0] &= 0xff >> excess
		v := new(big.Int).SetBytes(buf)
		if v.Cmp(p) < 0 {
			return v, nil
		}
	}
	return nil, fmt.Errorf("shamir: %w: no value below p", ErrRandom)
}

// ParseShare reads a share from its UDF presentation. The presentation must carry every bit
// of the share (2 + 4m bytes).
func ParseShare(s string) (Share, error) {
	p, err := udf.ParseWith(s, 0) // length is checked against the share layout below
	if err != nil {
		return Share{}, fmt.Errorf("shamir: %w: %w", ErrShare, err)
	}
	// A share is presented with all its bits and nothing more, padding bits zero: extra
	// characters or padding bits would carry data that belongs to no byte and that a round
	// trip would silently drop.
	if canon := udf.FromBytes(p.Bytes[0], p.Bytes[1:]); canon != p.Text {
		return Share{}, fmt.Errorf("shamir: %w: not the canonical presentation %s", ErrShare, canon)
	}
	return ShareFromBytes(p.Bytes)
}

// ShareFromBytes reads the binary share layout.
func ShareFromBytes(b []byte) (Share, error) {
	if len(b) < 2 || b[0] != udf.TypeShare {
		return Share{}, fmt.Errorf("shamir: %w: not a share (type byte)", ErrShare)
	}
	v := b[2:]
	if len(v) < 4 || len(v) > 64 || len(v)%4 != 0 {
		return Share{}, fmt.Errorf("shamir: %w: value of %d bytes", ErrShare, len(v))
	}
	s := Share{Threshold: int(b[1] >> 4), X: int(b[1]&0x0f) + 1, Value: append([]byte(nil), v...)}
	if s.Threshold < 1 {
		return Share{}, fmt.Errorf("shamir: %w: threshold 0", ErrShare)
	}
	return s, nil
}

// Recover interpolates f(0) from at least Threshold shares with distinct x. With fewer
// shares it fails rather than return a wrong secret: the threshold is in every share.
func Recover(shares []Share) ([]byte, error) {
	if len(shares) == 0 {
		return nil, fmt.Errorf("shamir: %w: no shares", ErrQuorum)
	}
	k, size := shares[0].Threshold, len(shares[0].Value)
	p, err := Prime(size)
	if err != nil {
		return nil, fmt.Errorf("shamir: %w: %w", ErrShare, err)
	}
	seen := map[int]bool{}
	for _, s := range shares {
		if s.Threshold != k || len(s.Value) != size {
			return nil, fmt.Errorf("shamir: %w: thresholds or sizes differ", ErrMismatch)
		}
		if s.X < 1 || s.X > MaxShares {
			return nil, fmt.Errorf("shamir: %w: x = %d", ErrShare, s.X)
		}
		if seen[s.X] {
			return nil, fmt.Errorf("shamir: %w: x = %d twice", ErrMismatch, s.X)
		}
		seen[s.X] = true
	}
	if len(shares) < k {
		return nil, fmt.Errorf("shamir: %w: %d of %d", ErrQuorum, len(shares), k)
	}
	return interpolate(shares[:k], p).FillBytes(make([]byte, size)), nil
}

// interpolate evaluates the Lagrange polynomial through the shares at x = 0, mod p.
func interpolate(shares []Share, p *big.Int) *big.Int {
	sum := new(big.Int)
	for i, si := range shares {
		num, den := big.NewInt(1), big.NewInt(1)
		for j, sj := range shares {
			if i == j {
				continue
			}
			num.Mul(num, big.NewInt(int64(-sj.X)))
			num.Mod(num, p)
			den.Mul(den, big.NewInt(int64(si.X-sj.X)))
			den.Mod(den, p)
		}
		term := new(big.Int).SetBytes(si.Value)
		term.Mul(term, num)
		term.Mul(term, new(big.Int).ModInverse(den, p)) // p is prime and den != 0 mod p
		sum.Add(sum, term)
		sum.Mod(sum, p)
	}
	return sum
}

// SecretUDF presents a recovered secret as the type-0x20 UDF.
func SecretUDF(secret []byte) string { return udf.FromBytes(udf.TypeSecret, secret) }

// ParseSecret reads a type-0x20 secret UDF and returns the secret bytes, rounded down to a
// multiple of 4 bytes (a 28-character presentation carries 128 bits plus padding).
func ParseSecret(s string) ([]byte, error) {
	p, err := udf.ParseWith(s, 0) // length is checked against the prime table below
	if err != nil {
		return nil, fmt.Errorf("shamir: %w: %w", ErrSecretSize, err)
	}
	if p.Type != udf.TypeSecret {
		return nil, fmt.Errorf("shamir: %w: type %#x is not a secret", ErrSecretSize, p.Type)
	}
	v := p.Value()
	v = v[:len(v)/4*4]
	if _, err := Prime(len(v)); err != nil {
		return nil, err
	}
	return v, nil
}

// escrowLen rounds a seed length up to the 4-byte granularity of the prime table; the
// seed is left-padded with zeros, so the integer, and f(0), is unchanged.
func escrowLen(n int) int { return (n + 3) / 4 * 4 }

// EscrowKey splits a key's seed into n shares, k of which rebuild the key (draft 7.1.4).
func EscrowKey(k *keys.PrivateKey, n, threshold int, r io.Reader) ([]Share, error) {
	seed := k.Seed()
	padded := make([]byte, escrowLen(len(seed)))
	copy(padded[len(padded)-len(seed):], seed)
	return Split(padded, n, threshold, r)
}

// RecoverKey rebuilds an escrowed key of the given algorithm from its shares.
func RecoverKey(alg keys.Algorithm, shares []Share) (*keys.PrivateKey, error) {
	v, err := Recover(shares)
	if err != nil {
		return nil, err
	}
	n := alg.SeedSize()
	if n == 0 || len(v) != escrowLen(n) {
		return nil, fmt.Errorf("shamir: %w: %d-byte secret for a %v seed", ErrMismatch, len(v), alg)
	}
	for _, b := range v[:len(v)-n] {
		if b != 0 {
			return nil, fmt.Errorf("shamir: %w: padding is not zero", ErrMismatch)
		}
	}
	return keys.FromSeed(alg, v[len(v)-n:])
}
