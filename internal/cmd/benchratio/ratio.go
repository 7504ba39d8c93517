package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// A comparison is one aim: the portal's benchmark beside its baseline's.
type comparison struct {
	label     string
	portal    string // benchmark name without the -GOMAXPROCS suffix
	baseline  string
	aim       float64
	wallUnit  string // operations per second
	cpuUnit   string // CPU per operation
	secondary bool   // a reading kept for context, not the aim's own
}

// comparisons are the aims of issue 4, in the names BenchmarkThroughput and BenchmarkPublish
// report. Publish is read against verification on one core and on every core: see
// DEVELOPERS.md for why both are printed.
var comparisons = []comparison{
	{label: "Hello: portal / bare handler", portal: "Throughput/Hello/portal", baseline: "Throughput/Hello/bare", aim: 0.6, wallUnit: "req/s", cpuUnit: "cpu-µs/req"},
	{label: "Get: portal / bare handler", portal: "Throughput/Get/portal", baseline: "Throughput/Get/bare", aim: 0.6, wallUnit: "req/s", cpuUnit: "cpu-µs/req"},
	{label: "Publish portal / Ed448 one core", portal: "Publish/Publish/portal", baseline: "Publish/Ed448Verify/one-core", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op"},
	{label: "Publish fresh / Ed448 one core", portal: "Publish/Publish/fresh", baseline: "Publish/Ed448Verify/one-core", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op"},
	{label: "Publish client / Ed448 one core", portal: "Publish/Publish/client", baseline: "Publish/Ed448Verify/one-core", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op"},
	{label: "Publish portal, session / Ed448 one core", portal: "Publish/Publish/portal-session", baseline: "Publish/Ed448Verify/one-core", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op"},
	{label: "Publish fresh, session / Ed448 one core", portal: "Publish/Publish/fresh-session", baseline: "Publish/Ed448Verify/one-core", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op"},
	{label: "Publish client, session / Ed448 one core", portal: "Publish/Publish/client-session", baseline: "Publish/Ed448Verify/one-core", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op"},
	{label: "Publish portal / Ed448 all cores", portal: "Publish/Publish/portal", baseline: "Publish/Ed448Verify/all-cores", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op", secondary: true},
	{label: "Publish fresh / Ed448 all cores", portal: "Publish/Publish/fresh", baseline: "Publish/Ed448Verify/all-cores", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op", secondary: true},
	{label: "Publish client / Ed448 all cores", portal: "Publish/Publish/client", baseline: "Publish/Ed448Verify/all-cores", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op", secondary: true},
	{label: "Publish portal, session / Ed448 all cores", portal: "Publish/Publish/portal-session", baseline: "Publish/Ed448Verify/all-cores", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op", secondary: true},
	{label: "Publish fresh, session / Ed448 all cores", portal: "Publish/Publish/fresh-session", baseline: "Publish/Ed448Verify/all-cores", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op", secondary: true},
	{label: "Publish client, session / Ed448 all cores", portal: "Publish/Publish/client-session", baseline: "Publish/Ed448Verify/all-cores", aim: 0.5, wallUnit: "op/s", cpuUnit: "cpu-µs/op", secondary: true},
}

// round is one pass over the benchmarks: name -> unit -> value.
type round map[string]map[string]float64

// ErrNoRounds is returned for input without a single benchmark result.
var ErrNoRounds = errors.New("benchratio: no benchmark results in the input")

// readRounds splits Go benchmark output into rounds: a round ends where a benchmark it already
// holds appears again.
func readRounds(r io.Reader, fileName string) ([]round, error) {
	br := benchfmt.NewReader(r, fileName)
	var rounds []round
	var cur round
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue // a syntax error or unit metadata: benchstat reports those, not us
		}
		name := strings.TrimPrefix(shortName(res.Name), "Benchmark")
		if cur == nil || cur[name] != nil {
			cur = round{}
			rounds = append(rounds, cur)
		}
		vals := map[string]float64{}
		for _, v := range res.Values {
			unit := v.Unit
			if v.OrigUnit != "" {
				unit, v.Value = v.OrigUnit, v.OrigValue
			}
			vals[unit] = v.Value
		}
		cur[name] = vals
	}
	if err := br.Err(); err != nil {
		return nil, fmt.Errorf("benchratio: %w", err)
	}
	if len(rounds) == 0 {
		return nil, ErrNoRounds
	}
	return rounds, nil
}

// shortName is a benchmark's full name without its -GOMAXPROCS suffix.
func shortName(n benchfmt.Name) string {
	base, parts := n.Parts()
	var b strings.Builder
	b.Write(base)
	for _, p := range parts {
		if strings.HasPrefix(string(p), "-") {
			continue
		}
		b.Write(p)
	}
	return b.String()
}

// ratios is what one comparison gives over the rounds that measured both of its sides.
type ratios struct {
	wall, cpu []float64
}

// compare returns the per-round ratios of c: portal ops/s over baseline ops/s, and baseline
// CPU per operation over portal CPU per operation (both read "how much of the baseline's
// speed the portal reaches").
func compare(rounds []round, c comparison) ratios {
	var out ratios
	for _, r := range rounds {
		p, b := r[c.portal], r[c.baseline]
		if p == nil || b == nil {
			continue
		}
		if pw, bw := p[c.wallUnit], b[c.wallUnit]; pw > 0 && bw > 0 {
			out.wall = append(out.wall, pw/bw)
		}
		if pc, bc := p[c.cpuUnit], b[c.cpuUnit]; pc > 0 && bc > 0 {
			out.cpu = append(out.cpu, bc/pc)
		}
	}
	return out
}

// median of xs; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// report writes one line per comparison: its per-round wall ratios, their median and range,
// the median CPU ratio and whether the wall median meets the aim. It returns the labels of the
// comparisons the input could not measure.
func report(w io.Writer, rounds []round) (missing []string) {
	fmt.Fprintf(w, "%d rounds; ratio = portal / baseline within one round (wall: ops/s; cpu: baseline cpu-µs/op over the portal's)\n\n", len(rounds))
	fmt.Fprintf(w, "%-42s %7s %13s %7s %6s  %s\n", "", "wall", "wall range", "cpu", "aim", "met (wall median)")
	for _, c := range comparisons {
		rs := compare(rounds, c)
		if len(rs.wall) == 0 {
			missing = append(missing, c.label)
			fmt.Fprintf(w, "%-42s not measured\n", c.label)
			continue
		}
		met := "no"
		if median(rs.wall) >= c.aim {
			met = "yes"
		}
		if c.secondary {
			met += " (like for like: the portal also uses every core)"
		}
		fmt.Fprintf(w, "%-42s %7.2f %6.2f–%-6.2f %7.2f %6s  %s\n", c.label, median(rs.wall),
			slices.Min(rs.wall), slices.Max(rs.wall), median(rs.cpu), fmt.Sprintf("≥%.2f", c.aim), met)
	}
	return missing
}
