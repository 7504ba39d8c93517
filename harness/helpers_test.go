package harness

import (
	"fmt"
	"testing"
)

// Small assertion helpers: testify's go.sum entries are incomplete in this module, and these
// few cover what the tests need.

func mustNil(t *testing.T, err error, msg string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", msg, err)
	}
}

func eq[T comparable](t *testing.T, want, got T, msg ...any) {
	t.Helper()
	if want != got {
		t.Errorf("%s: want %v, got %v", fmt.Sprint(msg...), want, got)
	}
}

func isTrue(t *testing.T, cond bool, msg ...any) {
	t.Helper()
	if !cond {
		t.Error(msg...)
	}
}
