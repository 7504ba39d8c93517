// Command mutate measures the conformance suite against bugs nobody chose: it samples source
// mutants of the reference portal and its request authentication (internal/mutate), builds
// meshconform with each one in place (go build -overlay, so the tree is never touched), runs
// `meshconform run` against the embedded portal it starts, and reports per file how many
// mutants the suite killed (exit 1), how many survived (exit 0) and how many did not build.
// The sample is seeded and printed; a survivor is listed with its change so that it can be
// classified as equivalent, remotely unobservable, or a gap. Slow: one build and one suite
// run per mutant. `make mutate MUTANTS=40 SEED=1`.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/meshconform/meshconform/internal/mutate"
)

func main() {
	dirs := flag.String("dirs", "reference/portal,reference/auth", "comma-separated package folders to mutate (non-test .go files)")
	n := flag.Int("n", 20, "mutants to sample (0: all)")
	seed := flag.Uint64("seed", 1, "seed of the sample")
	timeout := flag.Duration("timeout", 10*time.Minute, "bound on one suite run; a run that exceeds it counts as killed (a hang is caught)")
	flag.Parse()
	if err := run(os.Stdout, strings.Split(*dirs, ","), *n, *seed, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(2)
	}
}

// tally is what happened to the mutants of one file.
type tally struct{ killed, survived, unbuilt int }

func run(w io.Writer, dirs []string, n int, seed uint64, timeout time.Duration) error {
	var all []mutate.Mutant
	sources := map[string][]byte{}
	for _, d := range dirs {
		files, err := filepath.Glob(filepath.Join(d, "*.go"))
		if err != nil {
			return err
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "bugs.go" {
				continue // knobs are bugs already chosen
			}
			src, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			ms, err := mutate.Sites(f, src)
			if err != nil {
				return err
			}
			sources[f] = src
			all = append(all, ms...)
		}
	}
	sample := mutate.Sample(all, n, seed)
	fmt.Fprintf(w, "%d mutation sites in %s; sampling %d with seed %d\n", len(all), strings.Join(dirs, ", "), len(sample), seed)
	tmp, err := os.MkdirTemp("", "mutate")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	byFile := map[string]*tally{}
	var survivors []mutate.Mutant
	for i, m := range sample {
		t := byFile[m.File]
		if t == nil {
			t = &tally{}
			byFile[m.File] = t
		}
		verdict, err := judge(tmp, m, sources[m.File], timeout)
		if err != nil {
			return err
		}
		switch verdict {
		case "killed":
			t.killed++
		case "survived":
			t.survived++
			survivors = append(survivors, m)
		default:
			t.unbuilt++
		}
		fmt.Fprintf(w, "[%d/%d] %-8s %s\n", i+1, len(sample), verdict, m)
	}
	fmt.Fprintln(w, "\nfile                                 killed survived unbuilt  score")
	var files []string
	for f := range byFile {
		files = append(files, f)
	}
	sort.Strings(files)
	var sum tally
	for _, f := range files {
		t := byFile[f]
		sum.killed, sum.survived, sum.unbuilt = sum.killed+t.killed, sum.survived+t.survived, sum.unbuilt+t.unbuilt
		fmt.Fprintf(w, "%-36s %6d %8d %7d  %s\n", f, t.killed, t.survived, t.unbuilt, score(*t))
	}
	fmt.Fprintf(w, "%-36s %6d %8d %7d  %s\n", "all", sum.killed, sum.survived, sum.unbuilt, score(sum))
	if len(survivors) > 0 {
		fmt.Fprintln(w, "\nsurvivors (classify each: equivalent, remotely unobservable, or a gap to close with a check):")
		for _, m := range survivors {
			fmt.Fprintln(w, "  "+m.String())
		}
	}
	return nil
}

func score(t tally) string {
	if t.killed+t.survived == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(t.killed)/float64(t.killed+t.survived))
}

// judge builds meshconform with the mutant in place and runs the suite: "killed" when the
// suite fails (exit 1) or runs out of time, "survived" when it passes, "unbuilt" when the
// mutant does not compile.
func judge(tmp string, m mutate.Mutant, src []byte, timeout time.Duration) (string, error) {
	abs, err := filepath.Abs(m.File)
	if err != nil {
		return "", err
	}
	mutated := filepath.Join(tmp, "mutant.go")
	if err := os.WriteFile(mutated, m.Apply(src), 0o644); err != nil {
		return "", err
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {abs: mutated}})
	if err != nil {
		return "", err
	}
	ov := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(tmp, "meshconform")
	if out, err := exec.Command("go", "build", "-overlay", ov, "-o", bin, "./cmd/meshconform").CombinedOutput(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "unbuilt", nil
		}
		return "", fmt.Errorf("go build: %w: %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--seed", "1", "--report-dir", filepath.Join(tmp, "report"))
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return "killed", nil // a hang is a failure the suite's own timeouts should have reported
	case err == nil:
		return "survived", nil
	case errors.As(err, &ee):
		// Exit 1: a check failed. Exit 2 from the embedded portal: it did not start or answer,
		// which the mutant caused (the unmutated tree runs clean).
		return "killed", nil
	}
	return "", fmt.Errorf("running the suite: %w", err)
}
