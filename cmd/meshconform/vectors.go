package main

import (
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	clientchecks "github.com/meshconform/meshconform/conformance/client"
	"github.com/meshconform/meshconform/harness"

	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/portal"
	"github.com/meshconform/meshconform/spec"
	"github.com/meshconform/meshconform/vectors"
	"github.com/meshconform/meshconform/vectors/generate"
	"github.com/meshconform/meshconform/vectors/lint"
	"github.com/meshconform/meshconform/vectors/script"
)

// runVectors replays every transaction vector and prints one line per test.
func runVectors(c *cobra.Command, portalURL, host string, bugs []string, seed int64) error {
	out := c.OutOrStdout()
	portalURL, err := normalizePortal(portalURL)
	if err != nil {
		return err
	}
	if portalURL == "" {
		var b portal.Bugs
		for _, n := range bugs {
			if err := b.Set(n); err != nil {
				return usage("--bug: %v", err)
			}
		}
		u, stop, err := portal.StartLoopback(c.Context(), portal.Config{Bugs: b})
		if err != nil {
			return usage("start the embedded reference portal: %v", err)
		}
		defer stop()
		portalURL = u
	} else if len(bugs) > 0 {
		return usage("--bug applies to the embedded portal only (omit --portal)")
	}
	u, err := url.Parse(portalURL)
	if err != nil || u.Hostname() == "" {
		return usage("--portal %q is not a URL", portalURL)
	}
	if err := preflight(c.Context(), out, target.Options{URL: portalURL, Host: host, Timeout: 10 * time.Second}); err != nil {
		return err
	}
	if host == "" {
		host = u.Hostname()
	}
	if seed == 0 {
		seed = rand.Int64N(math.MaxInt64) + 1 // positive, so that --seed N replays it as every command reads --seed
	}
	tests, err := script.LoadAll()
	if err != nil {
		return usage("%v", err)
	}
	cl := client.New(portalURL)
	cl.Host = host
	cl.HTTP = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	fmt.Fprintf(out, "transaction vectors against %s (seed %d)\n", portalURL, seed)
	failures := 0
	for _, r := range (&script.Runner{Client: cl, Domain: host, Seed: uint64(seed)}).Run(c.Context(), tests) {
		if r.Pass {
			fmt.Fprintf(out, "PASS %s\n", r.TcID)
			continue
		}
		failures++
		fmt.Fprintf(out, "FAIL %s: %s\n", r.TcID, r.Message)
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", len(tests)-failures, failures)
	if failures > 0 {
		return failed("%d transaction vectors failed", failures)
	}
	return nil
}

// runClientVectors serves the client-response vectors to a client binary, one check each.
func runClientVectors(c *cobra.Command, f *clientFlags) error {
	groups, err := vectors.ClientResponses()
	if err != nil {
		return usage("%v", err)
	}
	return runClientChecks(c, f, "vectors run", "--client", func(env clientchecks.Env) []harness.Check {
		return clientchecks.VectorChecks(env, groups)
	})
}

func init() {
	cmd := &cobra.Command{Use: "vectors", Short: "Generate, lint and replay the test vectors"}

	var out string
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Regenerate every vector file from fixed seeds (byte-identical on any machine)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			names, err := generate.Write(out)
			if err != nil {
				return failed("%v", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote %d vector files to %s\n", len(names), filepath.Join(out, "testvectors"))
			return nil
		},
	}
	gen.Flags().StringVar(&out, "out", "vectors", "the vectors folder (files go to OUT/testvectors)")

	var dir string
	lintCmd := &cobra.Command{
		Use:   "lint",
		Short: "Check the vector files: schema validity, unique tcIds, counts, flags, citations",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fsys := vectors.FS()
			if dir != "" {
				if _, err := os.Stat(filepath.Join(dir, "testvectors")); err != nil {
					return usage("--dir %s: %v", dir, err)
				}
				fsys = os.DirFS(dir)
			}
			entries, err := fs.Glob(fsys, "testvectors/*.json")
			if err != nil {
				return usage("%v", err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, strings.TrimPrefix(e, "testvectors/"))
			}
			sort.Strings(names)
			s, err := spec.Load()
			if err != nil {
				return usage("%v", err)
			}
			problems, err := lint.Files(fsys, names, s)
			if err != nil {
				return usage("%v", err)
			}
			for _, p := range problems {
				fmt.Fprintln(c.OutOrStdout(), p)
			}
			fmt.Fprintf(c.OutOrStdout(), "%d files, %d problems\n", len(names), len(problems))
			if len(problems) > 0 {
				return failed("%d problems in the vector files", len(problems))
			}
			return nil
		},
	}
	lintCmd.Flags().StringVar(&dir, "dir", "", "lint the files under DIR/testvectors instead of the embedded ones")

	var portalURL, host string
	var bugs []string
	var seed int64
	var cf clientFlags
	runCmd := &cobra.Command{
		Use:   "run [--portal URL | --client BIN [--config FILE]]",
		Short: "Replay the transaction vectors against a portal (default: the embedded reference portal), or serve the client-response vectors to a client binary",
		Long: "With --portal (or nothing), replays the transaction vectors against the portal and prints one line per vector.\n" +
			"With --client BIN, serves each client-response vector (vectors/testvectors/" + vectors.ClientResponsesFile + ") to the binary through a test portal and the shim contract (docs/SHIM.md), " +
			"as checks in the result model of `run`: --config, --only, --skip, --report and the other flags of `meshconform client` apply.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if cf.bin != "" || cf.list || c.Flags().Changed("client") {
				if portalURL != "" || len(bugs) > 0 || host != "" {
					return usage("--client does not combine with --portal, --host or --bug")
				}
				cf.seed = seed
				return runClientVectors(c, &cf)
			}
			if c.Flags().Changed("config") {
				return usage("--config applies to --client only")
			}
			return runVectors(c, portalURL, host, bugs, seed)
		},
	}
	runCmd.Flags().StringVar(&cf.bin, "client", "", "serve the client-response vectors to this client binary (docs/SHIM.md) instead of replaying the transaction vectors against a portal")
	cf.register(runCmd, false)
	runCmd.Flags().StringVar(&portalURL, "portal", "", "portal URL (default: start the embedded reference portal)")
	runCmd.Flags().StringVar(&host, "host", "", "the portal's DNS name (default: the URL's host)")
	runCmd.Flags().StringArrayVar(&bugs, "bug", nil, "embedded portal only: turn on a misbehaviour knob (repeatable)")
	runCmd.Flags().Int64Var(&seed, "seed", 0, "seed of every random choice: account names and keys (0: pick one; it is printed)")

	cmd.AddCommand(gen, lintCmd, runCmd)
	rootCmd.AddCommand(cmd)
}
