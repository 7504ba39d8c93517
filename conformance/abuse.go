package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/internal/hostile"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// Abuse bounds what the abuse checks send (issue 17; docs/checks.md lists it exactly). The
// zero value takes the defaults.
type Abuse struct {
	// Gentle is for production portals: request-cost sends bodies of at most 256 KiB, two rounds
	// per shape, and pending-flood opens at most 40 requests.
	Gentle bool
	// FloodRequests is how many connection requests pending-flood opens at most (default 300,
	// past the common caps of 256; 40 when Gentle).
	FloodRequests int
	// SlowClientWait is how long slow-client trickles headers before it calls the connection
	// held (default 12 s: NOTE-SLOW-CLIENT's 10 s and a grace of 2 s).
	SlowClientWait time.Duration
}

// The bounds of NOTE-REQUEST-COST, NOTE-PENDING-FLOOD and NOTE-SLOW-CLIENT.
const (
	defaultFloodRequests  = 300
	gentleFloodRequests   = 40
	defaultSlowClientWait = 12 * time.Second
	// costSpan is the factor between the small and the large body of a shape. The small one is
	// sent costSpan times in a row (a batch: as many bytes as the large one), and the batch's
	// work is compared with the large one's: linear work gives a ratio of about 1 (fixed costs
	// per request pull it lower), quadratic about costSpan. Both take long enough to span many
	// of the scheduler's time slices, so the machine's load stretches them alike. Comparing
	// one small answer with one large one did not hold: a short answer slips between two
	// slices, a long one cannot, and a busy machine made a linear portal look quadratic.
	// costThreshold is the ratio beyond which growth is superlinear; costFloor the least work
	// a batch counts for, so that a portal faster than the measurement's resolution is not
	// called superlinear for it. A request's work is its answer time less that of the fastest
	// Hello alone, which every request pays (the round trip, the server's fixed costs).
	costSpan      = 64
	costThreshold = 6
	costFloor     = time.Millisecond
	// hellosPerLarge bounds the Hellos sent while one large Get is served, helloEvery paces them.
	hellosPerLarge = 20
	helloEvery     = 10 * time.Millisecond
	// costMinPairs and costMaxPairs bound the rounds (a batch of small ones, a large one) sent
	// per shape: the first decide unless the ratio is near the threshold.
	costMinPairs = 2
	costMaxPairs = 4
	// helloBound and helloFactor: a Hello during the large requests is slowed past its bound
	// when its median exceeds both.
	helloBound  = 2 * time.Second
	helloFactor = 50
	// floodGiveUp is the consecutive refusals after which pending-flood stops: the portal's
	// limit bites, and more requests would be load for nothing.
	floodGiveUp = 16
	// maxRetryAfter is the longest Retry-After the real device honours (NOTE-PENDING-FLOOD),
	// and realDeviceTries how often it asks.
	maxRetryAfter   = 10 * time.Second
	realDeviceTries = 3
	// trickleEvery is the pause between two header bytes of slow-client.
	trickleEvery = 100 * time.Millisecond
)

func (a Abuse) floodRequests() int {
	switch {
	case a.FloodRequests > 0:
		return a.FloodRequests
	case a.Gentle:
		return gentleFloodRequests
	}
	return defaultFloodRequests
}

func (a Abuse) slowClientWait() time.Duration {
	if a.SlowClientWait > 0 {
		return a.SlowClientWait
	}
	return defaultSlowClientWait
}

// costSizes are the largest body request-cost sends first and the smallest it will fall back
// to when the portal refuses the larger ones with 413.
func (a Abuse) costSizes() (largest, smallest int) {
	if a.Gentle {
		return 256_000, 64_000
	}
	return 1_000_000, 64_000
}

