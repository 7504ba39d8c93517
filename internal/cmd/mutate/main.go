// Command mutate measures the conformance suite against bugs nobody chose: it samples source
// mutants of the reference portal and its request authentication (internal/mutate), builds
// meshportal with each one in place (go build -overlay, so the tree is never touched), starts it,
// runs the unmutated `meshconform run --portal URL` against it, and reports per file and per package
// how many mutants the suite killed (exit 1), how many survived (exit 0) and how many did not
// build. The sample is seeded, drawn per package folder, and printed; code that only a
// misbehaviour knob reaches is left out (its mutants are equivalent by construction).
//
// A survivor is classified by hand as equivalent, remotely unobservable, or a gap, in a JSON
// file keyed by the mutant's stable identity (mutate.Mutant.ID); given that file (-classified),
// the tool also prints the score over the non-equivalent mutants (survivors classified
// equivalent or unobservable set aside) and lists the survivors nobody has classified yet.
// Slow: one build and one suite run per mutant. `make mutate MUTANTS=40 SEED=1`.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/meshconform/meshconform/internal/mutate"
)

func main() {
	dirs := flag.String("dirs", "reference/portal,reference/auth", "comma-separated package folders to mutate (non-test .go files)")
	n := flag.Int("n", 20, "mutants to sample from each package folder (0: all)")
	seed := flag.Uint64("seed", 1, "seed of the sample")
	timeout := flag.Duration("timeout", 10*time.Minute, "bound on one suite run; a run that exceeds it counts as killed (a hang is caught)")
	jobs := flag.Int("j", 1, "mutants built and judged at once (the suite's verdicts do not depend on load; builds take the CPU)")
	classified := flag.String("classified", "", "JSON file of classified survivors (internal/cmd/mutate/testdata/classified.json): adds the score over non-equivalent mutants")
	out := flag.String("out", "", "write every mutant's verdict and failing checks to this JSON file")
	only := flag.String("only", "", "comma-separated texts: judge only the mutants whose ID contains one (re-judging survivors once a gap is closed; with -n 0)")
	list := flag.Bool("list", false, "print every mutation site (line, ID, change) of the folders, knob-only ones marked, and exit")
	merge := flag.String("merge", "", "comma-separated -out files to report on instead of judging (a later file's verdict for a mutant overrides an earlier one's: re-judged survivors after a gap is closed)")
	flag.Parse()
	if *list {
		if err := listSites(os.Stdout, strings.Split(*dirs, ",")); err != nil {
			fmt.Fprintln(os.Stderr, "mutate:", err)
			os.Exit(2)
		}
		return
	}
	var cls *Classification
	if *classified != "" {
		c, err := readClassification(*classified)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mutate:", err)
			os.Exit(2)
		}
		cls = c
	}
	cfg := config{dirs: strings.Split(*dirs, ","), n: *n, seed: *seed, timeout: *timeout, jobs: *jobs, cls: cls, out: *out, only: *only}
	if *merge != "" {
		if err := mergeResults(os.Stdout, cfg, strings.Split(*merge, ",")); err != nil {
			fmt.Fprintln(os.Stderr, "mutate:", err)
			os.Exit(2)
		}
		return
	}
	if err := run(os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(2)
	}
}

type config struct {
	dirs    []string
	n       int
	seed    uint64
	timeout time.Duration
	jobs    int
	cls     *Classification
	out     string
	only    string
}

// Classification is the committed record of survivors judged by hand, keyed by Mutant.ID.
type Classification struct {
	Note    string           `json:"note,omitempty"`
	Mutants map[string]Class `json:"mutants"`
}

// Class is one survivor's judgement. Kind is "equivalent" (no behaviour changes),
// "unobservable" (the behaviour changes but no remote client can see it; Why says why) or
// "gap" (a check should see it; Check names the one written to close it, when there is one).
type Class struct {
	Line  int    `json:"line"`
	Kind  string `json:"class"`
	Why   string `json:"why"`
	Check string `json:"check,omitempty"`
}

// setAside reports whether a survivor of this class leaves the non-equivalent score.
func (c Class) setAside() bool { return c.Kind == "equivalent" || c.Kind == "unobservable" }

func readClassification(path string) (*Classification, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("classification: %w", err)
	}
	var c Classification
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("classification %s: %w", path, err)
	}
	for id, k := range c.Mutants {
		switch k.Kind {
		case "equivalent", "unobservable", "gap":
		default:
			return nil, fmt.Errorf("classification %s: %s: class %q is not equivalent, unobservable or gap", path, id, k.Kind)
		}
	}
	return &c, nil
}

