package conformance

import (
	"math"
	"testing"
)

// TestNonceFalseAlarm compares the exact tail sum with hand-counted cases and with a float
// recursion of the binomial distribution, computed independently of math/big.
func TestNonceFalseAlarm(t *testing.T) {
	for _, c := range []struct {
		n, tail, positions int
		want               float64
	}{
		{4, 0, 1, 2.0 / 16},         // all zeros or all ones
		{4, 1, 1, 2 * 5.0 / 16},     // 1 + 4 outcomes per tail
		{4, 1, 3, 3 * 2 * 5.0 / 16}, // union bound over three positions
	} {
		if got := nonceFalseAlarm(c.n, c.tail, c.positions); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("nonceFalseAlarm(%d, %d, %d) = %g, want %g", c.n, c.tail, c.positions, got, c.want)
		}
	}
	// Binomial(64, 1/2) probabilities by the recursion p(k+1) = p(k) (n-k)/(k+1).
	p, tail := math.Pow(0.5, nonceSamples), 0.0
	for k := 0; k <= nonceTail; k++ {
		tail += p
		p *= float64(nonceSamples-k) / float64(k+1)
	}
	want := 2 * nonceBits * tail
	if got := nonceFalseAlarm(nonceSamples, nonceTail, nonceBits); math.Abs(got-want) > want*1e-9 {
		t.Errorf("false alarm %g, recursion says %g", got, want)
	}
	if want > 1e-6 {
		t.Errorf("the per-bit test raises a false alarm once in %.0f runs: too often for CI", 1/want)
	}
}
