package main

import (
	"fmt"
	"github.com/meshconform/meshconform/harness/target"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness"
)

// invocation is how the user started this program, for the command lines it prints (reproduce
// and replay lines): a line that names a program the user cannot run reproduces nothing.
func invocation() string {
	return invocationOf(os.Args[0], executable(), pathLookup, dirExists("cmd/meshconform"))
}

func executable() string { return resolved(os.Executable()) }

func pathLookup(name string) string { return resolved(exec.LookPath(name)) }

// resolved is path with its symbolic links resolved, "" when there is none.
func resolved(path string, err error) string {
	if err != nil {
		return ""
	}
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return path
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// goRunCached is the folder go run keeps a binary in when it caches it (Go 1.24 on, for a
// cacheable build: with -buildvcs=false, say): $GOCACHE/xx/<action ID>-d/.
var goRunCached = regexp.MustCompile(`/[0-9a-f]{2}/[0-9a-f]{64}-d/[^/]+$`)

// builtByGoRun tells a binary go run built: in a temporary go-build folder, or in the build
// cache.
func builtByGoRun(exe string) bool {
	return strings.Contains(exe, "/go-build") && strings.Contains(exe, "/exe/") || goRunCached.MatchString(exe)
}

// invocationOf decides invocation from argv[0], the resolved executable, a PATH lookup and
// whether the working directory is the module's root:
//   - a binary that `go run` built (in a go-build temporary folder, or the build cache) is named by how
//     to run it again: `go run ./cmd/meshconform` from the module root, else the module path;
//   - a test binary (name.test) stands for meshconform run in-process;
//   - a binary found on PATH under its base name is named by that name;
//   - any other is named by the path it was started with.
func invocationOf(argv0, exe string, lookPath func(string) string, inModuleRoot bool) string {
	norm := filepath.ToSlash(exe)
	base := filepath.Base(argv0)
	switch {
	case strings.HasSuffix(base, ".test"):
		return "meshconform"
	case builtByGoRun(norm):
		if inModuleRoot {
			return "go run ./cmd/meshconform"
		}
		return "go run github.com/meshconform/meshconform/cmd/meshconform@" + moduleVersion()
	case !strings.ContainsRune(argv0, os.PathSeparator) && !strings.ContainsRune(argv0, '/'):
		return harness.ShellQuote(argv0)
	case exe != "" && lookPath(base) == exe:
		return harness.ShellQuote(base)
	}
	return harness.ShellQuote(argv0)
}

// defaultTimeout is the per-request timeout of run and replay; a reproduce line carries
// --timeout only when the run used another.
const defaultTimeout = 10 * time.Second

// targetArgs are the flags a replay needs to reach the portal the way the run did and to judge
// it the same way: the portal (or the embedded portal's knobs and allowances), --host, the TLS
// settings, the names of extra headers (their values are the user's secrets: a placeholder
// stands for each), --proxy without user information, --timeout, --expect, --strict and the
// abuse checks' --gentle, --flood-requests and --slow-client-wait.
func targetArgs(f *runFlags, portalURL string) string {
	var a []string
	add := func(flag, value string) { a = append(a, flag+" "+harness.ShellQuote(value)) }
	if f.portal != "" {
		add("--portal", portalURL)
	}
	for _, b := range f.bugs {
		add("--bug", b)
	}
	for _, al := range f.allows {
		add("--allow", al)
	}
	if f.host != "" {
		add("--host", f.host)
	}
	if f.insecure {
		a = append(a, "--insecure")
	}
	if f.ca != "" {
		add("--ca", f.ca)
	}
	if f.clientCert != "" {
		add("--client-cert", f.clientCert)
	}
	if f.clientKey != "" {
		add("--client-key", f.clientKey)
	}
	if f.proxy != "" {
		add("--proxy", harness.SanitizeURL(f.proxy))
	}
	for _, h := range f.headers {
		name, _, _ := strings.Cut(h, ":")
		add("--header", strings.TrimSpace(name)+": <value>")
	}
	if f.timeout != 0 && f.timeout != defaultTimeout {
		add("--timeout", f.timeout.String())
	}
	if f.expectFile != "" {
		add("--expect", f.expectFile)
	}
	if f.strict {
		a = append(a, "--strict")
	}
	// The abuse checks' sizes and waits change what they send and how long they wait.
	if f.abuse.Gentle {
		a = append(a, "--gentle")
	}
	if f.abuse.FloodRequests != 0 {
		add("--flood-requests", fmt.Sprint(f.abuse.FloodRequests))
	}
	if f.abuse.SlowClientWait != 0 {
		add("--slow-client-wait", f.abuse.SlowClientWait.String())
	}
	return strings.Join(a, " ")
}

// normalizePortal reads --portal the one way every command does (target.ParsePortalURL): ""
// stays "" (the embedded portal), anything else becomes the service URL requests go to. An
// unreadable URL is a usage error naming the URL it likely meant.
func normalizePortal(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := target.ParsePortalURL(raw)
	if err != nil {
		return "", usage("--portal %v", err)
	}
	return u.String(), nil
}