// abuseChecks find cheap denial of service (NOTE-REQUEST-COST, NOTE-PENDING-FLOOD,
// NOTE-SLOW-CLIENT).
func abuseChecks(env Env) []harness.Check {
	largest, smallest := env.Abuse.costSizes()
	return []harness.Check{
		{
			// Serial: other checks' requests served meanwhile would slow the small answers more
			// than the large ones, hiding superlinear growth.
			ID: "abuse.request-cost", Requirement: "CTL-REQUEST-COST", Category: harness.Control, Serial: true,
			Title: "An unauthenticated request costs at most linearly in its body",
			Doc: fmt.Sprintf("NOTE-REQUEST-COST: \"A portal's work for a request grows at most linearly with its body\". "+
				"Sends unauthenticated Gets of four shapes (KeyValues with an unindexed key, KeyValues of Names, "+
				"arrays nested 60 deep, many small members; all naming no existing account) at %d bytes and at "+
				"1/%d of that (first one Get of members at %d bytes, falling back by quarters to %d bytes when "+
				"the portal answers 413), in %d to %d rounds per shape, each a batch of %d small Gets one after "+
				"another (as many bytes as a large one) and one large Get, with Hellos (at most %d, one every %s) "+
				"while the large one is served, and five Hellos alone first. A request's work is its answer time "+
				"less the fastest Hello alone (at most half the fastest small answer of the round). A finding: the ratio of the least large work to the least batch "+
				"work (a batch counting at least 1 ms) beyond %d (linear gives about 1, quadratic about %d), or "+
				"the median Hello during the large requests beyond %s and %d times the one alone. At most %d "+
				"requests and %.1f MB. Gentle (--gentle): bodies of %d bytes at most, two rounds per shape.",
				largest, costSpan, largest, smallest, costMinPairs, costMaxPairs, costSpan, hellosPerLarge, helloEvery,
				costThreshold, costSpan, helloBound, helloFactor, 1+5+4*costMaxPairs*(costSpan+1+hellosPerLarge),
				float64(largest+4*costMaxPairs*2*largest)/1e6, 256_000),
			Accepts: fmt.Sprintf("Any answer to each Get (a refusal, 404, 413 for a body over the portal's limit, 503 with Retry-After when it sheds load), judged only by times within the run (NOTE-REQUEST-COST): the least work of a large Get at most %d times that of a batch of %d small ones of the same bytes, and Hellos during the large requests not slower than 2 s and 50 times the Hellos alone.", costThreshold, costSpan),
			Run:     func(ctx context.Context, t *harness.T) { env.session(ctx, t).requestCost() },
		},
		{
			ID: "abuse.pending-flood", Requirement: "CTL-PENDING-FLOOD", Category: harness.Control,
			Title: "A flood of connection requests leaves a real device able to connect",
			Doc: fmt.Sprintf("NOTE-PENDING-FLOOD: \"A portal keeps a new device able to connect while others flood its "+
				"account\". Creates an account of its own and sends it up to %d ConnectStart requests of fresh "+
				"Ed25519 devices (%d when gentle; stopping after %d refusals in a row), then a real device's "+
				"ConnectStart, honouring a Retry-After of up to %s, %d tries; the administrator pages through "+
				"ConnectPending (asking 64 a page, following every PageKey) to find it and accepts it with ConnectComplete, and the device reads "+
				"its acceptance with ConnectStatus. A finding: any refusal 5xx, or the real device not connected. "+
				"The account is deleted after.", defaultFloodRequests, gentleFloodRequests, floodGiveUp, maxRetryAfter, realDeviceTries),
			Accepts: "Any 4xx for the flood's requests (429 with Retry-After included), taking them all, or evicting the oldest (NOTE-PENDING-FLOOD); the real device may be refused 429 and retried after a Retry-After of at most 10 s, and must then be taken, listed by ConnectPending on some page, and connected. Never a 5xx.",
			Run:     func(ctx context.Context, t *harness.T) { env.session(ctx, t).pendingFlood() },
		},
		{
			ID: "abuse.slow-client", Requirement: "CTL-SLOW-CLIENT", Category: harness.Control,
			Title: "A client trickling its headers is cut off",
			Doc: fmt.Sprintf("NOTE-SLOW-CLIENT: \"A portal closes a connection whose request headers are not complete 10 s "+
				"after it was opened\". Opens one connection and sends the head of a POST to the service path, "+
				"then one byte of an X-Meshconform-Slow header every %s, for at most %s (--slow-client-wait); a "+
				"finding when the portal neither answers nor closes the connection by then. One connection, "+
				"about %d bytes.", trickleEvery, defaultSlowClientWait, int(defaultSlowClientWait/trickleEvery)+100),
			Accepts: "The connection closed, with or without an answer (408, 400 or none), within the wait (NOTE-SLOW-CLIENT: 10 s plus a grace of 2 s by default).",
			Run:     func(ctx context.Context, t *harness.T) { env.session(ctx, t).slowClient() },
		},
	}
}

