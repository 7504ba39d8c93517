package html

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/internal/reporttest"
)

var update = flag.Bool("update", false, "rewrite golden files and testdata/screenshot.png")

func render(t *testing.T, run *result.Run) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, run); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	got := render(t, reporttest.Fixture(t))
	reporttest.Golden(t, "golden.html", got, *update)
}

// TestSelfContained: nothing the browser would fetch, and a CSP that forbids fetching anyway.
func TestSelfContained(t *testing.T) {
	page := string(render(t, reporttest.Fixture(t)))
	for _, banned := range []string{" src=", "<link", "@import", "url(", "fetch(", "XMLHttpRequest"} {
		if strings.Contains(page, banned) {
			t.Errorf("page contains %q: it must not load anything", banned)
		}
	}
	if !strings.Contains(page, `content="default-src 'none';`) {
		t.Error("page lacks the Content-Security-Policy that blocks network fetches")
	}
}

// TestEscaping puts markup into every field a check controls and expects it back as text.
func TestEscaping(t *testing.T) {
	evil := `<script>alert(1)</script>"'&`
	run := &result.Run{Tool: result.Tool{Name: "meshconform"}, Target: "https://x/" + evil, Warnings: []string{evil},
		Condition: result.ConditionTargetDied, ConditionDetail: evil,
		Results: []result.CheckResult{{
			ID: "c" + evil, Title: evil, Section: "3\"><marquee>", Level: evil, Outcome: result.Fail, Reason: evil,
			Requirement: &result.Requirement{ID: evil, Text: evil},
			Finding:     &result.Finding{Message: evil, Diff: "-" + evil + "\n+" + evil},
			Notes:       []string{evil}, Log: []string{evil}, Reproduce: evil,
			Exchanges: []result.Exchange{{Request: result.Request{Method: "POST", URL: evil, Body: result.Body{Text: evil}},
				Response: &result.Response{Status: 200, Body: result.Body{Text: "</pre></details><script>x()</script>"}}}},
		}}}
	page := string(render(t, run))
	// The page's own single script block is the only one.
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d <script elements, want exactly the page's own", n)
	}
	if strings.Contains(page, "<marquee>") || strings.Contains(page, "</pre></details>") {
		t.Error("markup from the run reached the page unescaped")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("escaped text missing: the values must still be shown")
	}
}

var (
	countRe   = regexp.MustCompile(`id="count-([a-z]+)">(\d+)<`)
	jsCountRe = regexp.MustCompile(`data-js-count="([a-z]+)">(\d+)<`)
	shownRe   = regexp.MustCompile(`data-shown="(\d+)"`)
)

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Skip("chromium not installed (Debian package chromium; see reports/testdata/install-validators.sh): the rendered-DOM test did not run")
	return ""
}

func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// TestRendersInChromium opens the page in headless Chromium and reads the DOM after the script
// ran: the counts shown (static and recomputed by the script) must be those of the JSON report,
// and a filter given in the URL fragment must show exactly the matching checks.
func TestRendersInChromium(t *testing.T) {
	bin := chromium(t)
	run := reporttest.Fixture(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, render(t, run), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + file

	dom := string(runChromium(t, bin, "--dump-dom", url))
	if !strings.Contains(dom, `data-ready="1"`) {
		t.Fatal("the page script did not run (no data-ready on body)")
	}
	static, js := map[string]int{}, map[string]int{}
	for _, m := range countRe.FindAllStringSubmatch(dom, -1) {
		static[m[1]], _ = strconv.Atoi(m[2])
	}
	for _, m := range jsCountRe.FindAllStringSubmatch(dom, -1) {
		js[m[1]], _ = strconv.Atoi(m[2])
	}
	want := map[string]int{}
	for _, o := range result.Outcomes {
		want[string(o)] = run.Summary.Outcomes[o]
	}
	if d := cmp.Diff(want, static); d != "" {
		t.Errorf("counts shown differ from the JSON report (-json +page):\n%s", d)
	}
	if d := cmp.Diff(want, js); d != "" {
		t.Errorf("counts recomputed by the script differ from the JSON report (-json +page):\n%s", d)
	}
	if m := shownRe.FindStringSubmatch(dom); m == nil || m[1] != strconv.Itoa(run.Summary.Total) {
		t.Errorf("shown %v, want all %d", m, run.Summary.Total)
	}

	// Each Chromium start costs seconds: the filtered views and the screenshot run in parallel.
	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			fragment string
			want     int
		}{
			// Two fragments cover the four filters: outcomes alone, then section, level and
			// text together (they combine with AND).
			{"#outcome=fail,xpass", run.Summary.Outcomes[result.Fail] + run.Summary.Outcomes[result.XPass]},
			{"#section=3.6.2&level=MUST&q=unacceptable", 1},
		} {
			t.Run(tc.fragment, func(t *testing.T) {
				t.Parallel()
				dom := string(runChromium(t, bin, "--dump-dom", url+tc.fragment))
				if m := shownRe.FindStringSubmatch(dom); m == nil || m[1] != strconv.Itoa(tc.want) {
					t.Errorf("filter %s: shown %v, want %d", tc.fragment, m, tc.want)
				}
			})
		}
		t.Run("screenshot", func(t *testing.T) {
			t.Parallel()
			// The committed screenshot shows a real run's page (testdata/realrun.sh).
			file := filepath.Join(dir, "realrun.html")
			if err := os.WriteFile(file, render(t, realRun(t)), 0o644); err != nil {
				t.Fatal(err)
			}
			screenshot(t, bin, dir, "file://"+file)
		})
	})
}

func screenshot(t *testing.T, bin, dir, url string) {
	shot := filepath.Join(dir, "screenshot.png")
	runChromium(t, bin, "--hide-scrollbars", "--window-size=1280,1600", "--screenshot="+shot, url)
	png, err := os.ReadFile(shot)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("no PNG screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", "screenshot.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
