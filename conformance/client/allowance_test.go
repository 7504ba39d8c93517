package client_test

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
	refclient "github.com/meshconform/meshconform/reference/client"
)

// allowanceShows says, for every allowance of the reference client, what in the recorded
// exchanges of a run shows that it was in effect: a run in which nothing changed would prove
// nothing about the checks. A missing entry fails TestEachClientAllowancePasses.
var allowanceShows = map[string]func(ex []exchange) bool{
	// Reports redact Authorization: client.auth.header's log line says what it verified.
	"ed25519": func(ex []exchange) bool {
		return logged(ex, "client.auth.header", regexp.MustCompile(`by device keys of Ed25519$`))
	},
	"sessions": func(ex []exchange) bool {
		return logged(ex, "client.auth.header", regexp.MustCompile(`, [1-9][0-9]* of them in a session`))
	},
	"host-port": func(ex []exchange) bool {
		return anyEx(ex, func(e exchange) bool { return e.check == "client.http.host" && hostPort.MatchString(header(e, "Host")) })
	},
	"host-no-port": func(ex []exchange) bool {
		return anyEx(ex, func(e exchange) bool { return e.check == "client.wire.host" && header(e, "Host") == "localhost" })
	},
	"retry-503": func(ex []exchange) bool {
		for i := 1; i < len(ex); i++ {
			if ex[i].check == "client.status.flaky" && ex[i-1].check == ex[i].check && ex[i-1].Response != nil &&
				strings.Contains(ex[i-1].Response.Body.Text, `"Status":503`) && ex[i].Request.Body.Text == ex[i-1].Request.Body.Text {
				return true
			}
		}
		return false
	},
	"hello-first": func(ex []exchange) bool {
		return anyEx(ex, func(e exchange) bool {
			return e.check == "client.validate.no-reservation" && strings.HasPrefix(e.Request.Body.Text, `{"Hello"`)
		})
	},
	"validate-first": func(ex []exchange) bool {
		return anyEx(ex, func(e exchange) bool {
			return e.check == "client.auth.header" && strings.HasPrefix(e.Request.Body.Text, `{"ValidateAccount"`)
		})
	},
	"charset": func(ex []exchange) bool {
		return anyEx(ex, func(e exchange) bool { return header(e, "Content-Type") == "application/json; charset=utf-8" })
	},
	"sorted-members": func(ex []exchange) bool {
		return anyEx(ex, func(e exchange) bool {
			// The schema's order is Account, Profile, Device.
			b := e.Request.Body.Text
			return strings.HasPrefix(b, `{"CreateAccount":`) && strings.Contains(b, `"Device":`) &&
				strings.Index(b, `"Device":`) < strings.Index(b, `"Profile":`)
		})
	},
}

var hostPort = regexp.MustCompile(`^portal\.test:[0-9]+$`)

// exchange is one recorded exchange of a run, with the check it belongs to and that check's
// log.
type exchange struct {
	check string
	log   []string
	result.Exchange
}

func exchanges(run *result.Run) []exchange {
	var out []exchange
	for _, r := range run.Results {
		for _, e := range r.Exchanges {
			out = append(out, exchange{r.ID, r.Log, e})
		}
	}
	return out
}

func logged(ex []exchange, check string, re *regexp.Regexp) bool {
	return anyEx(ex, func(e exchange) bool {
		return e.check == check && slices.ContainsFunc(e.log, re.MatchString)
	})
}

// incompatible allowances are left out of the run with all of them: each contradicts the
// other.
var incompatible = map[string]bool{"host-no-port": true} // contradicts host-port

func anyEx(ex []exchange, f func(exchange) bool) bool {
	for _, e := range ex {
		if f(e) {
			return true
		}
	}
	return false
}

func header(e exchange, name string) string {
	for k, v := range e.Request.Header {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// TestEachClientAllowancePasses is the mirror image of the knob self-test: every allowance of
// the reference client is a behaviour the documents permit, so with it on, and with all of
// them on together, every client check must pass; and the run must show the allowance in
// effect.
func TestEachClientAllowancePasses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the client checks once per allowance; skipped with -short")
	}
	var names []string
	for _, a := range refclient.ListAllowances() {
		names = append(names, a.Name)
		if allowanceShows[a.Name] == nil {
			t.Errorf("allowance %s has no entry in allowanceShows: what shows it in effect?", a.Name)
		}
	}
	sort.Strings(names)
	var all []string
	for _, n := range names {
		if !incompatible[n] {
			all = append(all, "--allow", n)
		}
	}
	runs := map[string][]string{"all": all}
	for _, n := range names {
		runs[n] = []string{"--allow", n}
	}
	for name, args := range runs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run := runClientArgs(t, args...)
			for _, r := range run.Results {
				if r.Outcome != result.Pass {
					msg := r.Reason
					if r.Finding != nil {
						msg = r.Finding.Message
					}
					t.Errorf("with %v, check %s is %s (%s): it accepts less than the documents permit", args, r.ID, r.Outcome, msg)
				}
			}
			if code := run.ExitCode(); code != 0 {
				t.Errorf("exit code %d with %v, want 0", code, args)
			}
			ex := exchanges(run)
			for i := 1; i < len(args); i += 2 {
				if show := allowanceShows[args[i]]; show != nil && !show(ex) {
					t.Errorf("with %v, nothing in the run shows allowance %s in effect", args, args[i])
				}
			}
		})
	}
}