// timed is one answer's time, and the exchange that took it.
type timed struct {
	d  time.Duration
	ex *target.Exchange
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// post sends body and returns its answer time; a request that got no answer at all ends the
// check as a finding (the portal fell over or hung under an ordinary-sized request).
func (s *session) post(body []byte) timed {
	ex, err := s.t.Post(s.ctx, body, nil)
	if err != nil {
		s.harnessFault("%v", err)
	}
	if ex.Problem.NoAnswer() {
		s.t.Fail(harness.Finding{Message: fmt.Sprintf("no answer to a %d-byte unauthenticated Get: %s", len(body), ex.Problem),
			Expected: "an answer", Observed: ex.Err, Exchanges: []*target.Exchange{ex}})
	}
	return timed{ex.Duration, ex}
}

var helloBody = []byte(`{"Hello":{}}`)

// requestCost implements abuse.request-cost.
func (s *session) requestCost() {
	account := s.account("cost")
	largest, smallest := s.env.Abuse.costSizes()
	size := largest
	for ; ; size /= 4 {
		// Members is the shape a portal is likeliest to read linearly: the size probe should not
		// cost the portal what the measurement then finds.
		body, err := hostile.Get(hostile.Members, size, account)
		if err != nil {
			s.harnessFault("%v", err)
		}
		if st := s.post(body); !tooLarge(st.ex) {
			break
		}
		if size/4 < smallest {
			s.t.Skip(fmt.Sprintf("the portal refuses Gets of %d bytes with 413: nothing large enough to measure", size))
		}
	}
	var alone []time.Duration
	for range 5 {
		alone = append(alone, s.post(helloBody).d)
	}
	fixed := slices.Min(alone)
	maxPairs := costMaxPairs
	if s.env.Abuse.Gentle {
		maxPairs = 2
	}
	var during []time.Duration
	var duringEx []*target.Exchange
	for _, shape := range hostile.Shapes() {
		small, err := hostile.Get(shape, size/costSpan, account)
		if err != nil {
			s.harnessFault("%v", err)
		}
		large, err := hostile.Get(shape, size, account)
		if err != nil {
			s.harnessFault("%v", err)
		}
		var tb, tl []time.Duration
		var last [2]*target.Exchange
		ratio := 0.0
		for i := 0; i < maxPairs; i++ {
			var smalls []time.Duration
			for range costSpan {
				a := s.post(small)
				smalls = append(smalls, a.d)
				last[0] = a.ex
			}
			b, hellos := s.postWithHellos(large)
			// What every request pays is taken off at most half the fastest small answer: five
			// Hellos at a slow moment would otherwise take off nearly all of a small answer, and
			// the batch's work would vanish (seen: a linear portal called superlinear, 14.5).
			// So the ratio is at most twice what the raw times give.
			f := min(fixed, slices.Min(smalls)/2)
			var batch time.Duration
			for _, d := range smalls {
				batch += d - f
			}
			tb, tl = append(tb, batch), append(tl, max(b.d-f, 0))
			last[1] = b.ex
			for _, h := range hellos {
				during = append(during, h.d)
				duringEx = append(duringEx, h.ex)
			}
			ratio = float64(slices.Min(tl)) / float64(max(slices.Min(tb), costFloor))
			if i+1 >= costMinPairs && (ratio > costThreshold*2 || ratio < costThreshold/2) {
				break
			}
		}
		s.t.Logf("%s: %d x %d bytes in %s, %d bytes in %s (least work of %d; a Hello alone %s): ratio %.1f",
			shape, costSpan, len(small), slices.Min(tb), len(large), slices.Min(tl), len(tl), fixed, ratio)
		if ratio > costThreshold {
			s.t.Fail(harness.Finding{
				Message:   fmt.Sprintf("answer time grows superlinearly with the body for Gets of shape %s: one Get of %d times the body took %.1f times as long as %d Gets in a row", shape, costSpan, ratio, costSpan),
				Expected:  fmt.Sprintf("ratio of the least work at most %d (linear: about 1)", costThreshold),
				Observed:  fmt.Sprintf("%d x %d bytes: least %s; %d bytes: least %s (of %d each, less a Hello's %s)", costSpan, len(small), slices.Min(tb), len(large), slices.Min(tl), len(tl), fixed),
				Exchanges: last[:]})
		}
	}
	h0, h1 := median(alone), median(during)
	s.t.Logf("Hello alone: median %s; during the large Gets: median %s of %d", h0, h1, len(during))
	if h1 > helloBound && h1 > helloFactor*h0 {
		s.t.Fail(harness.Finding{Message: "large unauthenticated Gets slow a concurrent Hello past its bound",
			Expected:  fmt.Sprintf("median Hello at most %s or %d times its %s alone", helloBound, helloFactor, h0),
			Observed:  fmt.Sprintf("median %s over %d Hellos", h1, len(during)),
			Exchanges: duringEx[:min(len(duringEx), 4)]})
	}
}

// tooLarge reports a 413 answer, in HTTP or payload Status.
func tooLarge(ex *target.Exchange) bool {
	return httpStatus(ex) == 413 || payloadStatus(ex) == 413
}

// postWithHellos sends body and, while it is served, Hellos one after another, paced and
// bounded in number.
func (s *session) postWithHellos(body []byte) (timed, []timed) {
	done := make(chan struct{})
	var hellos []timed
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			ex, err := s.t.Post(s.ctx, helloBody, nil)
			if err != nil {
				return
			}
			select {
			case <-done: // answered after the large one: not during it
				return
			default:
				hellos = append(hellos, timed{ex.Duration, ex})
			}
			if len(hellos) >= hellosPerLarge {
				return
			}
			select {
			case <-done:
				return
			case <-time.After(helloEvery):
			}
		}
	}()
	res := s.post(body)
	close(done)
	wg.Wait()
	return res, hellos
}

