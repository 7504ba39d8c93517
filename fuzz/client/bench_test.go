package clientfuzz_test

import (
	"context"
	"testing"

	clientfuzz "github.com/meshconform/meshconform/fuzz/client"
	"github.com/meshconform/meshconform/harness/shim"
)

// BenchmarkExec measures one fuzzing run of the reference client per scenario: a process
// start, its exchanges with the test portal, and the judgement (ns/op; execs/s alongside).
func BenchmarkExec(b *testing.B) {
	bin := meshclient(b)
	for _, sc := range clientfuzz.Scenarios {
		b.Run(sc.Name, func(b *testing.B) {
			sh := shim.New(bin, &shim.Config{Shim: shim.ContractVersion})
			st, err := clientfuzz.Run(context.Background(), clientfuzz.Config{Shim: sh, Seed: 1, MaxExecs: b.N, Scenarios: []clientfuzz.Scenario{sc}})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(st.ExecsPerSecond(), "execs/s")
		})
	}
}
