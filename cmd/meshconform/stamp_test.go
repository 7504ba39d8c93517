package main

import (
	"strings"
	"testing"
)

// TestReleaseStamp: what `make release` stamps at link time (-ldflags "-X main.stampVersion=...
// -X main.stampCommit=...") is what `meshconform version` and the reports name, ahead of the go
// command's build information.
func TestReleaseStamp(t *testing.T) {
	oldVersion, oldCommit := stampVersion, stampCommit
	t.Cleanup(func() { stampVersion, stampCommit = oldVersion, oldCommit })
	stampVersion, stampCommit = "v9.8.7", "0123456789ab+dirty"
	code, out := runCLI(t, "", "version")
	if code != exitOK || !strings.HasPrefix(out, "meshconform v9.8.7\ncommit:  0123456789ab+dirty\n") {
		t.Errorf("version with a release stamp: exit %d\n%s", code, out)
	}
	if got := tool(); got.Version != "v9.8.7" || got.Commit != "0123456789ab+dirty" {
		t.Errorf("the reports' tool = %+v", got)
	}
}
