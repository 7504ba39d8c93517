package result_test

import (
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
)

// BenchmarkRedactBody measures redaction of a typical 4 KiB portal message with secrets in it.
// The "plain" case has no secret member: the common portal answer, which skips the token walk.
func BenchmarkRedactBody(b *testing.B) {
	for _, tc := range []struct{ name, member string }{{"secrets", "PIN"}, {"plain", "Note"}} {
		b.Run(tc.name, func(b *testing.B) {
			entry := `{"Account":"alice@example.com","` + tc.member + `":"NB3X-4GQK","Profile":{"Key":"` + strings.Repeat("A", 300) + `"}},`
			body := []byte(`{"Entries":[` + strings.Repeat(entry, 9) + `{}]}`)
			r := result.NewRedactor("a-literal-secret")
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				r.Body(body)
			}
		})
	}
}
