package main

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func readFixture(t *testing.T) []round {
	t.Helper()
	f, err := os.Open("testdata/two-rounds.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rounds, err := readRounds(f, "two-rounds.txt")
	if err != nil {
		t.Fatal(err)
	}
	return rounds
}

func TestReadRoundsSplitsWhereABenchmarkRepeats(t *testing.T) {
	rounds := readFixture(t)
	if len(rounds) != 2 {
		t.Fatalf("%d rounds, want 2", len(rounds))
	}
	// Names lose "Benchmark" and the -GOMAXPROCS suffix; custom units keep their own name.
	if got := rounds[0]["Throughput/Hello/portal"]["req/s"]; got != 15000 {
		t.Errorf("round 1 Hello/portal req/s = %v, want 15000", got)
	}
	if got := rounds[1]["Publish/Ed448Verify/one-core"]["cpu-µs/op"]; got != 500 {
		t.Errorf("round 2 one-core cpu-µs/op = %v, want 500", got)
	}
}

func TestCompareTakesRatiosWithinEachRound(t *testing.T) {
	rounds := readFixture(t)
	tests := []struct {
		label     string
		wall, cpu []float64
	}{
		// Round 1: 15000/30000, 60/80; round 2: 16000/20000, 60/60.
		{"Hello: portal / bare handler", []float64{0.5, 0.8}, []float64{0.75, 1}},
		// Round 1: 2400/4000, 250/1000; round 2: 800/2000, 500/1000.
		{"Publish fresh / Ed448 one core", []float64{0.6, 0.4}, []float64{0.25, 0.5}},
		{"Get: portal / bare handler", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			c := byLabel(t, tt.label)
			got := compare(rounds, c)
			approx := cmpopts.EquateApprox(0, 1e-9)
			if d := cmp.Diff(tt.wall, got.wall, approx); d != "" {
				t.Errorf("wall ratios (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.cpu, got.cpu, approx); d != "" {
				t.Errorf("cpu ratios (-want +got):\n%s", d)
			}
		})
	}
}

func byLabel(t *testing.T, label string) comparison {
	for _, c := range comparisons {
		if c.label == label {
			return c
		}
	}
	t.Fatalf("no comparison %q", label)
	return comparison{}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRunReportsMediansAndWhatWasNotMeasured(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"testdata/two-rounds.txt"}, nil, &out)
	// Get and the client variants are not in the fixture: an error names them.
	if err == nil || !strings.Contains(err.Error(), "Get: portal / bare handler") {
		t.Errorf("err = %v, want one naming the Get comparison", err)
	}
	text := out.String()
	for _, want := range []string{
		`^2 rounds`,
		// Hello: median of 0.5 and 0.8 is 0.65, over the 0.6 aim; cpu median of 0.75 and 1.
		`(?m)^Hello: portal / bare handler +0\.65 +0\.50–0\.80 +0\.88 +≥0\.60 +yes$`,
		// Publish fresh: median of 0.6 and 0.4 is 0.5, which meets a 0.5 aim.
		`(?m)^Publish fresh / Ed448 one core +0\.50 +0\.40–0\.60 +0\.38 +≥0\.50 +yes$`,
		// Only round 1 measured every core: 2400/8000, under the aim.
		`(?m)^Publish fresh / Ed448 all cores +0\.30 +0\.30–0\.30 +0\.25 +≥0\.50 +no \(like for like`,
		`(?m)^Get: portal / bare handler +not measured$`,
	} {
		if !regexp.MustCompile(want).MatchString(text) {
			t.Errorf("report does not match %s:\n%s", want, text)
		}
	}
}

func TestRunRefusesInputWithoutResults(t *testing.T) {
	err := run(nil, strings.NewReader("goos: linux\nPASS\n"), &bytes.Buffer{})
	if !errors.Is(err, ErrNoRounds) {
		t.Errorf("err = %v, want ErrNoRounds", err)
	}
}
