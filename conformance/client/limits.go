package client

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/harness/testportal"
)

// The bounded-reading rule of docs/SHIM.md ("Limits"). A client reads at most maxResponse
// bytes of a response body. Whether it does is judged by what it consumed, which does not
// depend on the machine's speed, and not only by its memory, which does: a busy machine that
// cannot read 256 MiB before the client's deadline keeps an unbounded reader's memory low.
const (
	// maxResponse and overRead: see testportal.MaxResponse and OverRead. The test portal
	// stops sending just past overRead.
	maxResponse = testportal.MaxResponse
	overRead    = testportal.OverRead
	// maxBoundedTimeout bounds the --timeout of the bounded-reading checks, which otherwise
	// get whatever time their check has left: an unbounded reader must reach overRead before
	// it gives up, however slow the machine.
	maxBoundedTimeout = 5 * time.Minute
	// maxRSSMiB bounds the peak memory of a client reading a huge body (where the OS reports
	// it).
	maxRSSMiB = 200
)

// boundedTimeout is the --timeout of a bounded-reading check: the time the check has left,
// less a margin to judge and clean up. A conforming client never needs it (it stops at its
// bound); one without a bound needs it to read past overRead.
func boundedTimeout(ctx context.Context) time.Duration {
	const margin = 5 * time.Second
	d := maxBoundedTimeout
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl)-margin)
	}
	return max(d, margin)
}

// judgeConsumption fails a client that consumed far more of a body than any bound allows, or
// whose memory grew with what it read. A client that ran into its own timeout before either
// leaves the check undecided: it may have been reading on, too slowly to show it here.
func judgeConsumption(t *harness.T, s *session, res *shim.Result, why string) {
	var sent int64
	for _, r := range s.requests("") {
		sent = max(sent, r.Response.Sent)
	}
	peak := "peak memory not known (where the OS reports none above the suite's own)"
	if res.MaxRSSKiB > 0 {
		peak = fmt.Sprintf("peak memory %d KiB", res.MaxRSSKiB)
	}
	t.Logf("the client's connection took %s of %s; %s; it ended after %s (--timeout %s)", mib(sent), why, peak, res.Duration.Round(time.Millisecond), s.timeout)
	if sent > overRead {
		t.Fail(harness.Finding{
			Message:  "the client read " + mib(sent) + " of " + why + " before it stopped: it must stop at its own limit, at most " + mib(maxResponse) + " (docs/SHIM.md, Limits)",
			Expected: "at most " + mib(overRead) + " taken by the client's connection (the " + mib(maxResponse) + " bound plus socket buffers)",
			Observed: mib(sent) + " taken; the test portal stops sending there",
		})
	}
	if res.MaxRSSKiB > maxRSSMiB<<10 {
		t.Failf("the client refused %s but used %d MiB of memory on the way (bound %d MiB): it must stop reading at its own limit", why, res.MaxRSSKiB>>10, maxRSSMiB)
	}
	if res.Duration >= s.timeout {
		t.Undecided(fmt.Sprintf("the client gave up at its --timeout %s having taken %s of %s: too little to tell whether it bounds its reading; on a machine this slow, give the check more time (--check-timeout)", s.timeout, mib(sent), why))
	}
}

// faultErrors are the error identifiers docs/SHIM.md ("Error identifiers") admits for each
// fault: a refusal naming any of them is right. Where the client may meet a fault in more than
// one way (a huge body: its size limit or its timeout, whichever comes first on this machine),
// every identifier whose definition covers a way is admitted. TestFaultErrorsFollowShim keeps
// this table and the document's equal.
var faultErrors = map[testportal.Fault][]string{
	testportal.ForgedProfile:      {"forged"},
	testportal.UnsignedProfile:    {"forged"},
	testportal.ForgedResult:       {"forged"},
	testportal.UnsignedResult:     {"forged"},
	testportal.WrongWitness:       {"witness"},
	testportal.PayloadError:       {"status"},
	testportal.PayloadRedirect:    {"status"},
	testportal.TakenAfterValidate: {"status"},
	testportal.Flaky:              {"status"},
	testportal.Untagged:           {"protocol"},
	testportal.InvalidJSON:        {"protocol"},
	testportal.InvalidUTF8:        {"protocol"},
	testportal.Huge:               {"protocol", "transport"},
	testportal.NeverEnding:        {"protocol", "transport"},
	testportal.Truncated:          {"transport", "protocol"},
	testportal.Slow:               {"transport"},
	testportal.Stalled:            {"transport"},
	testportal.Redirect:           {"transport", "protocol"},
	testportal.TLSSelfSigned:      {"transport"},
}

// admitted is the sentence of a refusal check's documentation that names the identifiers it
// accepts.
func admitted(f testportal.Fault) string {
	ids := faultErrors[f]
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = "`" + id + "`"
	}
	return " Error identifiers admitted (docs/SHIM.md, for the " + string(f) + " fault): " + strings.Join(quoted, " or ") + "."
}

func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes (%.1f MiB)", n, float64(n)/(1<<20))
}
