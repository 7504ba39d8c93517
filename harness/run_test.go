package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshconform/meshconform/harness/expect"
	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/harness/target"
)

// echoPortal answers every POST with 200 and the request body, like a lenient test portal.
func echoPortal(t *testing.T) *target.HTTP {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session=s3cr3t-cookie")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	tg, err := target.New(target.Options{URL: srv.URL, Timeout: 5 * time.Second})
	mustNil(t, err, "target")
	t.Cleanup(tg.Close)
	return tg
}

// fakeTarget answers from a function and can be killed, for the target-died scenarios.
type fakeTarget struct {
	dead  atomic.Bool
	calls atomic.Int64
}

func (f *fakeTarget) URL() string { return "http://fake.example/.well-known/mmm/" }
func (f *fakeTarget) Post(ctx context.Context, body []byte, hdr http.Header) (*target.Exchange, error) {
	f.calls.Add(1)
	ex := &target.Exchange{Request: target.Request{Method: "POST", URL: f.URL(), Body: body}, Started: time.Now()}
	if f.dead.Load() {
		ex.Problem, ex.Err = target.ProblemRefused, "connection refused"
		return ex, nil
	}
	ex.Response = &target.Response{Status: 200, Body: []byte(`{"HelloResponse":{}}`)}
	return ex, nil
}

func (f *fakeTarget) probe(ctx context.Context) error {
	ex, err := f.Post(ctx, []byte(`{"Hello":{}}`), nil)
	if err != nil {
		return err
	}
	if ex.Problem != target.ProblemNone {
		return fmt.Errorf("hello: %s", ex.Problem)
	}
	return nil
}

func check(id string, level Level, run func(context.Context, *T)) Check {
	return Check{ID: id, Requirement: "REQ-" + id, Section: "3.6", Level: level, Category: Deviation, Title: "check " + id, Run: run}
}

func passing(ctx context.Context, t *T) {
	if _, err := t.Post(ctx, []byte(`{"Hello":{}}`), nil); err != nil {
		t.Failf("post: %v", err)
	}
}

func failing(msg string) func(context.Context, *T) {
	return func(ctx context.Context, t *T) {
		ex, _ := t.Post(ctx, []byte(`{"Hello":{}}`), nil)
		t.Fail(Finding{Message: msg, Expected: map[string]int{"Status": 201}, Observed: map[string]int{"Status": 500}, Exchanges: []*target.Exchange{ex}})
	}
}

func byID(run *result.Run) map[string]result.CheckResult {
	m := map[string]result.CheckResult{}
	for _, r := range run.Results {
		m[r.ID] = r
	}
	return m
}

func mustRun(t *testing.T, checks []Check, cfg Config) *result.Run {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	run, err := Run(context.Background(), checks, cfg)
	mustNil(t, err, "Run")
	return run
}

func TestRunOutcomesAndExitCodes(t *testing.T) {
	tg := echoPortal(t)
	checks := []Check{
		check("a.pass", MUST, passing),
		check("b.must", MUST, failing("status 500")),
		check("c.should", SHOULD, failing("no cache-control")),
		check("d.may", MAY, failing("optional")),
		check("e.skip", MUST, func(ctx context.Context, t *T) { t.Skip("needs two accounts") }),
		check("f.unimpl", MUST, func(ctx context.Context, t *T) { t.Unimplemented("Status is not implemented") }),
		{ID: "g.probe", Category: Probe, Title: "probe", Run: func(ctx context.Context, t *T) { t.Info("accepts message-class names") }},
	}
	run := mustRun(t, checks, Config{Target: tg, Jobs: 3})
	want := map[string]result.Outcome{
		"a.pass": result.Pass, "b.must": result.Fail, "c.should": result.Warn, "d.may": result.Info,
		"e.skip": result.Skip, "f.unimpl": result.Unimplemented, "g.probe": result.Info,
	}
	got := byID(run)
	for id, o := range want {
		eq(t, o, got[id].Outcome, id)
	}
	eq(t, "needs two accounts", got["e.skip"].Reason)
	eq(t, 1, len(got["g.probe"].Notes))
	// Results are sorted by ID whatever the completion order.
	for i := 1; i < len(run.Results); i++ {
		isTrue(t, run.Results[i-1].ID < run.Results[i].ID, "results not sorted")
	}
	eq(t, 1, run.Summary.Outcomes[result.Fail])
	eq(t, 2, run.Summary.Outcomes[result.Info])
	eq(t, 1, run.Summary.Categories["deviation"][result.Warn])
	eq(t, 1, run.Summary.Levels["MUST"][result.Fail])
	eq(t, 7, run.Summary.Sections["3.6"][result.Fail]+run.Summary.Sections["3.6"][result.Pass]+
		run.Summary.Sections["3.6"][result.Warn]+run.Summary.Sections["3.6"][result.Info]+
		run.Summary.Sections["3.6"][result.Skip]+run.Summary.Sections["3.6"][result.Unimplemented]+
		run.Summary.Sections[""][result.Info])
	eq(t, result.ExitFailure, run.ExitCode())

	f := got["b.must"].Finding
	if f == nil {
		t.Fatal("no finding")
	}
	isTrue(t, strings.Contains(f.Diff, "201") && strings.Contains(f.Diff, "500"), "diff shows both values: ", f.Diff)
	eq(t, 1, len(f.Exchanges))
	eq(t, 0, f.Exchanges[0])
	eq(t, 1, len(got["b.must"].Exchanges))
	eq(t, 200, got["b.must"].Exchanges[0].Response.Status)
	eq(t, `{"Hello":{}}`, got["b.must"].Exchanges[0].Request.Body.Text)
	isTrue(t, strings.HasPrefix(got["b.must"].Reproduce, "meshconform replay b.must --portal http://127.0.0.1:"), got["b.must"].Reproduce)
	isTrue(t, strings.HasSuffix(got["b.must"].Reproduce, " --seed 7"), got["b.must"].Reproduce)

	// Without the MUST failure, a warning fails the run only under Strict.
	soft := []Check{checks[0], checks[2], checks[3]}
	eq(t, result.ExitClean, mustRun(t, soft, Config{Target: tg}).ExitCode())
	eq(t, result.ExitFailure, mustRun(t, soft, Config{Target: tg, Strict: true}).ExitCode())
}

