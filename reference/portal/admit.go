package portal

import (
	"context"
	"net/http"
	"time"
)

// DefaultMaxInFlight is Config.MaxInFlight's default: 32 requests of at most 1 MiB, each
// allocating a bounded multiple of its body, stay far below 256 MiB.
const DefaultMaxInFlight = 32

// DefaultMaxLargeInFlight is the most large slots Config.MaxLargeInFlight's default gives
// (defaultMaxLargeInFlight).
const DefaultMaxLargeInFlight = 4

// defaultMaxLargeInFlight is Config.MaxLargeInFlight's default on procs processors
// (GOMAXPROCS): one fewer than the processors, at least one, at most DefaultMaxLargeInFlight. A
// large request is CPU-bound for tens of milliseconds (decoding a 1 MB Get); as many of them as
// processors leave a Hello queued behind them for a scheduler slice or more, where a processor
// left free serves it at once. BenchmarkConcurrentHostileGets on 2 processors, 16 concurrent
// 1 MB Gets: Hello median 56-208 ms with 4 large slots, 0.5 ms with 1 (issue 17's aim: 50 ms).
func defaultMaxLargeInFlight(procs int) int {
	return min(DefaultMaxLargeInFlight, max(1, procs-1))
}

// largeBody is the body size beyond which a request needs a large slot too.
const largeBody = 64 << 10

// retryAfterSeconds is the Retry-After of a shed request: the in-flight ones take milliseconds.
const retryAfterSeconds = "1"

// admitWait is how long a request waits for a slot before it is shed: a burst of ordinary
// requests, each taking milliseconds, queues instead of failing, and a waiting request holds
// no body yet (it is read only once admitted). A large request waits longer for its large
// slot: a few at a time, a crowd of them is served in turn rather than refused.
const (
	admitWait      = time.Second
	admitWaitLarge = 10 * time.Second
)

// gate admits a bounded number of holders; nil admits everyone.
type gate struct {
	slots chan struct{}
	wait  time.Duration
}

func newGate(n int, wait time.Duration) *gate {
	if n <= 0 {
		return nil
	}
	return &gate{slots: make(chan struct{}, n), wait: wait}
}

// enter takes a slot, waiting up to the gate's wait: false when none freed.
func (g *gate) enter(ctx context.Context) bool {
	if g == nil {
		return true
	}
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

func (g *gate) leave() {
	if g != nil {
		<-g.slots
	}
}

// admit lets a request in (NOTE-REQUEST-COST): a large one first through the large gate, so
// that large requests waiting their turn hold no slot a Hello needs; release undoes it.
func (p *Portal) admit(r *http.Request) (release func(), ok bool) {
	large := r.ContentLength < 0 || r.ContentLength > largeBody
	if large && !p.large.enter(r.Context()) {
		return nil, false
	}
	if !p.slots.enter(r.Context()) {
		if large {
			p.large.leave()
		}
		return nil, false
	}
	return func() {
		p.slots.leave()
		if large {
			p.large.leave()
		}
	}, true
}
