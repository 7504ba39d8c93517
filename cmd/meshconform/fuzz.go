package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/fuzz/live"
	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/internal/memstat"
	"github.com/meshconform/meshconform/spec"
)

// `meshconform fuzz`: the schema-aware live portal fuzzer (fuzz/live).
func init() {
	var (
		tf                runFlags // the target flags, as run's
		out               string
		memoryURL         string
		duration          time.Duration
		workers           int
		maxCases          int64
		clientBin, config string
		shard             string
	)
	cmd := &cobra.Command{
		Use:   "fuzz",
		Short: "Fuzz a live portal with mutated valid requests, or a client binary with mutated valid answers; save minimised reproducers",
		Long: "Fuzz a portal (--portal URL, or the embedded reference portal, optionally with --bug knobs)\n" +
			"with schema-aware mutations of valid requests. Every random choice flows from --seed.\n" +
			"Findings are minimised and saved under --out; `meshconform replay FILE --portal URL` re-sends one.\n" +
			"With --client BIN [--config FILE], fuzzes a client binary instead (fuzz/client): crashes, hangs, memory, over-reading,\n" +
			"followed redirects, and success exits on answers that must be refused; --max-cases bounds the runs; `meshconform replay FILE --client BIN` re-runs one.\n" +
			"\nExit codes:\n  0  no finding, or SHOULD-level findings only (warnings)\n" +
			"  1  a finding breaks a MUST (or any finding, with --strict)\n" +
			"  2  usage, configuration or a failed pre-flight",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer cancel()
			if tf.seed == 0 {
				tf.seed = time.Now().UnixNano()
			}
			if clientBin != "" {
				if tf.portal != "" || tf.host != "" || memoryURL != "" || len(tf.bugs) > 0 || len(tf.allows) > 0 {
					return usage("--client does not combine with --portal, --host, --memory-url, --bug or --allow")
				}
				return fuzzClient(cmd, clientBin, config, uint64(tf.seed), duration, int(maxCases), out)
			}
			if config != "" {
				return usage("--config applies to --client only")
			}
			if memoryURL != "" && tf.portal == "" {
				return usage("--memory-url applies to a portal given with --portal; the embedded portal's memory is read directly")
			}
			var memory func(context.Context) (uint64, error)
			if memoryURL != "" {
				memory = expvarMemory(memoryURL)
			}
			if tf.portal == "" {
				// The embedded portal shares this process: its live heap is the process's.
				memory = func(context.Context) (uint64, error) { return memstat.LiveHeap(), nil }
			}
			// The embedded portal lives on the command's context, not the interruptible one:
			// an interrupted campaign ends with its summary, against a portal still answering.
			tg, domain, closeTarget, err := openTarget(cmd.Context(), cmd, &tf)
			defer closeTarget()
			if err != nil {
				return err
			}
			si, sn, err := parseShard(shard)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			f, err := live.New(live.Config{Target: tg, Domain: domain, Seed: tf.seed, Duration: duration,
				MaxRequests: maxCases, Workers: workers, OutDir: out, Log: w, Memory: memory, Shard: si, Shards: sn})
			if err != nil {
				return usage("%w", err)
			}
			s, err := f.Run(ctx)
			if err != nil {
				return usage("%w", err)
			}
			fmt.Fprintf(w, "seed %d: %d cases, %d requests in %s (%.0f requests/s)\n", s.Seed, s.Cases, s.Requests,
				s.Elapsed.Round(time.Millisecond), s.PerSecond)
			fmt.Fprintf(w, "answer time of an unmutated Hello: median %s at the start, %s at the end\n", s.ProbeFirst, s.ProbeLast)
			if s.MemoryFirst > 0 || s.MemoryLast > 0 {
				fmt.Fprintf(w, "portal memory (live heap): median %.1f MiB at the start, %.1f MiB at the end\n",
					float64(s.MemoryFirst)/(1<<20), float64(s.MemoryLast)/(1<<20))
			} else {
				fmt.Fprintln(w, "portal memory: not observed (give --memory-url for a portal that publishes expvar figures)")
			}
			if len(s.ByClass) == 0 {
				fmt.Fprintln(w, "findings: none")
				return nil
			}
			classes := make([]string, 0, len(s.ByClass))
			for c := range s.ByClass {
				classes = append(classes, c)
			}
			sort.Strings(classes)
			fmt.Fprintln(w, "findings by class:")
			for _, c := range classes {
				fmt.Fprintf(w, "  %-26s %6d  %-6s %-27s first at case %d after %s\n", c, s.ByClass[c], live.ClassLevel(c),
					live.ClassRequirement(c), s.FirstCase[c], s.FirstAt[c].Round(time.Millisecond))
			}
			sp, err := spec.Load()
			if err != nil {
				return fmt.Errorf("loading the requirement catalog: %w", err)
			}
			for _, sv := range s.Saved {
				if sv.File == "" {
					continue
				}
				fmt.Fprintf(w, "reproducer %s: %s\n", sv.Class, sv.File)
				if r, ok := sp.Requirement(sv.Requirement); ok {
					fmt.Fprintf(w, "  %s (section %s, judged at %s): %q\n", r.ID, r.Section, sv.Level, r.Text)
				}
				fmt.Fprintf(w, "  expected %s; observed %s\n  replay: %s replay %s %s\n", sv.Expected, sv.Observed,
					invocation(), harness.ShellQuote(sv.File), targetArgs(&tf, tg.URL()))
			}
			// A SHOULD finding alone is a warning, as in `run` (exit 1 under --strict).
			if must := s.Failing(); len(must) > 0 || tf.strict {
				return failed("%d finding classes (%d at MUST level)", len(s.ByClass), len(must))
			}
			fmt.Fprintln(w, "only SHOULD-level findings: warnings (exit 0; --strict makes them fail)")
			return nil
		},
	}
	fl := cmd.Flags()
	tf.registerTarget(fl)
	// A request that takes longer than this is a hang: shorter than run's, for throughput.
	fl.Lookup("timeout").DefValue, tf.timeout = "5s", 5*time.Second
	fl.DurationVar(&duration, "duration", time.Minute, "campaign length")
	fl.Int64Var(&maxCases, "max-cases", 0, "stop after this many fuzz cases (0: duration only)")
	fl.Int64Var(&tf.seed, "seed", 0, "seed of every random choice (0: pick one; it is printed)")
	fl.StringVar(&out, "out", "meshconform-fuzz", "directory for reproducer files")
	fl.IntVar(&workers, "workers", 2, "concurrent cases")
	fl.StringVar(&shard, "shard", "", "I/N: run shard I (0-based) of an N-machine campaign: give every machine the same --seed "+
		"and its own I; the shards never send the same case; `meshconform fuzz merge` joins their --out directories")
	fl.BoolVar(&tf.strict, "strict", false, "SHOULD-level findings fail the run too (exit 1)")
	fl.StringVar(&memoryURL, "memory-url", "", "expvar URL of the portal's process (meshportal --debug-listen: http://ADDR/debug/vars), "+
		"watched for memory growth")
	fl.StringVar(&clientBin, "client", "", "fuzz this client binary (docs/SHIM.md) instead of a portal: a test portal answers it with mutated valid answers")
	fl.StringVar(&config, "config", "", "with --client: the shim configuration file")
	cmd.AddCommand(fuzzMergeCmd())
	rootCmd.AddCommand(cmd)
}