func TestExpectations(t *testing.T) {
	tg := echoPortal(t)
	file, err := expect.Parse("test.json", strings.NewReader(`{"version":1,
		"disabled":[{"check":"d.*","reason":"portal has no Status","category":"not-implemented"}],
		"expectedFailures":[
			{"check":"a.known","reason":"bug 12"},
			{"check":"b.pinned","reason":"bug 13","message":"^status 5\\d\\d$"},
			{"check":"c.fixed","reason":"bug 14"},
			{"check":"e.pinned-ok","reason":"bug 15","message":"status 500"},
			{"check":"zz.gone","reason":"stale"}]}`))
	mustNil(t, err, "parse")
	ran := atomic.Int64{}
	counting := func(f func(context.Context, *T)) func(context.Context, *T) {
		return func(ctx context.Context, t *T) { ran.Add(1); f(ctx, t) }
	}
	checks := []Check{
		check("a.known", MUST, counting(failing("anything"))),
		check("b.pinned", MUST, counting(failing("Status missing"))),
		check("c.fixed", MUST, counting(passing)),
		check("d.status", MUST, counting(failing("never run"))),
		check("e.pinned-ok", SHOULD, counting(failing("got status 500 instead"))),
	}
	run := mustRun(t, checks, Config{Target: tg, Expectations: file, ExpectationsSource: "test.json"})
	got := byID(run)
	eq(t, result.XFail, got["a.known"].Outcome)
	eq(t, result.Fail, got["b.pinned"].Outcome, "a pinned message that differs is a real failure")
	isTrue(t, strings.Contains(got["b.pinned"].Reason, "differently"), got["b.pinned"].Reason)
	eq(t, result.XPass, got["c.fixed"].Outcome)
	eq(t, result.Skip, got["d.status"].Outcome)
	eq(t, "disabled (not-implemented): portal has no Status", got["d.status"].Reason)
	eq(t, "not-implemented", got["d.status"].Expectation.Category)
	eq(t, result.XFail, got["e.pinned-ok"].Outcome)
	eq(t, int64(4), ran.Load(), "a disabled check is not run")
	eq(t, 1, run.Summary.Expectations["not-implemented"])
	eq(t, 4, run.Summary.Expectations[result.ExpectFailure])
	eq(t, 1, len(run.Warnings), "the stale entry is reported")
	isTrue(t, strings.Contains(strings.Join(run.Warnings, ""), "zz.gone"), run.Warnings)
	eq(t, "test.json", run.Config.Expectations)
	eq(t, result.ExitFailure, run.ExitCode())

	// Only expected failures and disabled checks: clean.
	clean := mustRun(t, []Check{checks[0], checks[3]}, Config{Target: tg, Expectations: file})
	eq(t, result.ExitClean, clean.ExitCode())
	// An xpass alone fails the run: the expectations file is out of date.
	eq(t, result.ExitFailure, mustRun(t, []Check{checks[2]}, Config{Target: tg, Expectations: file}).ExitCode())
}

