package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/meshconform/meshconform/fuzz/fuzzreport"
	"github.com/meshconform/meshconform/fuzz/targets"
)

// seedsTo writes each target's seeds to dir/<Target>/seed-<n>, named by position so that the
// output is identical from run to run, and all of them to dir/Fuzz/ prefixed with the
// target's index, the selector byte of the dispatching go-fuzz entry point gofuzz.Fuzz.
func seedsTo(dir, vectors string) error {
	for i, t := range targets.All() {
		seeds, err := t.Seeds(vectors)
		if err != nil {
			return err
		}
		for j, s := range seeds {
			if err := writeSeed(filepath.Join(dir, t.Name), j, s); err != nil {
				return err
			}
			if err := writeSeed(filepath.Join(dir, "Fuzz"), i*10000+j, append([]byte{byte(i)}, s...)); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeSeed(dir string, n int, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing seeds: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%03d", n)), data, 0o644); err != nil {
		return fmt.Errorf("writing seeds: %w", err)
	}
	return nil
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fuzzall", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fuzztime := fs.String("fuzztime", "10s", "time per target (go test -fuzztime)")
	pkg := fs.String("pkg", "./fuzz", "package holding the fuzz targets")
	runRE := fs.String("run", "", "only targets matching this regexp (the baseline always runs)")
	baseline := fs.String("baseline", "FuzzJSONBaseline", "target whose rate the others are compared with")
	// go test's default of 60s per minimization let one new corpus entry stall both workers
	// for most of a short run (FuzzScanner, 30s: 5.8k executions with the default, 145k in
	// 15s with 1s), and executions spent minimizing are not counted, so the summary measured
	// discoveries rather than speed. 100 executions per minimization keeps the rate honest
	// (FuzzUnmarshalBare, 10s: 48k executions and 39 new entries with 1s, 83k and 202 with
	// 100x); a crasher is still minimized a little, and can be re-minimized by hand.
	minimize := fs.String("minimizetime", "100x", "minimization budget per new input (go test -fuzzminimizetime)")
	writeSeeds := fs.String("write-seeds", "", "write every seed corpus under this directory and exit")
	seedZips := fs.String("seed-zips", "", "write every native target's seed corpus as DIR/<Target>_seed_corpus.zip and exit")
	seedFormat := fs.String("seed-format", "raw", "encoding of each -seed-zips entry: raw, or go-fuzz-headers for libFuzzer binaries built by go-118-fuzz-build")
	vectors := fs.String("vectors", "vectors/testvectors", "vector files directory the seeds also come from (\"\": none)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *seedZips != "" || *writeSeeds != "" {
		// A mistyped directory would silently leave the vectors' candidates out of the corpus.
		if found, _ := filepath.Glob(filepath.Join(*vectors, "*.json")); *vectors != "" && len(found) == 0 {
			fmt.Fprintf(stderr, "fuzzall: -vectors %s holds no vector file (*.json); give \"\" for none\n", *vectors)
			return 2
		}
	}
	if *seedZips != "" {
		encode, ok := seedFormats[*seedFormat]
		if !ok {
			fmt.Fprintf(stderr, "fuzzall: -seed-format %q: want raw or go-fuzz-headers\n", *seedFormat)
			return 2
		}
		if err := seedZipsTo(*seedZips, *vectors, encode); err != nil {
			fmt.Fprintf(stderr, "fuzzall: %v\n", err)
			return 1
		}
		return 0
	}
	if *writeSeeds != "" {
		if err := seedsTo(*writeSeeds, *vectors); err != nil {
			fmt.Fprintf(stderr, "fuzzall: %v\n", err)
			return 1
		}
		return 0
	}
	filter, err := regexp.Compile(*runRE)
	if err != nil {
		fmt.Fprintf(stderr, "fuzzall: -run: %v\n", err)
		return 2
	}
	gocmd := os.Getenv("GO")
	if gocmd == "" {
		gocmd = "go"
	}
	list, err := exec.Command(gocmd, "test", "-list", "^Fuzz", *pkg).CombinedOutput()
	if err != nil {
		fmt.Fprintf(stderr, "fuzzall: listing targets: %v\n%s", err, list)
		return 2
	}
	names, err := fuzzreport.ParseList(bytes.NewReader(list))
	if err != nil || len(names) == 0 {
		fmt.Fprintf(stderr, "fuzzall: no fuzz targets in %s (%v)\n", *pkg, err)
		return 2
	}
	var results []*fuzzreport.Result
	failed := false
	for _, name := range names {
		if !filter.MatchString(name) && name != *baseline {
			continue
		}
		fmt.Fprintf(stderr, "=== %s (%s)\n", name, *fuzztime)
		var out bytes.Buffer
		cmd := exec.Command(gocmd, "test", "-run", "^$", "-fuzz", "^"+name+"$", "-fuzztime", *fuzztime, "-fuzzminimizetime", *minimize, *pkg)
		// The raw output streams to stderr as it comes, so a long campaign shows progress.
		cmd.Stdout = io.MultiWriter(&out, stderr)
		cmd.Stderr = cmd.Stdout
		runErr := cmd.Run()
		res, perr := fuzzreport.Parse(name, &out)
		if perr != nil {
			fmt.Fprintf(stderr, "fuzzall: %s: %v (go test: %v)\n", name, perr, runErr)
			res = &fuzzreport.Result{Target: name, Failed: true, Failure: []string{perr.Error()}}
		}
		if runErr != nil && !res.Failed && !res.DeadlineFlake {
			// go test failed in a way the output does not show: count it, never hide it.
			res.Failed = true
			res.Failure = append(res.Failure, "go test: "+runErr.Error())
		}
		failed = failed || res.Failed
		results = append(results, res)
	}
	fmt.Fprintf(stdout, "\nfuzz summary (-fuzztime %s per target, %s)\n", *fuzztime, *pkg)
	dir := filepath.ToSlash(filepath.Clean(strings.TrimPrefix(*pkg, "./")))
	if err := fuzzreport.Summary(stdout, results, *baseline, dir); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if failed {
		fmt.Fprintln(stdout, "FAIL: at least one target failed; crashers are replayed by plain go test until fixed")
		return 1
	}
	return 0
}
