package conformance

import (
	"context"
	"fmt"
	"math/big"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/wire"
)

// The per-bit ServerNonce test: nonceSamples nonces, and a bit position fails when it is one in
// at most nonceTail of them or in at least nonceSamples-nonceTail. A fixed bit is one in none or
// all; a fair bit lands in a tail with the probability nonceFalseAlarm computes.
const (
	nonceSamples = 64
	nonceTail    = 8
	nonceBits    = 128
	// nonceAccounts share the sample; nonceTries is how often one ConnectStart waits out a 429.
	nonceAccounts = 4
	nonceTries    = 6
)

// nonceFalseAlarm is the chance that a portal drawing every bit fairly fails the test: at most
// positions times the two-tailed probability that a Binomial(n, 1/2) count is <= tail or
// >= n-tail (a union bound, so an upper bound), computed exactly.
func nonceFalseAlarm(n, tail, positions int) float64 {
	sum := new(big.Int)
	for k := 0; k <= tail; k++ {
		sum.Add(sum, new(big.Int).Binomial(int64(n), int64(k)))
	}
	p := new(big.Rat).SetFrac(new(big.Int).Mul(sum, big.NewInt(int64(2*positions))), new(big.Int).Lsh(big.NewInt(1), uint(n)))
	f, _ := p.Float64()
	return f
}

func nonceBitsCheck(env Env) harness.Check {
	return harness.Check{
		ID: "connect.server-nonce-bits", Requirement: "CTL-KEYGEN-STRONG", Level: harness.MUST, Category: harness.Control,
		Title: "Every bit position of the ServerNonce varies, and no nonce repeats",
		Doc: fmt.Sprintf("7.1.3: strong nonce generation. A pooled count of ones misses a nonce of 32 random and 96 "+
			"fixed bits that happen to balance, so this check starts %d connections and counts, for each of the %d "+
			"bit positions, the nonces with that bit set: a count of at most %d or at least %d fails (a fixed bit "+
			"gives 0 or %d). A portal drawing every bit at random fails with probability at most %.1e (union bound "+
			"over the positions of the exact binomial tails). Every nonce must also be 16 bytes and unique. "+
			"The connections go to %d accounts, and a 429 is waited out (NOTE-PENDING-FLOOD). About %d requests.", nonceSamples, nonceBits, nonceTail, nonceSamples-nonceTail, nonceSamples,
			nonceFalseAlarm(nonceSamples, nonceTail, nonceBits), nonceAccounts, nonceSamples+nonceAccounts),
		Accepts: fmt.Sprintf("ServerNonces of 16 bytes (NOTE-CONNECT-FLOW: \"a 128-bit ServerNonce\"), all different, each bit position "+
			"set in %d to %d of the %d (draft 7.1.3: strong nonce generation); a portal drawing bits at random fails with the "+
			"probability the Doc states. A ConnectStart refused 429 with a Retry-After of at most 10 s is retried (NOTE-PENDING-FLOOD).", nonceTail+1, nonceSamples-nonceTail-1, nonceSamples),
		Run: func(ctx context.Context, t *harness.T) {
			s := env.session(ctx, t)
			// Spread over a few accounts, and waiting out 429s, so that a portal limiting
			// ConnectStart per address and account (NOTE-PENDING-FLOOD) still gives its sample.
			var accounts []*client.Account
			for i := range nonceAccounts {
				accounts = append(accounts, s.create(fmt.Sprintf("noncebits%d", i)))
			}
			var ones [nonceBits]int
			seen := map[string]bool{}
			for i := range nonceSamples {
				n := s.sampleStart(accounts[i%nonceAccounts], i, nonceSamples).Challenge.ServerNonce
				if len(n) != nonceBits/8 {
					t.Fail(harness.Finding{Message: "a ServerNonce is not 128 bits", Expected: nonceBits / 8, Observed: len(n)})
				}
				if seen[string(n)] {
					t.Fail(harness.Finding{Message: "a ServerNonce repeated", Observed: wire.EncodeBase64(n)})
				}
				seen[string(n)] = true
				for i := range nonceBits {
					if n[i/8]>>(7-i%8)&1 == 1 {
						ones[i]++
					}
				}
			}
			var stuck []string
			for i, k := range ones {
				if k <= nonceTail || k >= nonceSamples-nonceTail {
					stuck = append(stuck, fmt.Sprintf("bit %d: %d/%d", i, k, nonceSamples))
				}
			}
			if len(stuck) > 0 {
				t.Fail(harness.Finding{Message: fmt.Sprintf("%d ServerNonce bit positions barely vary", len(stuck)),
					Expected: fmt.Sprintf("each bit set in %d to %d of %d nonces", nonceTail+1, nonceSamples-nonceTail-1, nonceSamples), Observed: stuck})
			}
		},
	}
}

// sampleStart starts a connection to a for a sample of ServerNonces, got of want taken so far,
// waiting out a 429 (NOTE-PENDING-FLOOD); a portal whose limit still withholds the sample ends
// the check as skipped: the limit is permitted, and says nothing of its nonces.
func (s *session) sampleStart(a *client.Account, got, want int) *client.Connection {
	conn, refusal := s.startHonouringRetry(a, s.newDevice(), nonceTries, "a ConnectStart of the nonce sample")
	if conn == nil {
		s.t.Skip(fmt.Sprintf("the portal limits ConnectStart (NOTE-PENDING-FLOOD) below the sample of %d after %d nonces: %s", want, got, refusal))
	}
	return conn
}