func TestProbeBeforeFails(t *testing.T) {
	ft := &fakeTarget{}
	ft.dead.Store(true)
	ran := atomic.Int64{}
	checks := []Check{check("a.x", MUST, func(ctx context.Context, t *T) { ran.Add(1) })}
	run := mustRun(t, checks, Config{Target: ft, Probe: ft.probe})
	eq(t, result.ConditionTargetUnreachable, run.Condition)
	eq(t, result.ExitUsage, run.ExitCode())
	eq(t, int64(0), ran.Load(), "no check runs against an unreachable target")
	isTrue(t, run.ProbeBefore != nil && !run.ProbeBefore.OK, "probe recorded")
	isTrue(t, strings.Contains(run.ConditionDetail, "refused"), run.ConditionDetail)
}

func TestTargetDiesDuringRun(t *testing.T) {
	ft := &fakeTarget{}
	checks := []Check{
		check("a.before", MUST, failing("a genuine failure before the death")),
		check("b.kill", MUST, func(ctx context.Context, t *T) {
			passing(ctx, t)
			time.Sleep(5 * time.Millisecond)
			ft.dead.Store(true)
		}),
	}
	for i := range 5 {
		checks = append(checks, check(fmt.Sprintf("c.after%d", i), MUST, func(ctx context.Context, t *T) {
			ex, _ := t.Post(ctx, []byte(`{}`), nil)
			if ex.Problem != target.ProblemNone {
				t.Failf("no answer: %s", ex.Problem)
			}
		}))
	}
	run := mustRun(t, checks, Config{Target: ft, Probe: ft.probe, Jobs: 1, DeadAfter: -1})
	eq(t, result.ConditionTargetDied, run.Condition)
	eq(t, result.ExitFailure, run.ExitCode())
	isTrue(t, run.ProbeBefore.OK && !run.ProbeAfter.OK, "probes: before ok, after failed")
	got := byID(run)
	isTrue(t, !got["a.before"].AfterTargetDied, "a failure before the death stays independent")
	eq(t, result.Fail, got["a.before"].Outcome)
	for i := range 5 {
		r := got[fmt.Sprintf("c.after%d", i)]
		eq(t, result.Error, r.Outcome, "a check that got no answer has no verdict")
		isTrue(t, strings.Contains(r.Reason, "no verdict") && strings.Contains(r.Reason, "refused"), r.Reason)
		isTrue(t, r.AfterTargetDied, r.ID, " not flagged")
	}
	eq(t, 5, run.Summary.AfterTargetDied)
	isTrue(t, run.TargetDiedAt != nil, "death time recorded")
}

func TestPanicIsHarnessError(t *testing.T) {
	tg := echoPortal(t)
	checks := []Check{
		check("a.panics", MUST, func(ctx context.Context, t *T) {
			var m []int
			_ = m[len(m)] // an index out of range: a bug in the check
		}),
		check("b.after", MUST, passing),
	}
	run := mustRun(t, checks, Config{Target: tg, Jobs: 1})
	got := byID(run)
	eq(t, result.Error, got["a.panics"].Outcome)
	isTrue(t, strings.Contains(got["a.panics"].Reason, "panicked"), got["a.panics"].Reason)
	isTrue(t, strings.Contains(got["a.panics"].Details, "run_test.go"), "stack in details: ", got["a.panics"].Details)
	eq(t, result.Pass, got["b.after"].Outcome, "a panic does not stop the run")
	eq(t, result.ExitFailure, run.ExitCode())
}

func TestCheckTimeout(t *testing.T) {
	old := abandonGrace
	abandonGrace = 200 * time.Millisecond
	defer func() { abandonGrace = old }()

	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	defer srv.Close()
	defer close(hang)
	tg, err := target.New(target.Options{URL: srv.URL, Timeout: time.Minute})
	mustNil(t, err, "target")
	defer tg.Close()

	block := make(chan struct{})
	defer close(block)
	checks := []Check{
		// Waiting for a target that never answers: no verdict, naming the check timeout.
		check("a.target-hangs", MUST, func(ctx context.Context, t *T) {
			if _, err := t.Post(ctx, []byte(`{}`), nil); err != nil {
				t.Failf("post: %v", err)
			}
		}),
		// Slow without talking to the target: the harness's (the check's) fault.
		check("b.check-slow", MUST, func(ctx context.Context, t *T) {
			<-ctx.Done()
			time.Sleep(20 * time.Millisecond)
		}),
		// Ignores its context entirely: abandoned, an error.
		check("c.check-stuck", MUST, func(ctx context.Context, t *T) { <-block }),
		// Finishes in time.
		check("d.quick", MUST, func(ctx context.Context, t *T) {}),
	}
	start := time.Now()
	run := mustRun(t, checks, Config{Target: tg, CheckTimeout: 150 * time.Millisecond, Jobs: 4})
	// A hang guard, not a speed limit: the blocked checks would hold the run for ever.
	isTrue(t, time.Since(start) < 60*time.Second, "timeouts bound the run")
	got := byID(run)
	eq(t, result.Error, got["a.target-hangs"].Outcome, "a target too slow for the check is no verdict")
	isTrue(t, strings.Contains(got["a.target-hangs"].Reason, "check timeout (150ms)"), got["a.target-hangs"].Reason)
	eq(t, result.Error, got["b.check-slow"].Outcome)
	eq(t, result.Error, got["c.check-stuck"].Outcome)
	isTrue(t, strings.Contains(got["c.check-stuck"].Details, "abandoned"), got["c.check-stuck"].Details)
	eq(t, result.Pass, got["d.quick"].Outcome)
}

