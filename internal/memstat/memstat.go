package memstat

import "runtime/metrics"

// The runtime's figures: heap bytes the last collection marked live, collections so far, and
// heap bytes in objects (live or not yet collected).
const (
	liveHeapMetric    = "/gc/heap/live:bytes"
	gcCyclesMetric    = "/gc/cycles/total:gc-cycles"
	heapObjectsMetric = "/memory/classes/heap/objects:bytes"
)

// LiveHeap returns the live heap of this process in bytes. Before the first collection there is
// no live figure, and everything allocated counts.
func LiveHeap() uint64 {
	s := []metrics.Sample{{Name: liveHeapMetric}, {Name: gcCyclesMetric}, {Name: heapObjectsMetric}}
	metrics.Read(s)
	for _, v := range s {
		if v.Value.Kind() != metrics.KindUint64 {
			return 0 // a runtime without these metrics; Go 1.21 and later have them
		}
	}
	if s[1].Value.Uint64() == 0 {
		return s[2].Value.Uint64()
	}
	return s[0].Value.Uint64()
}
