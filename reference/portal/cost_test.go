package portal_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/internal/hostile"
	"github.com/meshconform/meshconform/reference/portal"
)

// getCost answers body once through the handler and returns the bytes the process allocated
// meanwhile (runtime.MemStats.TotalAlloc: deterministic enough for bounds of whole multiples)
// and the answer's HTTP status.
func getCost(t testing.TB, h http.Handler, body []byte) (uint64, int) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "http://localhost"+portal.Path, bytes.NewReader(body))
	h.ServeHTTP(rec, req)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, rec.Code
}

func newHandler(t testing.TB, cfg portal.Config) http.Handler {
	t.Helper()
	cfg.DataDir = t.TempDir()
	p, err := portal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p.Handler()
}

// maxAllocPerBodyByte bounds what an unauthenticated Get may make the portal allocate, as a
// multiple of its body: the body itself, the decoded request (about twice the body), the
// scope and the normalised fingerprints of a Names lookup (about twice again), the answer.
const maxAllocPerBodyByte = 16

// TestGetCostIsLinear: every hostile Get shape costs the portal a bounded multiple of its body
// in allocations, and sixteen times the body costs no more than about sixteen times as much
// (the quadratic KeyValues scope of issue 17 allocated 50-100 MB for one 1 MB body).
func TestGetCostIsLinear(t *testing.T) {
	h := newHandler(t, portal.Config{})
	for _, shape := range hostile.Shapes() {
		t.Run(string(shape), func(t *testing.T) {
			var cost [2]uint64
			for i, size := range []int{62_500, 1_000_000} {
				body, err := hostile.Get(shape, size, "nobody@localhost")
				if err != nil {
					t.Fatal(err)
				}
				getCost(t, h, body) // warm up: first-use allocations are not the request's
				c, code := getCost(t, h, body)
				if code >= 500 {
					t.Fatalf("%d bytes: HTTP %d", len(body), code)
				}
				if c > uint64(maxAllocPerBodyByte*len(body)) {
					t.Errorf("%d bytes of %s allocated %d bytes: more than %d times the body", len(body), shape, c, maxAllocPerBodyByte)
				}
				cost[i] = c
			}
			if ratio := float64(cost[1]) / float64(cost[0]); ratio > 24 {
				t.Errorf("16 times the body allocated %.1f times as much (%d vs %d bytes): superlinear", ratio, cost[1], cost[0])
			}
		})
	}
}

// BenchmarkHostileGet times one Get of each shape through the handler at 62.5 KB and 1 MB,
// before issue 17 (quadratic-get-scope) and after: linear cost keeps MB/s level from the small
// body to the large one, quadratic cost divides it by about the ratio of sizes (16).
func BenchmarkHostileGet(b *testing.B) {
	for _, before := range []bool{false, true} {
		cfg := portal.Config{}
		variant := "after"
		if before {
			cfg.Bugs.QuadraticGetScope = true
			variant = "before"
		}
		h := newHandler(b, cfg)
		for _, shape := range hostile.Shapes() {
			for _, size := range []int{62_500, 1_000_000} {
				body, err := hostile.Get(shape, size, "nobody@localhost")
				if err != nil {
					b.Fatal(err)
				}
				b.Run(fmt.Sprintf("%s/%s/%d", variant, shape, size), func(b *testing.B) {
					b.SetBytes(int64(len(body)))
					b.ReportAllocs()
					for b.Loop() {
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "http://localhost"+portal.Path, bytes.NewReader(body)))
						if rec.Code >= 500 {
							b.Fatal(fmt.Sprint(rec.Code))
						}
					}
				})
			}
		}
	}
}

// TestSecondPortalOnLockedDirectory: a second portal on a data directory another holds open
// says so (ErrStoreInUse), not merely that the store timed out.
func TestSecondPortalOnLockedDirectory(t *testing.T) {
	dir := t.TempDir()
	first, err := portal.New(portal.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	_, err = portal.New(portal.Config{DataDir: dir})
	if !errors.Is(err, portal.ErrStoreInUse) {
		t.Fatalf("second portal on %s: %v; want ErrStoreInUse", dir, err)
	}
	if !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("the error does not say the directory is in use: %v", err)
	}
}