func TestSeededRandomness(t *testing.T) {
	tg := echoPortal(t)
	var checks []Check
	for i := range 12 {
		checks = append(checks, check(fmt.Sprintf("r.%02d", i), MUST, func(ctx context.Context, t *T) {
			t.Info(fmt.Sprintf("%d %d %s", t.Rand().Uint64(), t.Rand().IntN(1000), t.Prefix()))
		}))
	}
	notes := func(run *result.Run) map[string]string {
		m := map[string]string{}
		for _, r := range run.Results {
			m[r.ID] = strings.Join(r.Notes, ",")
		}
		return m
	}
	base := notes(mustRun(t, checks, Config{Target: tg, Seed: 99, Jobs: 1}))
	for _, jobs := range []int{1, 4, 12} {
		got := notes(mustRun(t, checks, Config{Target: tg, Seed: 99, Jobs: jobs}))
		for id, n := range base {
			eq(t, n, got[id], "jobs ", jobs, " check ", id)
		}
	}
	// A check's randomness does not depend on which other checks run.
	alone := notes(mustRun(t, checks, Config{Target: tg, Seed: 99, Selection: Selection{Only: []string{"r.05"}}}))
	eq(t, base["r.05"], alone["r.05"])
	// Another seed changes it; prefixes are unique per check.
	other := notes(mustRun(t, checks, Config{Target: tg, Seed: 100}))
	isTrue(t, other["r.05"] != base["r.05"], "seed has no effect")
	prefixes := map[string]bool{}
	for _, n := range base {
		f := strings.Fields(n)
		isTrue(t, !prefixes[f[2]], "prefix reused: ", f[2])
		prefixes[f[2]] = true
	}
}

func TestSeedZeroIsPickedAndRecorded(t *testing.T) {
	tg := echoPortal(t)
	run, err := Run(context.Background(), []Check{check("a.x", MUST, passing)}, Config{Target: tg})
	mustNil(t, err, "Run")
	isTrue(t, run.Seed > 0, "seed picked")
	isTrue(t, strings.HasSuffix(run.Results[0].Reproduce, fmt.Sprintf("--seed %d", run.Seed)), run.Results[0].Reproduce)
}

func TestRedactionEndToEnd(t *testing.T) {
	tg := echoPortal(t)
	const pin = "NB3X-4GQK-PIN9-SECRET"
	checks := []Check{check("a.connect", MUST, func(ctx context.Context, t *T) {
		body := []byte(`{"ConnectStart":{"Account":"alice@example.com","PIN":"` + pin + `","PrivateKey":{"d":"AAAA"}}}`)
		ex, _ := t.Post(ctx, body, http.Header{"Authorization": {"Bearer tok-123"}})
		t.Logf("sent pin %s", pin)
		t.Fail(Finding{Message: "pin " + pin + " echoed", Expected: map[string]string{"PIN": pin}, Observed: map[string]string{"PIN": "other"}, Exchanges: []*target.Exchange{ex}})
	})}
	run := mustRun(t, checks, Config{Target: tg, Secrets: []string{pin}})
	var buf bytes.Buffer
	mustNil(t, result.Write(&buf, run), "write")
	out := buf.String()
	for _, secret := range []string{pin, "tok-123", "AAAA", "s3cr3t-cookie"} {
		isTrue(t, !strings.Contains(out, secret), "secret ", secret, " in output")
	}
	isTrue(t, strings.Contains(out, "alice@example.com"), "non-secret data kept")
	isTrue(t, strings.Contains(out, result.Redacted), "redaction marker present")
}

