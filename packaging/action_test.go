package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/meshconform/meshconform/reports/render"
)

// action is the part of action.yml's metadata (GitHub's action schema) the tests read.
type action struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Author      string `yaml:"author"`
	Branding    struct {
		Icon  string `yaml:"icon"`
		Color string `yaml:"color"`
	} `yaml:"branding"`
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Required    bool    `yaml:"required"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	If    string            `yaml:"if"`
	Uses  string            `yaml:"uses"`
	Run   string            `yaml:"run"`
	Shell string            `yaml:"shell"`
	Env   map[string]string `yaml:"env"`
	With  map[string]string `yaml:"with"`
}

func readAction(t *testing.T) action {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true) // a misspelt key (runs.step, input.defualt) is an error, as on GitHub
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

var (
	inputRef  = regexp.MustCompile(`\binputs\.([A-Za-z0-9_-]+)`)
	outputRef = regexp.MustCompile(`^\$\{\{ steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+) \}\}$`)
)

// TestActionMetadata checks what GitHub checks only when the action runs, and actionlint not at
// all (it reads action.yml only for a workflow's `uses: ./`): the metadata's schema, the inputs
// its steps use, the steps its outputs come from, and the report formats it names.
func TestActionMetadata(t *testing.T) {
	a := readAction(t)
	if a.Name == "" || a.Description == "" || a.Runs.Using != "composite" {
		t.Errorf("name %q, description %q, runs.using %q: want both set and composite", a.Name, a.Description, a.Runs.Using)
	}
	for name, in := range a.Inputs {
		if in.Description == "" || (!in.Required && in.Default == nil) {
			t.Errorf("input %s: wants a description, and a default unless required", name)
		}
	}
	ids := map[string]actionStep{}
	for i, s := range a.Runs.Steps {
		if (s.Run == "") == (s.Uses == "") {
			t.Errorf("step %d (%s): wants exactly one of run and uses", i, s.Name)
		}
		if s.Run != "" && s.Shell == "" {
			t.Errorf("step %d (%s): a composite run step needs a shell", i, s.Name)
		}
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %d (%s): an expression inside run is spliced into the script unquoted: pass it through env", i, s.Name)
		}
		if s.ID != "" {
			ids[s.ID] = s
		}
		texts := []string{s.If, s.Run}
		for _, v := range s.Env {
			texts = append(texts, v)
		}
		for _, v := range s.With {
			texts = append(texts, v)
		}
		for _, text := range texts {
			for _, m := range inputRef.FindAllStringSubmatch(text, -1) {
				if _, ok := a.Inputs[m[1]]; !ok {
					t.Errorf("step %d (%s) uses inputs.%s, which action.yml does not declare", i, s.Name, m[1])
				}
			}
		}
	}
	for name, out := range a.Outputs {
		m := outputRef.FindStringSubmatch(out.Value)
		if m == nil {
			t.Errorf("output %s = %q: want ${{ steps.ID.outputs.NAME }}", name, out.Value)
			continue
		}
		if _, ok := ids[m[1]]; !ok {
			t.Errorf("output %s comes from step %q, which does not exist", name, m[1])
		}
	}
	for _, f := range strings.Split(*a.Inputs["report-formats"].Default, ",") {
		if _, err := render.Lookup(f); err != nil {
			t.Errorf("report-formats default names %q, which is no report format (%v)", f, render.Names())
		}
	}
	// Every format's file has an output naming its path, under a name the output step writes.
	run := ids["run"].Run
	for _, f := range formats(t) {
		m := regexp.MustCompile(`([a-z]+):` + regexp.QuoteMeta(f.FileName) + `[ ;]`).FindStringSubmatch(run)
		if m == nil {
			t.Errorf("the run step does not report the path of %s (format %s)", f.FileName, f.Name)
			continue
		}
		key := m[1]
		if _, ok := a.Outputs[key]; !ok {
			t.Errorf("the run step writes output %s (%s), which action.yml does not declare", key, f.FileName)
		}
	}
}

// formats is the report format registry.
func formats(t *testing.T) []render.Format {
	t.Helper()
	var out []render.Format
	for _, name := range render.Names() {
		f, err := render.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// fakeMeshconform writes a stand-in meshconform into a new directory and returns the directory.
// `meshconform version` prints a line; any other command line is recorded (one argument a line)
// in $FAKE_ARGS, the report file of each format --report names is written into --report-dir, and
// the stand-in exits with $FAKE_EXIT.
func fakeMeshconform(t *testing.T) string {
	t.Helper()
	var files []string
	for _, f := range formats(t) {
		for _, name := range append([]string{f.Name}, f.Aliases...) {
			files = append(files, name+") touch \"$dir/"+f.FileName+"\" ;;")
		}
	}
	script := `#!/bin/sh
if [ "$*" = version ]; then echo "meshconform (stand-in)"; exit 0; fi
printf '%s\n' "$@" > "$FAKE_ARGS"
dir=. formats=
while [ $# -gt 0 ]; do
	case "$1" in
	--report-dir) dir=$2; shift ;;
	--report) formats=$2; shift ;;
	esac
	shift