// result is one judged mutant.
type result struct {
	ID      string   `json:"id"`
	Mutant  string   `json:"mutant"`
	Verdict string   `json:"verdict"`
	Failed  []string `json:"failed,omitempty"`
	m       mutate.Mutant
}

// tally is what happened to the mutants of one file or package.
type tally struct{ killed, survived, unbuilt, setAside, unclassified int }

func (t *tally) add(r result, cls *Classification) {
	switch r.Verdict {
	case "killed":
		t.killed++
	case "survived":
		t.survived++
		if cls != nil {
			if c, ok := cls.Mutants[r.ID]; !ok {
				t.unclassified++
			} else if c.setAside() {
				t.setAside++
			}
		}
	default:
		t.unbuilt++
	}
}

func run(w io.Writer, cfg config) error {
	var sample []mutate.Mutant
	sources := map[string][]byte{}
	for _, d := range cfg.dirs {
		files, err := filepath.Glob(filepath.Join(d, "*.go"))
		if err != nil {
			return err
		}
		var all []mutate.Mutant
		knobOnly := 0
		for _, f := range files {
			src, ms, skip, err := fileSites(f)
			if err != nil {
				return err
			}
			if src == nil {
				continue
			}
			sources[f] = src
			for i, m := range ms {
				if skip[i] {
					knobOnly++
					continue
				}
				all = append(all, m)
			}
		}
		s := mutate.Sample(all, cfg.n, cfg.seed)
		if cfg.only != "" {
			var keep []mutate.Mutant
			for _, m := range s {
				if slices.ContainsFunc(strings.Split(cfg.only, ","), func(o string) bool { return o != "" && strings.Contains(m.ID(), o) }) {
					keep = append(keep, m)
				}
			}
			s = keep
		}
		fmt.Fprintf(w, "%s: %d mutation sites (%d more only a knob or allowance reaches, left out); sampling %d with seed %d\n", d, len(all), knobOnly, len(s), cfg.seed)
		sample = append(sample, s...)
	}
	// The unmutated tree first: every kill below assumes it runs clean, and the checks it does
	// not pass (a WARN about plain HTTP) are noise in the mutants' lists.
	base, err := os.MkdirTemp("", "mutate")
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	suite := filepath.Join(base, "meshconform")
	if out, err := exec.Command("go", "build", "-o", suite, "./cmd/meshconform").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/meshconform: %w: %s", err, out)
	}
	verdict, baseline, err := judge(base, suite, mutate.Mutant{}, nil, cfg.timeout)
	if err != nil {
		return err
	}
	if verdict != "survived" {
		return fmt.Errorf("the unmutated tree does not run clean (%s: %s); no mutant can be judged", verdict, strings.Join(baseline, " "))
	}
	results, err := judgeAll(w, cfg, sample, sources, suite, baseline)
	if err != nil {
		return err
	}
	report(w, cfg, results)
	if cfg.out != "" {
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// fileSites reads a source file and lists its mutation sites, each marked when only a knob or
// an allowance reaches it. Tests and bugs.go are no sources (knobs are bugs already chosen):
// for them src is nil.
func fileSites(f string) (src []byte, ms []mutate.Mutant, knobOnly []bool, err error) {
	if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "bugs.go" {
		return nil, nil, nil, nil
	}
	if src, err = os.ReadFile(f); err != nil {
		return nil, nil, nil, err
	}
	if ms, err = mutate.Sites(f, src); err != nil {
		return nil, nil, nil, err
	}
	if knobOnly, err = mutate.KnobOnly(f, src, knobFields, ms); err != nil {
		return nil, nil, nil, err
	}
	return src, ms, knobOnly, nil
}

// knobFields are the portal's Config fields whose every member is a knob: misbehaviour knobs
// (Bugs) and allowances (Allow), all off in a mutation run.
var knobFields = []string{"Bugs", "Allow"}

// mergeResults reports on earlier runs' -out files. A result is matched to a site of the
// sources as they are now by its printed change (file, line, kind, text), which gives it the
// current ID; one that matches no single site keeps the ID it was recorded with.
func mergeResults(w io.Writer, cfg config, files []string) error {
	byString := map[string][]mutate.Mutant{}
	for _, d := range cfg.dirs {
		paths, err := filepath.Glob(filepath.Join(d, "*.go"))
		if err != nil {
			return err
		}
		for _, f := range paths {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			ms, err := mutate.Sites(f, src)
			if err != nil {
				return err
			}
			for _, m := range ms {
				byString[m.String()] = append(byString[m.String()], m)
			}
		}
	}
	var order []string
	merged := map[string]result{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var rs []result
		if err := json.Unmarshal(b, &rs); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for _, r := range rs {
			if ms := byString[r.Mutant]; len(ms) == 1 {
				r.m, r.ID = ms[0], ms[0].ID()
			} else {
				file, _, _ := strings.Cut(r.ID, ":")
				r.m = mutate.Mutant{File: file}
			}
			if _, seen := merged[r.ID]; !seen {
				order = append(order, r.ID)
			}
			merged[r.ID] = r
		}
	}
	results := make([]result, 0, len(order))
	for _, id := range order {
		results = append(results, merged[id])
	}
	fmt.Fprintf(w, "%d mutants from %s\n", len(results), strings.Join(files, ", "))
	report(w, cfg, results)
	if cfg.out != "" { // the merged results under their current IDs, for a later -merge from another tree
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(cfg.out, append(b, '\n'), 0o644)
	}
	return nil
}

// listSites prints every mutation site with its ID, for classifying survivors by hand.
func listSites(w io.Writer, dirs []string) error {
	for _, d := range dirs {
		files, err := filepath.Glob(filepath.Join(d, "*.go"))
		if err != nil {
			return err
		}
		for _, f := range files {
			src, ms, skip, err := fileSites(f)
			if err != nil {
				return err
			}
			if src == nil {
				continue
			}
			for i, m := range ms {
				mark := ""
				if skip[i] {
					mark = " (knob-only)"
				}
				fmt.Fprintf(w, "%s\t%s%s\n", m, m.ID(), mark)
			}
		}
	}
	return nil
}

// judgeAll builds and runs every mutant, cfg.jobs at a time, and returns the results in sample order.
func judgeAll(w io.Writer, cfg config, sample []mutate.Mutant, sources map[string][]byte, suite string, baseline []string) ([]result, error) {
	noise := map[string]bool{}
	for _, b := range baseline {
		noise[b] = true
	}
	results := make([]result, len(sample))
	var (
		mu    sync.Mutex
		done  int
		first error
		wg    sync.WaitGroup
	)
	next := make(chan int)
	jobs := max(cfg.jobs, 1)
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tmp, err := os.MkdirTemp("", "mutate")
			if err != nil {
				mu.Lock()
				first = cmp(first, err)
				mu.Unlock()
				for range next {
				}
				return
			}
			defer os.RemoveAll(tmp)
			for i := range next {
				m := sample[i]
				verdict, all, err := judge(tmp, suite, m, sources[m.File], cfg.timeout)
				var failed []string
				for _, f := range all {
					if !noise[f] {
						failed = append(failed, f)
					}
				}
				mu.Lock()
				if err != nil {
					first = cmp(first, err)
				}
				results[i] = result{ID: m.ID(), Mutant: m.String(), Verdict: verdict, Failed: failed, m: m}
				done++
				fmt.Fprintf(w, "[%d/%d] %-8s %s %s\n", done, len(sample), verdict, m, strings.Join(failed, " "))
				mu.Unlock()
			}
		}()
	}
	for i := range sample {
		next <- i
	}
	close(next)
	wg.Wait()
	return results, first
}

