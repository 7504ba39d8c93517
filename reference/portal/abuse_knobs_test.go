package portal_test

import (
	"bytes"
	"errors"
	"net"
	"net/url"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/meshconform/meshconform/internal/hostile"
	"github.com/meshconform/meshconform/reference/portal"
)

// The probes of the abuse knobs (issue 17), added to the knob table of knobs_test.go.
func init() {
	knobs = append(knobs,
		knob{name: "quadratic-get-scope", want: "linear", probe: func(t *testing.T, e *env) string {
			body, err := hostile.Get(hostile.KeyValues, 250_000, "")
			require.NoError(t, err)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			e.raw(body, nil)
			runtime.ReadMemStats(&after)
			// Linear costs a few times the body (client and portal together); the quadratic
			// scope about a hundred.
			if after.TotalAlloc-before.TotalAlloc > uint64(40*len(body)) {
				return "superlinear"
			}
			return "linear"
		}},
		// The refill rate is all but zero so that the 65th request meets an empty bucket
		// however long the 64 before it took (a busy machine under -race takes over a second).
		knob{name: "pending-flood-blocks", want: "429",
			cfg: func(c *portal.Config) { c.ConnectRate = 1e-6 },
			probe: func(t *testing.T, e *env) string {
				a := e.create("flood")
				for range 64 {
					_, err := e.c.StartConnection(ctxb(), a.Name, newDevice(t), "")
					require.NoError(t, err)
				}
				_, err := e.c.StartConnection(ctxb(), a.Name, newDevice(t), "")
				return s(statusOf(err))
			}},
		knob{name: "no-read-timeout", want: "closed",
			cfg: func(c *portal.Config) { c.ReadHeaderTimeout = 200 * time.Millisecond },
			probe: func(t *testing.T, e *env) string {
				return trickleHeaders(t, e.url, 2*time.Second)
			}},
	)
}

// trickleHeaders sends a request's headers a byte every 50 ms and reports whether the portal
// closed the connection within wait ("closed") or still held it ("open").
func trickleHeaders(t testing.TB, portalURL string, wait time.Duration) string {
	u, err := url.Parse(portalURL)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer conn.Close()
	head := []byte("POST " + portal.Path + " HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + string(bytes.Repeat([]byte{'a'}, 4096)))
	deadline := time.Now().Add(wait)
	for i := 0; time.Now().Before(deadline); i++ {
		if _, err := conn.Write(head[i%len(head) : i%len(head)+1]); err != nil {
			return "closed"
		}
		conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		var b [512]byte
		if _, err := conn.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
			return "closed" // an answer (408) or the end of the connection
		}
	}
	return "open"
}