done
mkdir -p "$dir"
for f in $(echo "$formats" | tr , ' '); do
	case "$f" in
	` + strings.Join(files, "\n\t") + `
	esac
done
exit "${FAKE_EXIT:-0}"
`
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "meshconform"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// readOutputs parses a $GITHUB_OUTPUT file of name=value lines.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT line %q is not name=value", line)
		}
		out[k] = v
	}
	return out
}

// TestActionRunStep runs the action's run step with bash, as GitHub does, against the stand-in:
// the command line it builds from the inputs (args split as shell words, never expanded), the
// outputs it writes, and the exit code it records without failing.
func TestActionRunStep(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed: the action's steps run with bash")
	}
	a := readAction(t)
	var step actionStep
	for _, s := range a.Runs.Steps {
		if s.ID == "run" {
			step = s
		}
	}
	bin := fakeMeshconform(t)
	tests := []struct {
		name      string
		inputs    map[string]string
		fakeExit  string
		wantExit  int // the step's own exit code
		wantArgs  []string
		wantOut   map[string]string // outputs that must have these values
		wantError string            // in the step's output
	}{
		{name: "defaults", fakeExit: "0",
			wantArgs: []string{"run", "--report-dir", "meshconform-report", "--report", "json,junit,sarif,html,md"},
			wantOut: map[string]string{"exit-code": "0", "report-dir": "meshconform-report", "json": "meshconform-report/run.json",
				"junit": "meshconform-report/junit.xml", "sarif": "meshconform-report/results.sarif", "html": "meshconform-report/report.html",
				"markdown": "meshconform-report/report.md", "ndjson": ""}},
		{name: "portal host and args, a failing run",
			inputs: map[string]string{"portal": "https://portal.example.com/", "host": "portal.example.com",
				"args": `--only 'connect.*' --header "Authorization: Bearer x y" --strict`, "report-formats": "sarif,xml", "report-dir": "out dir"},
			fakeExit: "1",
			wantArgs: []string{"run", "--report-dir", "out dir", "--report", "sarif,xml", "--portal", "https://portal.example.com/",
				"--host", "portal.example.com", "--only", "connect.*", "--header", "Authorization: Bearer x y", "--strict"},
			wantOut: map[string]string{"exit-code": "1", "sarif": "out dir/results.sarif", "junit": "out dir/junit.xml", "json": "", "html": ""}},
		{name: "args are not expanded", inputs: map[string]string{"args": `--only $(touch pwned) $HOME *`}, fakeExit: "2",
			wantArgs: []string{"run", "--report-dir", "meshconform-report", "--report", "json,junit,sarif,html,md", "--only", "$(touch", "pwned)", "$HOME", "*"},
			wantOut:  map[string]string{"exit-code": "2"}},
		{name: "unbalanced quote", inputs: map[string]string{"args": `--only 'connect.*`}, wantExit: 2,
			wantError: "::error title=meshconform::args is not a list of shell words"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work := t.TempDir()
			// A file a glob or a command substitution would reveal.
			if err := os.WriteFile(filepath.Join(work, "connect.go"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + work,
				"GITHUB_OUTPUT=" + filepath.Join(work, "github-output"), "FAKE_ARGS=" + filepath.Join(work, "args"), "FAKE_EXIT=" + tt.fakeExit}
			for k, v := range step.Env {
				m := regexp.MustCompile(`^\$\{\{ inputs\.([a-z-]+) \}\}$`).FindStringSubmatch(v)
				if m == nil {
					t.Fatalf("env %s = %q: the test knows only ${{ inputs.NAME }}", k, v)
				}
				val, ok := tt.inputs[m[1]]
				if !ok {
					val = *a.Inputs[m[1]].Default
				}
				env = append(env, k+"="+val)
			}
			cmd := exec.Command(bash, "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step.Run)
			cmd.Dir, cmd.Env = work, env
			out, err := cmd.CombinedOutput()
			code := 0
			if err != nil {
				ee, ok := err.(*exec.ExitError)
				if !ok {
					t.Fatal(err)
				}
				code = ee.ExitCode()
			}
			if code != tt.wantExit || !strings.Contains(string(out), tt.wantError) {
				t.Fatalf("step exited %d, want %d (output should contain %q):\n%s", code, tt.wantExit, tt.wantError, out)
			}
			if _, err := os.Stat(filepath.Join(work, "pwned")); err == nil {
				t.Errorf("args ran a command substitution")
			}
			if tt.wantArgs == nil {
				return
			}
			b, err := os.ReadFile(filepath.Join(work, "args"))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); !slices.Equal(got, tt.wantArgs) {
				t.Errorf("meshconform got\n  %q\nwant\n  %q", got, tt.wantArgs)
			}
			outputs := readOutputs(t, filepath.Join(work, "github-output"))
			for k := range a.Outputs {
				if _, ok := outputs[k]; !ok {
					t.Errorf("the step does not write output %s", k)
				}
			}
			for k, want := range tt.wantOut {
				if outputs[k] != want {
					t.Errorf("output %s = %q, want %q", k, outputs[k], want)
				}
			}
		})
	}
}
