package harness

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkRunOverhead measures the runner's own cost per check (goroutine, timeout context,
// seeded random source, result conversion) with a target that answers instantly.
func BenchmarkRunOverhead(b *testing.B) {
	ft := &fakeTarget{}
	var checks []Check
	for i := range 100 {
		checks = append(checks, check(fmt.Sprintf("b.%03d", i), MUST, passing))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(context.Background(), checks, Config{Target: ft, Seed: 1, Jobs: 4}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(checks)), "ns/check")
}