// parseShard reads --shard I/N ("" is the whole campaign: 0, 1).
func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 1, nil
	}
	var i, n int
	if c, err := fmt.Sscanf(s, "%d/%d", &i, &n); err != nil || c != 2 || fmt.Sprintf("%d/%d", i, n) != s || n < 1 || i < 0 || i >= n {
		return 0, 0, usage("--shard %q: want I/N with 0 <= I < N", s)
	}
	return i, n, nil
}

// `meshconform fuzz merge DIR...`: one set of findings out of several campaigns' directories.
func fuzzMergeCmd() *cobra.Command {
	var out, reportPath string
	cmd := &cobra.Command{
		Use:   "merge DIR...",
		Short: "Deduplicate the reproducers of several live-fuzz campaigns (shards, machines) by signature into one set",
		Long: "Read the reproducer files under each DIR (the --out directories of several `meshconform fuzz` campaigns,\n" +
			"shards of one seed or campaigns of distinct seeds), keep one per signature (class, requirement, template,\n" +
			"transaction and the mutations that took effect, their arguments aside) and copy the kept ones to --out.\n" +
			"Prints one line per finding with the number of duplicates; --report FILE writes the same as JSON.\n" +
			"\nExit codes:\n  0  merged (findings or none)\n  2  usage, or a directory could not be read or written",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, dirs []string) error {
			rep, err := live.Merge(dirs, out)
			if err != nil {
				return usage("%w", err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%d reproducer files from %d directories: %d distinct findings\n", rep.Files, len(dirs), len(rep.Findings))
			for _, m := range rep.Findings {
				fmt.Fprintf(w, "  %-26s %-27s %-6s x%-3d %s\n", m.Class, m.Requirement, m.Level, len(m.Files), m.Kept)
			}
			for _, s := range rep.Skipped {
				fmt.Fprintf(w, "skipped (not a reproducer): %s\n", s)
			}
			if out != "" {
				fmt.Fprintf(w, "kept reproducers in %s\n", out)
			}
			if reportPath != "" {
				data, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return fmt.Errorf("merge report: %w", err)
				}
				if err := os.WriteFile(reportPath, append(data, '\n'), 0o644); err != nil {
					return usage("merge report: %w", err)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "meshconform-fuzz-merged", "directory for the kept reproducers (\"\": report only)")
	cmd.Flags().StringVar(&reportPath, "report", "", "write the merge report as JSON to this file")
	return cmd
}

// expvarMemory reads a Go process's memory figure from its expvar page: live_heap_bytes when
// it publishes one (meshportal does), else memstats.HeapAlloc, which counts garbage not yet
// collected too.
func expvarMemory(url string) func(context.Context) (uint64, error) {
	hc := &http.Client{Timeout: 5 * time.Second}
	return func(ctx context.Context) (uint64, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return 0, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
		}
		var vars struct {
			LiveHeap *uint64 `json:"live_heap_bytes"`
			MemStats *struct {
				HeapAlloc uint64
			} `json:"memstats"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&vars); err != nil {
			return 0, fmt.Errorf("%s: %w", url, err)
		}
		switch {
		case vars.LiveHeap != nil:
			return *vars.LiveHeap, nil
		case vars.MemStats != nil:
			return vars.MemStats.HeapAlloc, nil
		}
		return 0, fmt.Errorf("%s: neither live_heap_bytes nor memstats.HeapAlloc", url)
	}
}
