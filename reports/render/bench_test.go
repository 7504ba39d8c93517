package render

import (
	"fmt"
	"io"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
)

// bigRun repeats the fixture's results to the size of a full suite run (about 500 checks).
func bigRun() *result.Run {
	base := fixtureRun()
	run := *base
	run.Results = nil
	for i := 0; len(run.Results) < 500; i++ {
		for _, r := range base.Results {
			r.ID = fmt.Sprintf("%s.%03d", r.ID, i)
			run.Results = append(run.Results, r)
		}
	}
	run.Summary = result.Summarize(run.Results)
	return &run
}

func BenchmarkRender(b *testing.B) {
	run := bigRun()
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Render(io.Discard, name, run, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