func cmp(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func report(w io.Writer, cfg config, results []result) {
	byFile, byPkg := map[string]*tally{}, map[string]*tally{}
	var sum tally
	for _, r := range results {
		for _, k := range []struct {
			m   map[string]*tally
			key string
		}{{byFile, r.m.File}, {byPkg, filepath.Dir(r.m.File)}} {
			if k.m[k.key] == nil {
				k.m[k.key] = &tally{}
			}
			k.m[k.key].add(r, cfg.cls)
		}
		sum.add(r, cfg.cls)
	}
	head := "\n%-36s killed survived unbuilt  score"
	if cfg.cls != nil {
		head += "  set-aside  non-equivalent score"
	}
	line := func(name string, t tally) {
		fmt.Fprintf(w, "%-36s %6d %8d %7d  %5s", name, t.killed, t.survived, t.unbuilt, score(t.killed, t.killed+t.survived))
		if cfg.cls != nil {
			fmt.Fprintf(w, "  %9d  %s", t.setAside, score(t.killed, t.killed+t.survived-t.setAside))
			if t.unclassified > 0 {
				fmt.Fprintf(w, " (%d unclassified survivors counted as gaps)", t.unclassified)
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, head+"\n", "file")
	for _, f := range sortedKeys(byFile) {
		line(f, *byFile[f])
	}
	fmt.Fprintf(w, head+"\n", "package")
	for _, p := range sortedKeys(byPkg) {
		line(p, *byPkg[p])
	}
	line("all", sum)
	var surv []result
	for _, r := range results {
		if r.Verdict == "survived" {
			surv = append(surv, r)
		}
	}
	if len(surv) == 0 {
		return
	}
	fmt.Fprintln(w, "\nsurvivors (classify each: equivalent, remotely unobservable, or a gap to close with a check):")
	var todo []result
	for _, r := range surv {
		c, ok := Class{}, false
		if cfg.cls != nil {
			c, ok = cfg.cls.Mutants[r.ID]
		}
		if !ok {
			todo = append(todo, r)
			fmt.Fprintf(w, "  UNCLASSIFIED %s\n", r.Mutant)
			continue
		}
		fmt.Fprintf(w, "  %-12s %s: %s\n", c.Kind, r.Mutant, c.Why)
	}
	if len(todo) > 0 {
		fmt.Fprintln(w, "\nentries for the classification file (fill in class and why):")
		for _, r := range todo {
			b, _ := json.Marshal(map[string]Class{r.ID: {Line: r.m.Line}})
			fmt.Fprintf(w, "  %s\n", bytes.Trim(b, "{}"))
		}
	}
}

func sortedKeys(m map[string]*tally) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func score(killed, of int) string {
	if of <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(killed)/float64(of))
}

// failLine is a check's line in the run's progress output whose verdict is not a pass.
var failLine = regexp.MustCompile(`^\[\d+/\d+\] (FAIL|ERROR|WARN|SKIP|UNIMPLEMENTED|XPASS|XFAIL)\s+(\S+)`)

// judge builds the reference portal (cmd/meshportal) with the mutant in place, starts it on a
// loopback port of its own, and runs the unmutated suite (suite, built once) against it:
// "killed" when the suite fails (exit 1), cannot run (exit 2: the portal did not answer) or
// runs out of time, or when the portal does not start; "survived" when the suite passes;
// "unbuilt" when the mutant does not compile. The suite is a separate binary because it
// shares reference/auth with the portal: a mutant of the request signing must not change the
// suite's own requests. It returns the checks that did not pass, to tell a real kill from a
// load-dependent one when reading the results.
func judge(tmp, suite string, m mutate.Mutant, src []byte, timeout time.Duration) (string, []string, error) {
	replace := map[string]string{}
	if m.File != "" { // the zero Mutant is the unmutated tree
		abs, err := filepath.Abs(m.File)
		if err != nil {
			return "", nil, err
		}
		mutated := filepath.Join(tmp, "mutant.go")
		if err := os.WriteFile(mutated, m.Apply(src), 0o644); err != nil {
			return "", nil, err
		}
		replace[abs] = mutated
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": replace})
	if err != nil {
		return "", nil, err
	}
	ov := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		return "", nil, err
	}
	bin := filepath.Join(tmp, "meshportal")
	if out, err := exec.Command("go", "build", "-overlay", ov, "-o", bin, "./cmd/meshportal").CombinedOutput(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "unbuilt", nil, nil
		}
		return "", nil, fmt.Errorf("go build: %w: %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	data := filepath.Join(tmp, "data")
	defer os.RemoveAll(data)
	url, stop, err := startPortal(ctx, bin, data)
	if err != nil {
		return "killed", []string{"(portal did not start: " + err.Error() + ")"}, nil
	}
	defer stop()
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, suite, "run", "--portal", url, "--host", "localhost", "--seed", "1", "--report-dir", filepath.Join(tmp, "report"))
	cmd.Stdout = &stdout
	err = cmd.Run()
	var failed []string
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if f := failLine.FindStringSubmatch(sc.Text()); f != nil {
			failed = append(failed, f[2])
		}
	}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return "killed", append(failed, "(timeout)"), nil // a hang is a failure the suite's own timeouts should have reported
	case err == nil:
		return "survived", failed, nil
	case errors.As(err, &ee):
		// Exit 1: a check failed. Exit 2: the portal did not answer the pre-flight, which the
		// mutant caused (the unmutated tree runs clean).
		if ee.ExitCode() == 2 && len(failed) == 0 {
			failed = append(failed, "(exit 2)")
		}
		return "killed", failed, nil
	}
	return "", nil, fmt.Errorf("running the suite: %w", err)
}

// startPortal starts a built meshportal on a free loopback port with a fresh data directory
// and returns its URL, read from the line it logs once listening, and a stop function.
func startPortal(ctx context.Context, bin, data string) (string, func(), error) {
	cmd := exec.CommandContext(ctx, bin, "--data", data, "--listen", "127.0.0.1:0", "--domain", "localhost")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "meshportal listening" {
				found <- line.URL
			}
		}
		_, _ = io.Copy(io.Discard, stderr) // past a line too long to scan: keep the portal's logging unblocked
		close(found)
	}()
	select {
	case u, ok := <-found:
		if ok {
			return u, stop, nil
		}
		stop()
		return "", nil, errors.New("exited before listening")
	case <-ctx.Done():
		stop()
		return "", nil, ctx.Err()
	}
}