// pendingFlood implements abuse.pending-flood.
func (s *session) pendingFlood() {
	a := s.create("flood")
	n := s.env.Abuse.floodRequests()
	taken, refused, inRow := 0, 0, 0
	for i := 0; i < n && inRow < floodGiveUp; i++ {
		dev, err := client.NewDevice(keys.Ed25519, s.seed())
		if err != nil {
			s.harnessFault("device keys: %v", err)
		}
		r := s.do(s.connectRequest(a, dev), nil)
		switch {
		case r.status >= 500 || r.ex == nil:
			s.t.Fail(harness.Finding{Message: fmt.Sprintf("connection request %d of a flood was refused with a server error", i+1),
				Expected: "2xx, or a 4xx refusal such as 429 (NOTE-PENDING-FLOOD)", Observed: r.status})
		case r.status >= 200 && r.status <= 299:
			taken++
			inRow = 0
		default:
			refused++
			inRow++
		}
	}
	s.t.Logf("flood: %d connection requests taken, %d refused", taken, refused)
	dev := s.newDevice()
	conn, refusal := s.startHonouringRetry(a, dev, realDeviceTries, "after a flood, a real device's connection request")
	if conn == nil {
		s.t.Fail(harness.Finding{Message: "after a flood of connection requests, a real device cannot connect",
			Expected: fmt.Sprintf("taken, at the latest after %d tries honouring a Retry-After of up to %s", realDeviceTries, maxRetryAfter),
			Observed: refusal})
	}
	pr := s.findPending(a, conn.MessageID, taken+1)
	if _, err := s.c.Approve(s.ctx, a, pr); err != nil {
		s.failClient("ConnectComplete", err)
	}
	if out := s.poll(conn, dev); !out.Accepted {
		s.t.Fail(harness.Finding{Message: "after a flood, the accepted real device did not receive its acceptance",
			Expected: "a CatalogEntryDevice result", Observed: fmt.Sprintf("%+v", out)})
	}
}

