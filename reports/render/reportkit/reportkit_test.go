package reportkit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
)

func TestHelpURI(t *testing.T) {
	tests := []struct{ section, want string }{
		{"3.6", DraftURL + "#section-3.6"},
		{"7.1.1.2", DraftURL + "#section-7.1.1.2"},
		{"", DraftURL},
		{"3.x", DraftURL},
		{"3..1", DraftURL},
		{"<script>", DraftURL},
	}
	for _, tt := range tests {
		if got := HelpURI(tt.section); got != tt.want {
			t.Errorf("HelpURI(%q) = %q, want %q", tt.section, got, tt.want)
		}
	}
}

func TestCompareSections(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"3.2", "3.10", -1},
		{"3.10", "3.2", 1},
		{"3", "3.1", -1},
		{"2.6.5", "3", -1},
		{"7.1.1.2", "7.1.1.2", 0},
		{"", "3", 1}, // no section sorts last
		{"x", "3", 1},
	}
	for _, tt := range tests {
		if got := CompareSections(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareSections(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	s := []string{"7.1.3", "3.10", "3.2", "", "2.6.6", "3"}
	SortSections(s)
	if d := cmp.Diff([]string{"2.6.6", "3", "3.2", "3.10", "7.1.3", ""}, s); d != "" {
		t.Errorf("SortSections (-want +got):\n%s", d)
	}
}

func TestSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{1500 * time.Millisecond: "1.500", -time.Second: "0.000", 0: "0.000"} {
		if got := Seconds(d); got != want {
			t.Errorf("Seconds(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestDetailNamesEverything(t *testing.T) {
	r := &result.CheckResult{
		ID: "validate.invalid-characters", Title: "t", Section: "3.6.2", Level: "SHOULD", Outcome: result.Fail,
		Requirement: &result.Requirement{ID: "REQ-X", Level: "SHOULD", Text: "quoted text"},
		Finding: &result.Finding{Message: "m", Expected: json.RawMessage(`{"a":1}`), Observed: json.RawMessage(`{"a":2}`),
			Diff: "-a: 1\n+a: 2", Exchanges: []int{1, 7}},
		Exchanges: []result.Exchange{
			{Request: result.Request{Method: "POST", URL: "http://p/first"}},
			{Request: result.Request{Method: "POST", URL: "http://p/shown", Body: result.Body{Text: strings.Repeat("z", 3000), Size: 3000}},
				Response: &result.Response{Status: 400, Header: map[string][]string{"Content-Type": {"application/json"}}}},
		},
		Reproduce: "meshconform run --only x --seed 1",
	}
	d := Detail(r)
	for _, want := range []string{"REQ-X (SHOULD): \"quoted text\"", "expected:", "\"a\": 1", "observed:", "-a: 1", "+a: 2",
		"> POST http://p/shown", "< 400", "Content-Type: application/json", "[truncated; 3000 bytes received]",
		"reproduce:   meshconform run --only x --seed 1", DraftURL + "#section-3.6.2"} {
		if !strings.Contains(d, want) {
			t.Errorf("Detail lacks %q:\n%s", want, d)
		}
	}
	// Only the exchange the finding points at; index 7 is out of range and ignored.
	if strings.Contains(d, "http://p/first") {
		t.Errorf("Detail shows an exchange the finding does not point at:\n%s", d)
	}
	if d := cmp.Diff([]int{1}, ShownExchanges(r)); d != "" {
		t.Errorf("ShownExchanges (-want +got):\n%s", d)
	}
}

func TestBodyTextBinary(t *testing.T) {
	if got := BodyText(result.Body{Base64: "AAAA", Size: 12}); got != "[12 bytes of binary body]" {
		t.Errorf("BodyText(binary) = %q", got)
	}
}

// TestExchangeTextSaysResent: a resent exchange's transcript says so before the request; any
// other does not.
func TestExchangeTextSaysResent(t *testing.T) {
	x := &result.Exchange{Request: result.Request{Method: "POST", URL: "http://p/.well-known/mmm/"}, Response: &result.Response{Status: 200}}
	if strings.Contains(ExchangeText(x), ResentNote) {
		t.Fatalf("an exchange sent once says it was resent:\n%s", ExchangeText(x))
	}
	x.Resent = true
	if got := ExchangeText(x); !strings.HasPrefix(got, ResentNote+"\n> POST ") {
		t.Fatalf("a resent exchange does not say so first:\n%s", got)
	}
}
