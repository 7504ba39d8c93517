package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	clientfuzz "github.com/meshconform/meshconform/fuzz/client"
	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/spec"
)

// clientShim resolves a client binary and its configuration as `client` does.
func clientShim(flag, bin, config string) (*shim.Shim, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, usage("%s: %v", flag, err)
	}
	if fi, err := os.Stat(abs); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return nil, usage("%s %s is not an executable file", flag, bin)
	}
	var cfg *shim.Config
	if config != "" {
		if cfg, err = shim.LoadConfig(config); err != nil {
			return nil, usage("--config: %v", err)
		}
	}
	return shim.New(abs, cfg), nil
}

// fuzzClient is `meshconform fuzz --client BIN`: the client fuzzer (fuzz/client).
func fuzzClient(c *cobra.Command, bin, config string, seed uint64, duration time.Duration, maxExecs int, out string) error {
	sh, err := clientShim("--client", bin, config)
	if err != nil {
		return err
	}
	w := c.OutOrStdout()
	fmt.Fprintf(w, "fuzzing client %s (shim contract v%d, request timeout %s), seed %d\n", sh.Bin, shim.ContractVersion, sh.RequestTimeout, seed)
	st, err := clientfuzz.Run(c.Context(), clientfuzz.Config{Shim: sh, Seed: seed, Duration: duration, MaxExecs: maxExecs, Out: out})
	if err != nil {
		return usage("%v", err)
	}
	fmt.Fprintf(w, "seed %d: %d runs of the client in %s (%.1f runs/s)\n", seed, st.Execs, st.Elapsed.Round(time.Millisecond), st.ExecsPerSecond())
	if len(st.Findings) == 0 {
		fmt.Fprintln(w, "findings: none")
		return nil
	}
	sp, err := spec.Load()
	if err != nil {
		return fmt.Errorf("loading the requirement catalog: %w", err)
	}
	for _, f := range st.Findings {
		fmt.Fprintf(w, "finding %s on %s (%s answer, mutations %v): %s\n", f.Kind, f.Scenario, f.Tx, f.Mutations, f.Why)
		if r, ok := sp.Requirement(f.Requirement); ok {
			fmt.Fprintf(w, "  %s (section %s, %s): %q\n", r.ID, r.Section, r.Level, r.Text)
		}
		fmt.Fprintf(w, "  observed: %s\n", f.Observed)
		if f.File != "" {
			fmt.Fprintf(w, "  replay: %s replay %s --client %s%s\n", invocation(), harness.ShellQuote(f.File), harness.ShellQuote(bin), configArg(config))
		}
	}
	return failed("%d findings against the client", len(st.Findings))
}

// replayClient re-runs a client fuzzer reproducer: exit 0 fixed, 1 still failing, 2 usage.
func replayClient(c *cobra.Command, path, bin, config string) error {
	if bin == "" {
		return usage("%s is a client fuzzer reproducer: give --client BIN", path)
	}
	f, err := clientfuzz.Load(path)
	if err != nil {
		return usage("replay %s: %v", path, err)
	}
	sh, err := clientShim("--client", bin, config)
	if err != nil {
		return err
	}
	again, observed, err := clientfuzz.Replay(c.Context(), sh, f)
	if err != nil {
		return usage("replay %s: %v", path, err)
	}
	fmt.Fprintf(c.OutOrStdout(), "%s: %s %s on %s (mutations %v)\n  observed: %s\n", path, f.Kind, f.Requirement, f.Scenario, f.Mutations, observed)
	if again {
		return failed("%s: still failing", path)
	}
	fmt.Fprintf(c.OutOrStdout(), "%s: fixed\n", path)
	return nil
}