func TestNoCheckSelected(t *testing.T) {
	tg := echoPortal(t)
	run := mustRun(t, []Check{check("a.x", MUST, passing)}, Config{Target: tg, Selection: Selection{Only: []string{"nomatch.*"}}})
	eq(t, result.ConditionNoChecks, run.Condition)
	eq(t, result.ExitUsage, run.ExitCode())
}

func TestListMode(t *testing.T) {
	ft := &fakeTarget{}
	checks := []Check{check("a.x", MUST, passing), check("b.y", SHOULD, passing)}
	run := mustRun(t, checks, Config{List: true, Selection: Selection{Levels: []Level{SHOULD}}, Probe: ft.probe})
	eq(t, result.ModeList, run.Mode)
	eq(t, 1, len(run.Results))
	eq(t, "b.y", run.Results[0].ID)
	eq(t, result.Outcome(""), run.Results[0].Outcome)
	eq(t, int64(0), ft.calls.Load(), "list mode sends nothing")
	eq(t, result.ExitClean, run.ExitCode())
}

func TestConfigErrors(t *testing.T) {
	tg := echoPortal(t)
	ok := check("a.x", MUST, passing)
	tests := []struct {
		name   string
		checks []Check
		cfg    Config
		want   error
	}{
		{"no target", []Check{ok}, Config{}, ErrConfig},
		{"bad glob", []Check{ok}, Config{Target: tg, Selection: Selection{Only: []string{"a["}}}, ErrConfig},
		{"bad shard", []Check{ok}, Config{Target: tg, Selection: Selection{Shard: Shard{0, 3}}}, ErrConfig},
		{"duplicate ID", []Check{ok, ok}, Config{Target: tg}, ErrInvalidCheck},
		{"bad ID", []Check{check("A X", MUST, passing)}, Config{Target: tg}, ErrInvalidCheck},
		{"no run", []Check{{ID: "a", Title: "a", Category: Deviation, Level: MUST}}, Config{Target: tg}, ErrInvalidCheck},
		{"deviation without level", []Check{check("a", "", passing)}, Config{Target: tg}, ErrInvalidCheck},
		{"unknown requirement", []Check{ok}, Config{Target: tg, Catalog: MapCatalog{}}, ErrInvalidCheck},
	}
	for _, tc := range tests {
		_, err := Run(context.Background(), tc.checks, tc.cfg)
		isTrue(t, errors.Is(err, tc.want), tc.name, ": got ", err)
	}
}

func TestCatalogFillsRequirement(t *testing.T) {
	tg := echoPortal(t)
	cat := MapCatalog{"MESH-3.6.2-1": {ID: "MESH-3.6.2-1", Section: "3.6.2", Level: "SHOULD", Kind: "requirement",
		Text: "InvalidCharacters SHOULD include every illegal character", Notes: []string{"N-7"}}}
	c := Check{ID: "validate.chars", Requirement: "MESH-3.6.2-1", Category: Deviation, Title: "t", Run: failing("missing '!'")}
	run := mustRun(t, []Check{c}, Config{Target: tg, Catalog: cat, Selection: Selection{Sections: []string{"3.6"}, Levels: []Level{SHOULD}}})
	eq(t, 1, len(run.Results), "selection uses the catalog's section and level")
	r := run.Results[0]
	eq(t, "3.6.2", r.Section)
	eq(t, "SHOULD", r.Level)
	eq(t, result.Warn, r.Outcome)
	eq(t, "InvalidCharacters SHOULD include every illegal character", r.Requirement.Text)
	eq(t, "N-7", r.Requirement.Notes[0])
}

func TestSerialChecksRunAlone(t *testing.T) {
	tg := echoPortal(t)
	var running, maxSeenBySerial atomic.Int64
	work := func(ctx context.Context, t *T) {
		running.Add(1)
		defer running.Add(-1)
		time.Sleep(10 * time.Millisecond)
	}
	var checks []Check
	for i := range 8 {
		checks = append(checks, check(fmt.Sprintf("p.%d", i), MUST, work))
	}
	s := check("s.serial", MUST, func(ctx context.Context, t *T) {
		n := running.Add(1)
		defer running.Add(-1)
		maxSeenBySerial.Store(n)
		time.Sleep(10 * time.Millisecond)
	})
	s.Serial = true
	checks = append(checks, s)
	mustRun(t, checks, Config{Target: tg, Jobs: 8})
	eq(t, int64(1), maxSeenBySerial.Load(), "a serial check shares the target with nobody")
}

