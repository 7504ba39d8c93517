package fuzzreport

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Result is what one `go test -fuzz` run of one target reported.
type Result struct {
	Target string
	// Execs is the number of executions while fuzzing (the baseline coverage pass excluded).
	Execs int64
	// Fuzzing is the time spent fuzzing after the baseline coverage pass, to the second as
	// go test prints it.
	Fuzzing time.Duration
	// LastRate is the executions per second of the last interval go test printed: go test
	// reports per interval, and workers report in bursts, so ExecsPerSec is the better figure.
	LastRate float64
	// NewInteresting is the number of corpus entries this run added; Total the corpus size.
	NewInteresting int
	Total          int
	// Failed is true when the run ended in FAIL: a crasher, a seed that broke a property, or a
	// build failure.
	Failed bool
	// Crashers lists the failing inputs go test wrote, relative to the package directory
	// (testdata/fuzz/<Target>/<hash>).
	Crashers []string
	// FailingSeed names a seed corpus entry that failed before fuzzing began
	// ("FuzzX/<name>"): a kept crasher that still fails, or a seed that breaks a property.
	FailingSeed string
	// Failure holds the first lines of the failure report, for the summary.
	Failure []string
	// DeadlineFlake is true when the only failure was a bare "context deadline exceeded" at
	// the end of -fuzztime with no crasher written: Go's fuzzing coordinator race
	// (golang/go#75804, fixed in Go 1.27), not a finding. Failed is false then.
	DeadlineFlake bool
}

// ExecsPerSec is the run's average rate while fuzzing.
func (r *Result) ExecsPerSec() float64 {
	if s := r.Fuzzing.Seconds(); s > 0 {
		return float64(r.Execs) / s
	}
	return r.LastRate
}

var (
	statsLine    = regexp.MustCompile(`^fuzz: elapsed: (\S+), execs: (\d+) \((\d+)/sec\), new interesting: (\d+) \(total: (\d+)\)`)
	baselineDone = regexp.MustCompile(`^fuzz: elapsed: (\S+), gathering baseline coverage: (\d+)/(\d+) completed, now fuzzing`)
	failingInput = regexp.MustCompile(`Failing input written to (\S+)`)
	failLine     = regexp.MustCompile(`^\s*--- FAIL: (\S+)`)
	seedFailure  = regexp.MustCompile(`^failure while testing seed corpus entry: (\S+)`)
)

// ErrNoFuzzing says the output shows no fuzzing at all: neither statistics nor a failure.
// It usually means a build error or a wrong target name.
var ErrNoFuzzing = errors.New("fuzzreport: output shows no fuzzing run")

// Parse reads the combined output of `go test -run '^$' -fuzz '^Target$'` for target.
func Parse(target string, r io.Reader) (*Result, error) {
	res := &Result{Target: target}
	var baseline time.Duration
	sawStats, inFailure := false, false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := baselineDone.FindStringSubmatch(line); m != nil {
			d, err := time.ParseDuration(m[1])
			if err != nil {
				return nil, fmt.Errorf("fuzzreport: elapsed %q: %w", m[1], err)
			}
			baseline = d
			continue
		}
		if m := statsLine.FindStringSubmatch(line); m != nil {
			d, err := time.ParseDuration(m[1])
			if err != nil {
				return nil, fmt.Errorf("fuzzreport: elapsed %q: %w", m[1], err)
			}
			res.Execs, _ = strconv.ParseInt(m[2], 10, 64)
			res.LastRate, _ = strconv.ParseFloat(m[3], 64)
			res.NewInteresting, _ = strconv.Atoi(m[4])
			res.Total, _ = strconv.Atoi(m[5])
			res.Fuzzing = d - baseline
			sawStats = true
			continue
		}
		if m := seedFailure.FindStringSubmatch(line); m != nil {
			res.FailingSeed = m[1]
			res.Failed = true
		}
		if m := failingInput.FindStringSubmatch(line); m != nil {
			res.Crashers = append(res.Crashers, m[1])
		}
		if failLine.MatchString(line) {
			res.Failed, inFailure = true, true
		}
		if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "exit status") {
			res.Failed = true
		}
		if strings.HasPrefix(line, "# ") || strings.Contains(line, "[build failed]") {
			res.Failed, inFailure = true, true
		}
		if inFailure && len(res.Failure) < 12 && strings.TrimSpace(line) != "" {
			res.Failure = append(res.Failure, strings.TrimSpace(line))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("fuzzreport: reading output: %w", err)
	}
	if !sawStats && !res.Failed {
		return res, fmt.Errorf("%w for %s", ErrNoFuzzing, target)
	}
	if res.Failed && sawStats && len(res.Crashers) == 0 && res.FailingSeed == "" && onlyDeadline(res.Failure) {
		res.Failed, res.DeadlineFlake = false, true
	}
	return res, nil
}

// onlyDeadline reports whether a failure report says nothing but that the fuzzing deadline passed.
func onlyDeadline(lines []string) bool {
	saw := false
	for _, l := range lines {
		switch {
		case l == "context deadline exceeded":
			saw = true
		case strings.HasPrefix(l, "--- FAIL: "), l == "FAIL", strings.HasPrefix(l, "exit status"), strings.HasPrefix(l, "FAIL\t"):
		default:
			return false
		}
	}
	return saw
}

// ParseList reads the output of `go test -list '^Fuzz'` and returns the fuzz targets in the
// order listed.
func ParseList(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "Fuzz") && !strings.ContainsAny(line, " \t") {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("fuzzreport: reading target list: %w", err)
	}
	return out, nil
}
