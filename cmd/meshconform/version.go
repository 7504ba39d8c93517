package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/spec"
)

// version is the suite's release, used when the build carries no module version (a build
// from a checkout: `go build`, `go run`, `go test`).
const version = "0.1.0"

// stampVersion and stampCommit, when set at link time (go build -ldflags "-X
// main.stampCommit=..."), name the build whatever the go command recorded: a build with
// -buildvcs=false (some CI images put it in GOFLAGS), or from an export without .git, records no
// commit; `make build` and `make conform` stamp it.
var stampVersion, stampCommit string

// moduleVersion is the stamped version, else the module's version as the go command recorded
// it (v1.2.3 for `go install ...@v1.2.3`), else version.
func moduleVersion() string {
	if stampVersion != "" {
		return stampVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

// vcsCommit is the commit the binary was built from (with "+dirty" for local changes): the
// stamped one, else the one the build recorded, else "".
func vcsCommit() string {
	if stampCommit != "" {
		return stampCommit
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	return commitOf(bi.Settings)
}

// commitOf reads the commit from the build settings: the revision's first 12 characters, with
// "+dirty" when the build had local changes.
func commitOf(settings []debug.BuildSetting) string {
	var rev, modified string
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && modified == "true" {
		rev += "+dirty"
	}
	return rev
}

// tool is this binary as every report records it.
func tool() result.Tool {
	v := spec.Versions()
	return result.Tool{Name: "meshconform", Version: moduleVersion(), Commit: vcsCommit(), GoVersion: runtime.Version(),
		Draft: v.Draft, Schema: v.Schema, Catalog: v.Catalog, Notes: v.Notes}
}

func init() {
	rootCmd.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, Go version and the versions of the embedded schema, catalog and notes",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			t := tool()
			w := c.OutOrStdout()
			commit := t.Commit
			if commit == "" {
				commit = "unknown (built with -buildvcs=false or outside a git checkout; stamp it with -ldflags '-X main.stampCommit=REV', as make build does)"
			}
			fmt.Fprintf(w, "meshconform %s\ncommit:  %s\ngo:      %s\ndraft:   %s\nschema:  %s\ncatalog: %s\nnotes:   %s\n",
				t.Version, commit, t.GoVersion, t.Draft, t.Schema, t.Catalog, t.Notes)
			return nil
		},
	})
}