func TestProgressEvents(t *testing.T) {
	tg := echoPortal(t)
	var mu sync.Mutex
	var kinds []result.EventKind
	var lastDone int
	checks := []Check{check("a.x", MUST, passing), check("b.y", MUST, passing), check("c.z", MUST, passing)}
	run := mustRun(t, checks, Config{Target: tg, Jobs: 2, Seed: 5, Progress: func(ev result.Event) {
		mu.Lock()
		defer mu.Unlock()
		kinds = append(kinds, ev.Kind)
		if ev.Kind == result.RunStarted {
			eq(t, int64(5), ev.Seed)
			eq(t, 3, ev.Total)
		}
		if ev.Kind == result.CheckFinished {
			isTrue(t, ev.Done == lastDone+1, "done counts up")
			lastDone = ev.Done
			isTrue(t, ev.Result != nil && ev.Result.Outcome == result.Pass, "finished carries the result")
		}
	}})
	eq(t, result.RunStarted, kinds[0])
	eq(t, result.RunFinished, kinds[len(kinds)-1])
	eq(t, 8, len(kinds))
	eq(t, 3, lastDone)
	eq(t, 3, run.Summary.Total)
}

func TestCanceledRun(t *testing.T) {
	tg := echoPortal(t)
	ctx, cancel := context.WithCancel(context.Background())
	checks := []Check{
		check("a.cancels", MUST, func(c context.Context, t *T) { cancel() }),
		check("b.never", MUST, passing),
	}
	run, err := Run(ctx, checks, Config{Target: tg, Jobs: 1, Seed: 1})
	mustNil(t, err, "Run")
	eq(t, result.ConditionCanceled, run.Condition)
	eq(t, result.Skip, byID(run)["b.never"].Outcome, "a check not run is never a pass")
	eq(t, result.ExitFailure, run.ExitCode())
}

func TestBreakerStopsRunAgainstDeadTarget(t *testing.T) {
	ft := &fakeTarget{}
	var ranAfter atomic.Int64
	checks := []Check{check("b.kill", MUST, func(ctx context.Context, t *T) {
		passing(ctx, t)
		ft.dead.Store(true)
	})}
	for i := range 20 {
		checks = append(checks, check(fmt.Sprintf("c.after%02d", i), MUST, func(ctx context.Context, t *T) {
			ranAfter.Add(1)
			if ex, _ := t.Post(ctx, []byte(`{}`), nil); ex.Problem != target.ProblemNone {
				t.Failf("no answer: %s", ex.Problem)
			}
		}))
	}
	run := mustRun(t, checks, Config{Target: ft, Probe: ft.probe, Jobs: 1, DeadAfter: 3})
	eq(t, result.ConditionTargetDied, run.Condition)
	eq(t, int64(3), ranAfter.Load(), "the breaker stops the run after 3 silent checks")
	eq(t, 20, run.Summary.AfterTargetDied)
	eq(t, 3, run.Summary.Outcomes[result.Error])
	eq(t, 17, run.Summary.Outcomes[result.Skip])
	eq(t, result.Pass, byID(run)["b.kill"].Outcome)
	isTrue(t, strings.Contains(run.ConditionDetail, "remaining checks were not run"), run.ConditionDetail)
	eq(t, result.ExitFailure, run.ExitCode())

	// A target that answers again after a blip is not declared dead.
	ft2 := &fakeTarget{}
	var n atomic.Int64
	blip := []Check{}
	for i := range 6 {
		blip = append(blip, check(fmt.Sprintf("d.%d", i), MUST, func(ctx context.Context, t *T) {
			if n.Add(1) <= 3 {
				ft2.dead.Store(true)
			}
			ex, _ := t.Post(ctx, []byte(`{}`), nil)
			ft2.dead.Store(false)
			if ex.Problem != target.ProblemNone {
				t.Failf("no answer")
			}
		}))
	}
	run2 := mustRun(t, blip, Config{Target: ft2, Probe: ft2.probe, Jobs: 1, DeadAfter: 3})
	eq(t, result.ConditionNone, run2.Condition)
	eq(t, 3, run2.Summary.Outcomes[result.Pass], "checks after a blip still run")
}

