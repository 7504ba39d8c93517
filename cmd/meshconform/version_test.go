package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersion: `meshconform version` and every run.json name the Go version and the digests of
// the embedded catalog and schema, which must be those of the files in spec/.
func TestVersion(t *testing.T) {
	digest := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "spec", name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		return "sha256:" + hex.EncodeToString(sum[:6])
	}
	code, out := runCLI(t, "", "version")
	for _, want := range []string{"meshconform " + version, "go:      " + runtime.Version(), "draft:   draft-hallambaker-mesh-security-00",
		"catalog: v1 " + digest("requirements.json"), "schema:  v1 " + digest("schema.json"), "notes:   v1 " + digest("notes.json")} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("version: exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	dir := t.TempDir()
	if code, out := runCLI(t, "", "run", "--only", "wire.hello", "--report-dir", dir); code != exitOK ||
		!strings.Contains(out, "meshconform "+version+" (") || !strings.Contains(out, digest("requirements.json")) {
		t.Errorf("run: exit %d; the summary's first line does not name the build and catalog:\n%s", code, out)
	}
	tool := readRunJSON(t, filepath.Join(dir, "run.json")).Tool
	if tool.GoVersion != runtime.Version() || !strings.Contains(tool.Catalog, digest("requirements.json")) {
		t.Errorf("run.json tool = %+v", tool)
	}
}

func TestCommitOf(t *testing.T) {
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "80d9a0f83d8f0123456789abcdef0123456789ab"}
	for _, tt := range []struct {
		settings []debug.BuildSetting
		want     string
	}{
		{nil, ""},
		{[]debug.BuildSetting{rev}, "80d9a0f83d8f"},
		{[]debug.BuildSetting{rev, {Key: "vcs.modified", Value: "false"}}, "80d9a0f83d8f"},
		{[]debug.BuildSetting{{Key: "vcs.modified", Value: "true"}, rev}, "80d9a0f83d8f+dirty"},
		{[]debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}, ""},
	} {
		if got := commitOf(tt.settings); got != tt.want {
			t.Errorf("commitOf(%v) = %q, want %q", tt.settings, got, tt.want)
		}
	}
}
