package portal

import (
	"runtime"
	"testing"
)

// TestDefaultLargeSlotsLeaveAProcessor: the default large slots leave a processor free for
// small requests wherever there are two or more (on 2 processors, 4 large slots let 16
// concurrent 1 MB Gets hold a Hello for 56-208 ms, BenchmarkConcurrentHostileGets), and the
// portal takes its default from GOMAXPROCS.
func TestDefaultLargeSlotsLeaveAProcessor(t *testing.T) {
	for _, tt := range []struct{ procs, want int }{
		{1, 1}, {2, 1}, {3, 2}, {4, 3}, {5, 4}, {64, DefaultMaxLargeInFlight},
	} {
		if got := defaultMaxLargeInFlight(tt.procs); got != tt.want {
			t.Errorf("defaultMaxLargeInFlight(%d) = %d, want %d", tt.procs, got, tt.want)
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	p, err := New(Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := cap(p.large.slots); got != 1 {
		t.Errorf("a portal on 2 processors has %d large slots, want 1", got)
	}
}