// TestCleanups: cleanups run after the verdict, last registered first, whatever the verdict;
// their requests stay out of the check's record and their failures are logged, never a verdict.
func TestCleanups(t *testing.T) {
	oldTimeout, oldGrace := cleanupTimeout, abandonGrace
	cleanupTimeout, abandonGrace = 300*time.Millisecond, 100*time.Millisecond
	defer func() { cleanupTimeout, abandonGrace = oldTimeout, oldGrace }()
	tg := &fakeTarget{}
	var mu sync.Mutex
	var order []string
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	block := make(chan struct{})
	defer close(block)
	checks := []Check{
		check("a.fails", MUST, func(ctx context.Context, t *T) {
			t.Cleanup(func(ctx context.Context) error { note("a1"); return nil })
			t.Cleanup(func(ctx context.Context) error {
				note("a2")
				_, err := t.Post(ctx, []byte(`{"DeleteAccount":{}}`), nil)
				return err
			})
			t.Post(ctx, []byte(`{"Hello":{}}`), nil)
			t.Failf("the portal misbehaved")
		}),
		check("b.cleanup-errors", MUST, func(ctx context.Context, t *T) {
			t.Cleanup(func(ctx context.Context) error { return errors.New("account still there") })
			t.Cleanup(func(ctx context.Context) error { panic("bug in a cleanup") })
			t.Cleanup(func(ctx context.Context) error { t.Failf("too late to fail"); return nil })
		}),
		check("c.cleanup-hangs", MUST, func(ctx context.Context, t *T) {
			t.Cleanup(func(ctx context.Context) error { <-block; return nil })
		}),
	}
	run := mustRun(t, checks, Config{Target: tg, Jobs: 1})
	got := byID(run)
	eq(t, result.Fail, got["a.fails"].Outcome, "a cleanup does not change the verdict")
	eq(t, "a2,a1", strings.Join(order, ","), "cleanups run last registered first")
	eq(t, 1, len(got["a.fails"].Exchanges), "the cleanup's request is not in the record")
	eq(t, int64(2), tg.calls.Load(), "the cleanup's request was sent")
	eq(t, result.Pass, got["b.cleanup-errors"].Outcome, "cleanup failures are not a verdict")
	logged := strings.Join(got["b.cleanup-errors"].Log, "\n")
	for _, want := range []string{"account still there", "panicked: bug in a cleanup", "ended its goroutine"} {
		isTrue(t, strings.Contains(logged, "cleanup: ") && strings.Contains(logged, want), "log lacks ", want, ": ", logged)
	}
	eq(t, result.Pass, got["c.cleanup-hangs"].Outcome)
	isTrue(t, strings.Contains(strings.Join(got["c.cleanup-hangs"].Log, "\n"), "cleanup: abandoned"), got["c.cleanup-hangs"].Log)

	// NoCleanup leaves everything in place.
	order, calls := nil, tg.calls.Load()
	run = mustRun(t, checks[:1], Config{Target: tg, NoCleanup: true})
	eq(t, 0, len(order), "no cleanup ran")
	eq(t, calls+1, tg.calls.Load(), "only the check's own request was sent")
	eq(t, result.Fail, byID(run)["a.fails"].Outcome)
}

// slowTarget times out on every body but its first hellos Hellos and those starting with
// "answered"; it drops the connection on bodies starting with "drop". It returns at once: the
// timeout is simulated.
type slowTarget struct{ hellos atomic.Int64 }

func (s *slowTarget) URL() string            { return "http://slow.example/.well-known/mmm/" }
func (s *slowTarget) Timeout() time.Duration { return 200 * time.Millisecond }
func (s *slowTarget) Post(ctx context.Context, body []byte, hdr http.Header) (*target.Exchange, error) {
	ex := &target.Exchange{Request: target.Request{Method: "POST", URL: s.URL(), Body: body}, Started: time.Now()}
	switch {
	case bytes.HasPrefix(body, []byte("drop")):
		ex.Problem, ex.Err = target.ProblemDropped, "EOF"
	case bytes.HasPrefix(body, []byte("answered")) || bytes.HasPrefix(body, []byte(`{"Hello"`)) && s.hellos.Add(-1) >= 0:
		ex.Response = &target.Response{Status: 200, Body: []byte(`{"HelloResponse":{}}`)}
	default:
		ex.Problem, ex.Err = target.ProblemTimeout, "context deadline exceeded"
	}
	return ex, nil
}

func (s *slowTarget) probe(ctx context.Context) error {
	ex, _ := s.Post(ctx, []byte(`{"Hello":{}}`), nil)
	if ex.Problem.NoAnswer() {
		return errors.New(string(ex.Problem))
	}
	return nil
}

