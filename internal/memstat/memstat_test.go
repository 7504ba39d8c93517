package memstat

import (
	"runtime"
	"testing"
)

var keep [][]byte

// TestLiveHeapFollowsWhatIsKept: holding 64 MiB raises the figure by about that much once a
// collection has seen it, and dropping it brings the figure back down.
func TestLiveHeapFollowsWhatIsKept(t *testing.T) {
	runtime.GC()
	before := LiveHeap()
	if before == 0 {
		t.Fatal("no live heap figure")
	}
	for range 64 {
		keep = append(keep, make([]byte, 1<<20))
	}
	runtime.GC()
	held := LiveHeap()
	if held < before+60<<20 {
		t.Errorf("holding 64 MiB: live heap %d, was %d", held, before)
	}
	keep = nil
	runtime.GC()
	if after := LiveHeap(); after > before+8<<20 {
		t.Errorf("after dropping it: live heap %d, was %d before", after, before)
	}
}
