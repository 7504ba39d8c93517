package main

import (
	"fmt"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	clientchecks "github.com/meshconform/meshconform/conformance/client"
	"github.com/meshconform/meshconform/harness"

	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/spec"
	"github.com/meshconform/meshconform/vectors"
	"github.com/meshconform/meshconform/vectors/generate"
	"github.com/meshconform/meshconform/vectors/lint"
	"github.com/meshconform/meshconform/vectors/script"
)

// runVectors replays every transaction vector against the portal of f (reached the way run
// reaches it: the same target flags, URL reading and pre-flight) and prints one line per test,
// and for a failing run the command line that replays it.
func runVectors(c *cobra.Command, f *runFlags, seed int64) error {
	out := c.OutOrStdout()
	tg, domain, closeTarget, err := openTarget(c.Context(), c, f)
	defer closeTarget()
	if err != nil {
		return err
	}
	if seed == 0 {
		seed = rand.Int64N(math.MaxInt64) + 1 // positive, so that --seed N replays it as every command reads --seed
	}
	tests, err := script.LoadAll()
	if err != nil {
		return usage("%v", err)
	}
	cl := client.New(tg.URL())
	cl.Host = domain
	cl.HTTP = tg.Client()
	fmt.Fprintf(out, "transaction vectors against %s (seed %d)\n", tg.URL(), seed)
	failures := 0
	for _, r := range (&script.Runner{Client: cl, Domain: domain, Seed: uint64(seed)}).Run(c.Context(), tests) {
		if r.Pass {
			fmt.Fprintf(out, "PASS %s\n", r.TcID)
			continue
		}
		failures++
		fmt.Fprintf(out, "FAIL %s: %s\n", r.TcID, r.Message)
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", len(tests)-failures, failures)
	if failures > 0 {
		// Each script deletes its accounts, so the same seed meets the same state again, but
		// for what a portal keeps for ever (script.KeptForever).
		fmt.Fprintf(out, "reproduce: %s\n", strings.Join(strings.Fields(invocation()+" vectors run "+targetArgs(f, tg.URL())+fmt.Sprintf(" --seed %d", seed)), " "))
		fmt.Fprintf(out, "  (the same accounts and keys; against the same portal, %s cannot pass twice: what they leave is kept for ever)\n",
			strings.Join(slices.Sorted(maps.Keys(script.KeptForever)), " and "))
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

	var tf runFlags
	var seed int64
	var cf clientFlags
	runCmd := &cobra.Command{
		Use:   "run [--portal URL | --client BIN [--config FILE]]",
		Short: "Replay the transaction vectors against a portal (default: the embedded reference portal), or serve the client-response vectors to a client binary",
		Long: "With --portal (or nothing), replays the transaction vectors against the portal and prints one line per vector; " +
			"the portal is reached as `run` reaches it (--host, --ca, --insecure, --header, --proxy, --timeout, --rate; --bug and --allow for the embedded portal).\n" +
			"With --client BIN, serves each client-response vector (vectors/testvectors/" + vectors.ClientResponsesFile + ") to the binary through a test portal and the shim contract (docs/SHIM.md), " +
			"as checks in the result model of `run`: --config, --only, --skip, --report and the other flags of `meshconform client` apply.\n\n" +
			"Exit codes: 0 every vector passed; 1 a vector failed (a reproduce line follows); 2 usage, configuration or a failed pre-flight.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if cf.bin != "" || cf.list || c.Flags().Changed("client") {
				var portalFlags []string
				for _, name := range []string{"portal", "host", "ca", "insecure", "client-cert", "client-key", "header", "proxy", "timeout", "rate", "bug", "allow"} {
					if c.Flags().Changed(name) {
						portalFlags = append(portalFlags, "--"+name)
					}
				}
				if len(portalFlags) > 0 {
					return usage("--client does not combine with %s (a portal's flags)", strings.Join(portalFlags, ", "))
				}
				cf.seed = seed
				return runClientVectors(c, &cf)
			}
			if c.Flags().Changed("config") {
				return usage("--config applies to --client only")
			}
			return runVectors(c, &tf, seed)
		},
	}
	runCmd.Flags().StringVar(&cf.bin, "client", "", "serve the client-response vectors to this client binary (docs/SHIM.md) instead of replaying the transaction vectors against a portal")
	cf.register(runCmd, false)
	tf.registerTarget(runCmd.Flags())
	runCmd.Flags().Int64Var(&seed, "seed", 0, "seed of every random choice: account names and keys (0: pick one; it is printed)")

	cmd.AddCommand(gen, lintCmd, runCmd)
	rootCmd.AddCommand(cmd)
}