// TestFailureWithoutAnswerIsNoVerdict: an assertion on an exchange that got no answer is an
// error naming the timeout, never a failure of the check's requirement; a finding about the
// missing answer itself stands only while the target answers otherwise.
func TestFailureWithoutAnswerIsNoVerdict(t *testing.T) {
	post := func(ctx context.Context, t *T, body string) *target.Exchange {
		ex, _ := t.Post(ctx, []byte(body), nil)
		return ex
	}
	tests := []struct {
		name    string
		helloOK bool // the target answers every Hello, else only the probe before the checks
		probe   bool
		run     func(ctx context.Context, t *T)
		want    result.Outcome
		reason  string
	}{
		{name: "a requirement judged on a timeout", probe: true, helloOK: true, run: func(ctx context.Context, t *T) {
			ex := post(ctx, t, `{"ConnectComplete":{}}`)
			t.Fail(Finding{Message: "the result MUST be signed", Exchanges: []*target.Exchange{ex}})
		}, want: result.Error, reason: "no verdict: request 1 got no answer within the request timeout (200ms)"},
		{name: "a finding naming no exchange, after a timeout", probe: true, helloOK: true, run: func(ctx context.Context, t *T) {
			post(ctx, t, "answered")
			post(ctx, t, `{"Get":{}}`)
			t.Failf("the entry MUST verify")
		}, want: result.Error, reason: "no verdict: request 2 got no answer within the request timeout (200ms)"},
		{name: "a finding on an answered exchange stands", probe: true, run: func(ctx context.Context, t *T) {
			post(ctx, t, `{"Get":{}}`)
			ex := post(ctx, t, "answered")
			t.Fail(Finding{Message: "wrong answer", Exchanges: []*target.Exchange{ex}})
		}, want: result.Fail},
		{name: "a dropped connection", probe: true, helloOK: true, run: func(ctx context.Context, t *T) {
			post(ctx, t, "drop")
			t.Failf("the account MUST exist")
		}, want: result.Error, reason: "no verdict: request 1 got no answer (connection-dropped: EOF)"},
		{name: "a hang on a hostile request, the target answers a probe", probe: true, helloOK: true, run: func(ctx context.Context, t *T) {
			ex := post(ctx, t, `{"huge":1}`)
			t.Fail(Finding{Message: "no answer to a huge body", Exchanges: []*target.Exchange{ex}, Unanswered: true})
		}, want: result.Fail},
		{name: "a hang on a hostile request, the probe gets no answer either", probe: true, run: func(ctx context.Context, t *T) {
			ex := post(ctx, t, `{"huge":1}`)
			t.Fail(Finding{Message: "no answer to a huge body", Exchanges: []*target.Exchange{ex}, Unanswered: true})
		}, want: result.Error, reason: "no verdict: request 1 got no answer within the request timeout (200ms)"},
		{name: "a hang on a hostile request, no probe, answered before", run: func(ctx context.Context, t *T) {
			post(ctx, t, "answered")
			ex := post(ctx, t, `{"huge":1}`)
			t.Fail(Finding{Message: "no answer to a huge body", Exchanges: []*target.Exchange{ex}, Unanswered: true})
		}, want: result.Fail},
		{name: "a hang on a hostile request, no probe, nothing answered", run: func(ctx context.Context, t *T) {
			ex := post(ctx, t, `{"huge":1}`)
			t.Fail(Finding{Message: "no answer to a huge body", Exchanges: []*target.Exchange{ex}, Unanswered: true})
		}, want: result.Error, reason: "no verdict: request 1 got no answer within the request timeout (200ms)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &slowTarget{}
			st.hellos.Store(1)
			if tc.helloOK {
				st.hellos.Store(1000)
			}
			cfg := Config{Target: st, Jobs: 1, DeadAfter: -1}
			if tc.probe {
				cfg.Probe = st.probe
			}
			run := mustRun(t, []Check{check("a.x", MUST, tc.run)}, cfg)
			got := byID(run)["a.x"]
			eq(t, tc.want, got.Outcome, got.Reason)
			eq(t, tc.reason, got.Reason)
			if tc.want == result.Error {
				isTrue(t, got.Finding == nil, "an error carries no finding")
			}
		})
	}
}

// TestDeadline: when the run's deadline passes, the checks running stop, the rest are recorded
// as not run with the reason, the results so far are kept, and the run is a usage exit (2).
func TestDeadline(t *testing.T) {
	tg := echoPortal(t)
	checks := []Check{
		check("a.quick", MUST, passing),
		check("b.slow", MUST, func(ctx context.Context, t *T) { <-ctx.Done() }),
		check("c.never", MUST, passing),
	}
	run := mustRun(t, checks, Config{Target: tg, Jobs: 1, Deadline: 300 * time.Millisecond})
	eq(t, result.ConditionDeadline, run.Condition)
	eq(t, result.ExitUsage, run.ExitCode())
	got := byID(run)
	eq(t, result.Pass, got["a.quick"].Outcome)
	for _, id := range []string{"b.slow", "c.never"} {
		eq(t, result.Skip, got[id].Outcome, id)
		isTrue(t, strings.Contains(got[id].Reason, "deadline passed (--deadline 300ms)"), got[id].Reason)
	}
	isTrue(t, strings.Contains(run.ConditionDetail, "--deadline 300ms"), run.ConditionDetail)
}
