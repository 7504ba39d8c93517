package ndjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/internal/reporttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func lines(t *testing.T, data []byte) []Line {
	t.Helper()
	var out []Line
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l Line
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d is not a Line: %v: %s", len(out)+1, err, sc.Text())
		}
		out = append(out, l)
	}
	return out
}

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, reporttest.Fixture(t)); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden.ndjson")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if d := cmp.Diff(string(want), buf.String()); d != "" {
		t.Errorf("ndjson differs from %s (-want +got):\n%s", golden, d)
	}
}

func TestWriteShape(t *testing.T) {
	run := reporttest.Fixture(t)
	var buf bytes.Buffer
	if err := Write(&buf, run); err != nil {
		t.Fatal(err)
	}
	ls := lines(t, buf.Bytes())
	if got, want := len(ls), len(run.Results)+2; got != want {
		t.Fatalf("%d lines, want %d (start, one per check, summary)", got, want)
	}
	if ls[0].Event != EventStart || *ls[0].Seed != run.Seed || ls[0].Total != len(run.Results) {
		t.Errorf("start line %+v", ls[0])
	}
	for i, l := range ls[1 : len(ls)-1] {
		if l.Event != EventCheck || l.Check == nil || l.Seq != i+1 || l.Check.ID != run.Results[i].ID ||
			l.Check.Outcome != run.Results[i].Outcome {
			t.Errorf("check line %d: %+v", i, l)
		}
	}
	last := ls[len(ls)-1]
	if last.Event != EventSummary || last.Summary.Total != len(run.Results) || *last.Summary.ExitCode != run.ExitCode() {
		t.Fatalf("summary line %+v", last)
	}
	for o, n := range run.Summary.Outcomes {
		if last.Summary.Outcomes[o] != n {
			t.Errorf("summary %s=%d, want %d", o, last.Summary.Outcomes[o], n)
		}
	}
	// Lines never break inside a record, whatever the text contains.
	if c := strings.Count(buf.String(), "\n"); c != len(ls) {
		t.Errorf("%d newlines for %d lines", c, len(ls))
	}
}

// TestStreamConcurrent feeds events from several goroutines, as parallel workers do, and checks
// every check arrives as one whole line with distinct sequence numbers.
func TestStreamConcurrent(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)
	const n = 64
	if err := s.Handle(result.Event{Kind: result.RunStarted, Seed: 7, Total: n}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := &result.CheckResult{ID: fmt.Sprintf("c%02d", i), Section: "3", Outcome: result.Pass, Log: []string{"multi\nline"}}
			_ = s.Handle(result.Event{Kind: result.CheckStarted, CheckID: r.ID})
			if err := s.Handle(result.Event{Kind: result.CheckFinished, CheckID: r.ID, Result: r}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if err := s.Handle(result.Event{Kind: result.RunFinished}); err != nil {
		t.Fatal(err)
	}
	ls := lines(t, buf.Bytes())
	if len(ls) != n+2 {
		t.Fatalf("%d lines, want %d (check-started writes nothing)", len(ls), n+2)
	}
	seqs := map[int]bool{}
	for _, l := range ls[1 : n+1] {
		seqs[l.Seq] = true
	}
	if len(seqs) != n {
		t.Errorf("%d distinct sequence numbers, want %d", len(seqs), n)
	}
	if sum := ls[n+1].Summary; sum.Total != n || sum.Outcomes[result.Pass] != n {
		t.Errorf("summary without a run must count the stream: %+v", sum)
	}
	if err := s.Handle(result.Event{Kind: result.CheckFinished, Result: &result.CheckResult{ID: "late"}}); !errors.Is(err, ErrClosed) {
		t.Errorf("event after the summary: %v, want ErrClosed", err)
	}
}

type failingWriter struct{}

var errDisk = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDisk }

func TestStreamErrors(t *testing.T) {
	s := NewStream(failingWriter{})
	if err := s.Handle(result.Event{Kind: result.RunStarted}); !errors.Is(err, errDisk) {
		t.Fatalf("write error %v, want wrapped errDisk", err)
	}
	if err := s.Handle(result.Event{Kind: result.RunFinished}); !errors.Is(err, errDisk) || !errors.Is(s.Err(), errDisk) {
		t.Errorf("the first error must stick: %v", err)
	}
	var buf bytes.Buffer
	if err := NewStream(&buf).Handle(result.Event{Kind: result.CheckFinished, CheckID: "x"}); err == nil {
		t.Error("check-finished without a result must be an error, not a panic")
	}
}
