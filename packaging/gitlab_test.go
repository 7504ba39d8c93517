package packaging

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/meshconform/meshconform/reports/render"
)

// component is templates/meshconform.yml: a spec document, then the job.
type component struct {
	inputs map[string]componentInput
	body   string // the job document, before interpolation
}

type componentInput struct {
	Description string `yaml:"description"`
	Default     any    `yaml:"default"`
	Type        string `yaml:"type"`
}

type gitlabJob struct {
	Stage        string            `yaml:"stage"`
	Image        string            `yaml:"image"`
	AllowFailure bool              `yaml:"allow_failure"`
	Variables    map[string]string `yaml:"variables"`
	Script       []string          `yaml:"script"`
	Artifacts    struct {
		When     string   `yaml:"when"`
		ExposeAs string   `yaml:"expose_as"`
		Paths    []string `yaml:"paths"`
		Reports  struct {
			JUnit  string `yaml:"junit"`
			Dotenv string `yaml:"dotenv"`
		} `yaml:"reports"`
	} `yaml:"artifacts"`
}

var interpolation = regexp.MustCompile(`\$\[\[ *inputs\.([A-Za-z0-9_-]+) *\]\]`)

func readComponent(t *testing.T) component {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "templates", "meshconform.yml"))
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := bytes.Cut(b, []byte("\n---\n"))
	if !ok {
		t.Fatal("templates/meshconform.yml: want a spec document, ---, and the job document")
	}
	var spec struct {
		Spec struct {
			Inputs map[string]componentInput `yaml:"inputs"`
		} `yaml:"spec"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&spec); err != nil {
		t.Fatalf("templates/meshconform.yml spec: %v", err)
	}
	return component{inputs: spec.Spec.Inputs, body: string(body)}
}

// interpolate does what GitLab does with the component's inputs when it is included: in the
// parsed job document (not its text, so a value with quotes or colons stays one string), each
// $[[ inputs.NAME ]] becomes the value given, else the default; a string that is one reference
// to a boolean input becomes a boolean.
func (c component) interpolate(t *testing.T, given map[string]string) (string, gitlabJob) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(c.body), &doc); err != nil {
		t.Fatalf("the job document: %v", err)
	}
	value := func(name string) string {
		if v, ok := given[name]; ok {
			return v
		}
		in, ok := c.inputs[name]
		if !ok {
			t.Fatalf("the job uses inputs.%s, which the spec does not declare", name)
		}
		switch d := in.Default.(type) {
		case string:
			return d
		case bool:
			return strconv.FormatBool(d)
		}
		t.Fatalf("input %s: default %v of type %T", name, in.Default, in.Default)
		return ""
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && interpolation.MatchString(n.Value) {
			orig, whole := n.Value, interpolation.FindStringSubmatch(n.Value)
			n.Value = interpolation.ReplaceAllStringFunc(n.Value, func(ref string) string {
				return value(interpolation.FindStringSubmatch(ref)[1])
			})
			n.Style, n.Tag = 0, "!!str"
			if strings.TrimSpace(whole[0]) == strings.TrimSpace(orig) && c.inputs[whole[1]].Type == "boolean" {
				n.Tag = "!!bool"
			}
		}
		for _, child := range n.Content {
			walk(child)
		}
	}
	walk(&doc)
	var jobs map[string]gitlabJob
	if err := doc.Decode(&jobs); err != nil {
		t.Fatalf("the interpolated job: %v", err)
	}
	if len(jobs) != 1 {
		t.Fatalf("want one job, got %d", len(jobs))
	}
	for name, job := range jobs {
		return name, job
	}
	return "", gitlabJob{}
}

// TestGitLabComponent checks the component's spec against its job and the report registry, and
// the example that includes it against the spec.
func TestGitLabComponent(t *testing.T) {
	c := readComponent(t)
	used := map[string]bool{}
	for _, m := range interpolation.FindAllStringSubmatch(c.body, -1) {
		used[m[1]] = true
	}
	for name, in := range c.inputs {
		if in.Description == "" || in.Default == nil {
			t.Errorf("input %s: wants a description and a default", name)
		}
		if !used[name] {
			t.Errorf("input %s is declared but the job never uses it", name)
		}
	}
	for _, f := range strings.Split(c.inputs["report-formats"].Default.(string), ",") {
		if _, err := render.Lookup(f); err != nil {
			t.Errorf("report-formats default names %q, which is no report format (%v)", f, render.Names())
		}
	}
	name, job := c.interpolate(t, nil)
	if name != "meshconform" || job.Stage != "test" || job.AllowFailure || job.Artifacts.When != "always" {
		t.Errorf("job %q: stage %q, allow_failure %v, artifacts when %q", name, job.Stage, job.AllowFailure, job.Artifacts.When)
	}
	if junit, _ := render.Lookup("junit"); job.Artifacts.Reports.JUnit != "meshconform-report/"+junit.FileName {
		t.Errorf("artifacts:reports:junit = %q, want meshconform-report/%s", job.Artifacts.Reports.JUnit, junit.FileName)
	}
	_, job = c.interpolate(t, map[string]string{"allow-failure": "true", "job-name": "second"})
	if !job.AllowFailure {
		t.Errorf("allow-failure: true did not reach allow_failure")
	}

	b, err := os.ReadFile(filepath.Join("..", "examples", "gitlab-ci-component.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var example struct {
		Include []struct {
			Remote string         `yaml:"remote"`
			Inputs map[string]any `yaml:"inputs"`
		} `yaml:"include"`
	}
	if err := yaml.Unmarshal(b, &example); err != nil {
		t.Fatalf("examples/gitlab-ci-component.yml: %v", err)
	}
	if len(example.Include) == 0 {
		t.Fatal("examples/gitlab-ci-component.yml includes nothing")
	}
	for _, inc := range example.Include {
		if !strings.HasSuffix(inc.Remote, "/templates/meshconform.yml") {
			t.Errorf("the example includes %q, not the component", inc.Remote)
		}
		for k := range inc.Inputs {
			if _, ok := c.inputs[k]; !ok {
				t.Errorf("the example gives input %s, which the component does not declare", k)
			}
		}
	}
}

// TestGitLabComponentScript runs the job's script with sh, as a GitLab runner does in the default
// image, with a stand-in go (whose install puts the stand-in meshconform in $GOBIN).
func TestGitLabComponentScript(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("sh is not installed")
	}
	c := readComponent(t)
	bin := fakeMeshconform(t)
	goDir := t.TempDir()
	fakeGo := `#!/bin/sh
[ "$1" = install ] || exit 9
echo "$2" > "$FAKE_GO_ARGS"
mkdir -p "$GOBIN" && cp "` + filepath.Join(bin, "meshconform") + `" "$GOBIN/meshconform"
`
	if err := os.WriteFile(filepath.Join(goDir, "go"), []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		inputs   map[string]string
		fakeExit int
		wantArgs []string
		wantPkg  string
	}{
		{name: "defaults", wantPkg: "github.com/meshconform/meshconform/cmd/meshconform@latest",
			wantArgs: []string{"run", "--report-dir", "meshconform-report", "--report", "json,junit,sarif,html,md"}},
		{name: "every input, a failing run", fakeExit: 1,
			inputs: map[string]string{"portal": "http://10.0.0.5:8080/", "host": "portal.example.com", "version": "v1.2.3",
				"args": `--only 'connect.*' --header "Authorization: Bearer $PORTAL_TOKEN"`, "report-formats": "junit", "report-dir": "r"},
			wantPkg: "github.com/meshconform/meshconform/cmd/meshconform@v1.2.3",
			wantArgs: []string{"run", "--report-dir", "r", "--report", "junit", "--portal", "http://10.0.0.5:8080/",
				"--host", "portal.example.com", "--only", "connect.*", "--header", "Authorization: Bearer secret token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, job := c.interpolate(t, tt.inputs)
			work := t.TempDir()
			if err := os.WriteFile(filepath.Join(work, "connect.go"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			env := []string{"PATH=" + goDir + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + work,
				"PORTAL_TOKEN=secret token", "FAKE_ARGS=" + filepath.Join(work, "args"), "FAKE_GO_ARGS=" + filepath.Join(work, "go-args"),
				"FAKE_EXIT=" + strconv.Itoa(tt.fakeExit)}
			for k, v := range job.Variables {
				env = append(env, k+"="+v)
			}
			cmd := exec.Command(sh, "-e", "-c", strings.Join(job.Script, "\n"))
			cmd.Dir, cmd.Env = work, env
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.fakeExit {
				t.Fatalf("the script exited %d, want meshconform's %d:\n%s", code, tt.fakeExit, out)
			}
			read := func(name string) string {
				b, err := os.ReadFile(filepath.Join(work, name))
				if err != nil {
					t.Fatalf("%s: %v\n%s", name, err, out)
				}
				return strings.TrimSuffix(string(b), "\n")
			}
			if got := read("go-args"); got != tt.wantPkg {
				t.Errorf("go install %q, want %q", got, tt.wantPkg)
			}
			if got := strings.Split(read("args"), "\n"); !slices.Equal(got, tt.wantArgs) {
				t.Errorf("meshconform got\n  %q\nwant\n  %q", got, tt.wantArgs)
			}
			if got, want := read(job.Artifacts.Reports.Dotenv), "MESHCONFORM_EXIT_CODE="+strconv.Itoa(tt.fakeExit); got != want {
				t.Errorf("dotenv %q, want %q", got, want)
			}
		})
	}
}