// startHonouringRetry sends a device's ConnectStart up to tries times, waiting out each 429 (or
// other 4xx) whose Retry-After is at most maxRetryAfter (NOTE-PENDING-FLOOD: a portal "may limit
// ConnectStart per client address and account, refusing beyond the limit with HTTP and Status
// 429 and a Retry-After of at most 10 s"). It returns the connection, or nil and the last
// refusal when the portal kept refusing; a 5xx fails the check, what naming the request.
func (s *session) startHonouringRetry(a *client.Account, dev *client.Device, tries int, what string) (*client.Connection, string) {
	for try := 1; ; try++ {
		c, err := s.c.StartConnection(s.ctx, a.Name, dev, "")
		if err == nil {
			return c, ""
		}
		var se *client.StatusError
		if !errors.As(err, &se) {
			s.failClient("ConnectStart", err)
		}
		if se.Status >= 500 {
			s.t.Fail(harness.Finding{Message: what + " was refused with a server error",
				Expected: "2xx, or 429 with Retry-After", Observed: fmt.Sprintf("Status %d %s", se.Status, se.Description)})
		}
		refusal := fmt.Sprintf("try %d: Status %d %s, Retry-After %q", try, se.Status, se.Description, se.RetryAfter)
		wait, ok := retryAfter(se.RetryAfter)
		if try >= tries || !ok || wait > maxRetryAfter {
			return nil, refusal
		}
		select {
		case <-time.After(wait):
		case <-s.ctx.Done():
			s.harnessFault("%v", s.ctx.Err())
		}
	}
}

// retryAfter reads a Retry-After in seconds; absent, the device waits a second.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return time.Second, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// findPending pages through ConnectPending, asking 64 a page, for the request with messageID,
// verified. A portal may page smaller than asked (draft 3.9.2: "or internal server limits"), so
// the bound is one page per request taken, and a few more: only a portal whose pages never end
// runs out of it.
func (s *session) findPending(a *client.Account, messageID string, taken int) *client.PendingRequest {
	sc := &mesh.SearchConstraints{MaxEntries: mesh.Int(64)}
	seen := 0
	for page := 0; page < taken+4; page++ {
		prs, pk, err := s.c.Pending(s.ctx, a, sc)
		if err != nil {
			s.failClient("ConnectPending", err)
		}
		for i := range prs {
			if prs[i].Request != nil && prs[i].Request.MessageID == messageID {
				if prs[i].Err != nil {
					s.failClient("ConnectPending", prs[i].Err)
				}
				return &prs[i]
			}
		}
		seen += len(prs)
		if pk == "" {
			break
		}
		sc = &mesh.SearchConstraints{MaxEntries: mesh.Int(64), PageKey: pk}
	}
	s.t.Fail(harness.Finding{Message: "the connection request is not among the pending ones",
		Expected: messageID, Observed: fmt.Sprintf("%d pending requests listed", seen)})
	return nil
}

// slowClient implements abuse.slow-client.
func (s *session) slowClient() {
	raw, err := s.t.DialRaw(s.ctx)
	if errors.Is(err, harness.ErrNoRaw) {
		s.t.Skip("the target offers no raw connection (a proxy?): headers cannot be trickled")
	}
	if err != nil {
		s.t.Fail(harness.Finding{Message: "could not connect to the portal", Observed: err.Error()})
	}
	defer raw.Close()
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nX-Meshconform-Slow: ", raw.Path, raw.Host)
	if _, err := raw.Write([]byte(head)); err != nil {
		s.t.Fail(harness.Finding{Message: "the portal closed the connection before any header: cannot tell", Observed: err.Error()})
	}
	wait := s.env.Abuse.slowClientWait()
	start := time.Now()
	sent := len(head)
	for time.Since(start) < wait {
		if _, err := raw.Write([]byte{'a'}); err != nil {
			s.t.Logf("closed after %s and %d bytes (write: %v)", time.Since(start).Round(time.Millisecond), sent, err)
			return
		}
		sent++
		raw.SetReadDeadline(time.Now().Add(trickleEvery))
		var b [512]byte
		if _, err := raw.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
			s.t.Logf("answered or closed after %s and %d bytes (%v)", time.Since(start).Round(time.Millisecond), sent, err)
			return
		}
		if s.ctx.Err() != nil {
			s.harnessFault("%v", s.ctx.Err())
		}
	}
	s.t.Fail(harness.Finding{Message: fmt.Sprintf("the portal held a connection trickling its headers for %s", wait),
		Expected: "the connection closed (or answered 408) within 10 s of opening (NOTE-SLOW-CLIENT)",
		Observed: fmt.Sprintf("still open after %s and %d bytes: %q then one 'a' every %s", wait, sent, head, trickleEvery)})
}
