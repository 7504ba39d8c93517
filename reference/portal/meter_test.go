package portal_test

import (
	"testing"
	"time"
)

// meter measures a benchmark's timed part two ways: operations per second of wall time, the
// figure a user sees, and CPU time per operation (user + system, the whole process: portal,
// load generator and runtime). On a shared machine the first moves with the neighbours; the
// second barely does, so comparisons between builds read it.
type meter struct {
	wall time.Time
	cpu  time.Duration
}

// startMeter resets the benchmark timer and starts measuring.
func startMeter(b *testing.B) meter {
	b.ResetTimer()
	return meter{wall: time.Now(), cpu: processCPU()}
}

// report adds the two figures to the benchmark's output, as ops/s and cpu-µs/op.
func (m meter) report(b *testing.B, unit string) {
	wall, cpu := time.Since(m.wall), processCPU()-m.cpu
	b.ReportMetric(float64(b.N)/wall.Seconds(), unit+"/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/"+unit)
	}
}
