package portal

import (
	"fmt"
	"testing"
	"time"
)

func TestRateKey(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb:cccc:dddd:eeee", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"::ffff:192.0.2.7", "192.0.2.7"}, // IPv4-mapped: the IPv4 address's own bucket
		{"not-an-ip", "not-an-ip"},
	} {
		if got := rateKey(tt.in); got != tt.want {
			t.Errorf("rateKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRateLimiterIsBounded: clients beyond the bucket limit share one bucket, so a flood from
// ever new addresses neither grows the table nor escapes the limit; once the table's clients
// fall silent for a minute, their places come back.
func TestRateLimiterIsBounded(t *testing.T) {
	l := newRateLimiter(1, 2)
	l.max = 4
	now := time.Unix(1_800_000_000, 0)
	for i := range 4 {
		if !l.allow(fmt.Sprintf("192.0.2.%d", i), now) {
			t.Fatalf("client %d refused on its first request", i)
		}
	}
	// Three newcomers share the overflow bucket of burst 2: the third is refused.
	var got []bool
	for i := range 3 {
		got = append(got, l.allow(fmt.Sprintf("198.51.100.%d", i), now))
	}
	if fmt.Sprint(got) != "[true true false]" {
		t.Errorf("newcomers beyond the table: %v, want [true true false]", got)
	}
	if n := len(l.buckets); n > l.max+1 {
		t.Errorf("%d buckets, at most %d expected", n, l.max+1)
	}
	// A minute of silence: the newcomer gets a bucket of its own, with its full burst.
	later := now.Add(2 * time.Minute)
	for i := range 2 { // its burst of 2: the shared bucket is spent by now
		if !l.allow("203.0.113.1", later) {
			t.Errorf("request %d: after the table's clients fell silent, a new client did not get its own bucket", i)
		}
	}
	if _, ok := l.buckets["203.0.113.1"]; !ok {
		t.Error("the new client is not in the table")
	}
}
