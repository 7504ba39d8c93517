package fuzzreport

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The samples in testdata are real `go test -fuzz` output (build-failure.txt is written in
// the form go test prints), captured from this repository's targets.
func TestParseSamples(t *testing.T) {
	cases := []struct {
		file, target string
		want         Result
		rate         float64
	}{
		{"pass.txt", "FuzzKeyFile", Result{Execs: 64607, Fuzzing: 4 * time.Second, LastRate: 23080, NewInteresting: 19, Total: 70}, 64607.0 / 4},
		{"crasher.txt", "FuzzBase64", Result{Failed: true, Crashers: []string{"testdata/fuzz/FuzzBase64/8727b16d337d7b81"}}, 0},
		{"hung-worker.txt", "FuzzDareParse", Result{Execs: 103454, Fuzzing: 15 * time.Second, LastRate: 36496, Total: 12, Failed: true,
			Crashers: []string{"testdata/fuzz/FuzzDareParse/7bfa699754dfb335"}}, 103454.0 / 15},
		{"seed-failure.txt", "FuzzBase64", Result{Failed: true, FailingSeed: "FuzzBase64/8727b16d337d7b81"}, 0},
		{"build-failure.txt", "FuzzDecodeRequest", Result{Failed: true}, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Parse(c.target, f)
			if err != nil {
				t.Fatal(err)
			}
			c.want.Target = c.target
			if diff := cmp.Diff(&c.want, got, cmpopts.IgnoreFields(Result{}, "Failure")); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if got.Failed != (len(got.Failure) > 0) {
				t.Errorf("Failed=%v but failure lines %q", got.Failed, got.Failure)
			}
			if r := got.ExecsPerSec(); r != c.rate {
				t.Errorf("ExecsPerSec = %v, want %v", r, c.rate)
			}
		})
	}
}

func TestParseNoFuzzing(t *testing.T) {
	_, err := Parse("FuzzX", strings.NewReader("testing: warning: no tests to run\nPASS\nok  \tx\t0.01s\n"))
	if !errors.Is(err, ErrNoFuzzing) {
		t.Fatalf("got %v, want ErrNoFuzzing", err)
	}
}

func TestSummary(t *testing.T) {
	results := []*Result{
		{Target: "FuzzJSONBaseline", Execs: 1000, Fuzzing: 10 * time.Second, NewInteresting: 3, Total: 80},
		{Target: "FuzzUnmarshal", Execs: 600, Fuzzing: 10 * time.Second, NewInteresting: 5, Total: 90},
		{Target: "FuzzBase64", Failed: true, Crashers: []string{"testdata/fuzz/FuzzBase64/abc"}},
		{Target: "FuzzUDF", Failed: true, FailingSeed: "FuzzUDF/def", Failure: []string{"--- FAIL: FuzzUDF"}},
	}
	var buf bytes.Buffer
	if err := Summary(&buf, results, "FuzzJSONBaseline", "fuzz"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"target", "execs/sec", "vs json", "new interesting", "crashers",
		"FuzzUnmarshal", " 60 ", " 0.60 ",
		"crasher FuzzBase64: fuzz/testdata/fuzz/FuzzBase64/abc",
		"failing seed corpus entry FuzzUDF/def (kept crashers are in fuzz/testdata/fuzz/FuzzUDF)",
		"FAIL",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := Summary(&buf, results[1:2], "", "fuzz"); err != nil || strings.Contains(buf.String(), "vs json") {
		t.Errorf("no baseline: ratio column present or error %v:\n%s", err, buf.String())
	}
}

func TestParseList(t *testing.T) {
	out := "TestEveryTargetHasANativeFuzzFunction\nFuzzDecodeRequest\nFuzzBase64\nok  \tgithub.com/meshconform/meshconform/fuzz\t0.012s\n"
	got, err := ParseList(strings.NewReader(out))
	if err != nil || !cmp.Equal(got, []string{"FuzzDecodeRequest", "FuzzBase64"}) {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestDeadlineFlake: Go 1.26's fuzzing coordinator can end a clean campaign with a bare
// "context deadline exceeded" (golang/go#75804); that is no finding, but a crasher still is.
func TestDeadlineFlake(t *testing.T) {
	data, err := os.ReadFile("testdata/deadline-flake.txt")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Parse("FuzzUDF", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed || !res.DeadlineFlake || res.Execs != 574599 {
		t.Errorf("deadline flake parsed as %+v", res)
	}
	crash := strings.Replace(string(data), "    context deadline exceeded", "    Failing input written to testdata/fuzz/FuzzUDF/abc\n    context deadline exceeded", 1)
	res, err = Parse("FuzzUDF", strings.NewReader(crash))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed || res.DeadlineFlake {
		t.Errorf("a crasher with a deadline message must stay a failure: %+v", res)
	}
}
