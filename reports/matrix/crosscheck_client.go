package matrix

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/meshconform/meshconform/harness/result"
)

// CrossCheckClients is the cross-check of client columns. In a client check the exchanges are
// what the client sent to the check's test portal, with the answer the test portal gave; both
// runs used one seed, so each check gave every client the same operations and the same faults.
// It compares, exchange by exchange, what the clients sent by structure: the transaction (the
// request's tag; where two clients send different transactions their sequences part, and that
// check is compared no further), the method, the URL path, the Authorization header's scheme
// (reports keep it and redact the rest; older reports kept only its presence), which
// payload members are present (an empty list counts as absent), and the class of the answer the
// client was given (HTTP status class, payload Status class), which follows from what it sent. A
// client that sent more or fewer requests than the baseline in a check is listed too. As for
// portals, a disagreement is never a failure: the documents may allow both.
func CrossCheckClients(targets []Target, skip []string) []Disagreement {
	return crossCheck(targets, skip, clientComparison)
}

var clientComparison = comparison{
	part: func(a, b *result.Exchange) string {
		if ta, tb := firstMember(a.Request.Body.Text), firstMember(b.Request.Body.Text); ta != tb {
			return "the clients' requests part here (" + orNone(ta) + " / " + orNone(tb) + "): not compared further"
		}
		return ""
	},
	compare: func(a, b *result.Exchange) []string { return compareSent(sentOf(a), sentOf(b)) },
	brief:   briefSent,
	count: func(base, other int) string {
		return fmt.Sprintf("the baseline sent %d requests in this check, this client %d", base, other)
	},
}

// sent is what the client cross-check compares of one exchange.
type sent struct {
	method, path string
	auth         string   // the Authorization scheme ("Mesh", "Mesh-Session"), "present" when redacted, "" when none
	members      []string // the request payload's members present, sorted
	unparsed     bool     // the request was recorded in part: members not compared
	answer       shape    // the answer the client was given (its class and payload Status)
}

func sentOf(ex *result.Exchange) sent {
	s := sent{method: ex.Request.Method, path: ex.Request.URL, answer: shapeOf(ex)}
	// The test portal listens on another port in every run: the path is what the client chose.
	if u, err := url.Parse(ex.Request.URL); err == nil {
		s.path = u.EscapedPath()
	}
	for name, values := range ex.Request.Header {
		if strings.EqualFold(name, "Authorization") && len(values) > 0 {
			// Reports keep the scheme and redact the rest ("Mesh [redacted]", harness/result's
			// Redactor); reports written before that redacted the whole value, of which only the
			// presence is known.
			s.auth, _, _ = strings.Cut(strings.TrimSpace(values[0]), " ")
			if s.auth == "" || strings.HasPrefix(values[0], result.Redacted) {
				s.auth = "present"
			}
		}
	}
	if ex.Request.Body.Truncated {
		s.unparsed = true
		return s
	}
	if _, payload, ok := top(ex.Request.Body.Text); ok {
		for k, v := range payload {
			if !absent(v) {
				s.members = append(s.members, k)
			}
		}
		sort.Strings(s.members)
	}
	return s
}

func compareSent(a, b sent) []string {
	var what []string
	if a.method != b.method {
		what = append(what, "method "+a.method+" / "+b.method)
	}
	if a.path != b.path {
		what = append(what, "path "+a.path+" / "+b.path)
	}
	if a.auth != b.auth {
		what = append(what, "Authorization "+orNone(a.auth)+" / "+orNone(b.auth))
	}
	if !a.unparsed && !b.unparsed {
		if only := minus(a.members, b.members); len(only) > 0 {
			what = append(what, "only the baseline sends "+strings.Join(only, ", "))
		}
		if only := minus(b.members, a.members); len(only) > 0 {
			what = append(what, "only this client sends "+strings.Join(only, ", "))
		}
	}
	if a.answer.class != b.answer.class {
		what = append(what, "answered HTTP "+a.answer.class+" / "+b.answer.class)
	}
	if a.answer.status != b.answer.status {
		what = append(what, "answered with payload Status "+orNone(a.answer.status)+" / "+orNone(b.answer.status))
	}
	return what
}

// briefSent is one exchange of a client check in a line: what the client sent, and the answer's
// status and body prefix.
func briefSent(ex *result.Exchange) string {
	s := sentOf(ex)
	req := ex.Request.Method + " " + s.path
	if s.auth != "" {
		req += " [Authorization " + s.auth + "]"
	}
	req += " " + truncate(ex.Request.Body.Text, 240)
	if ex.Response == nil {
		return req + " -> no answer: " + ex.Problem + " " + ex.Error
	}
	return fmt.Sprintf("%s -> %d %s", req, ex.Response.Status, truncate(ex.Response.Body.Text, 160))
}
