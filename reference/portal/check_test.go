package portal_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// checker is a small stand-in for testify's assert/require (whose go.sum entries are
// incomplete in this module): fatal selects require's stop-on-failure behaviour.
type checker struct{ fatal bool }

var (
	require = checker{fatal: true}
	assert  = checker{}
)

func (c checker) fail(t testing.TB, msg string, extra []any) bool {
	t.Helper()
	if len(extra) > 0 {
		msg += ": " + fmt.Sprint(extra...)
	}
	if c.fatal {
		t.Fatal(msg)
	}
	t.Error(msg)
	return false
}

func (c checker) NoError(t testing.TB, err error, extra ...any) bool {
	t.Helper()
	if err != nil {
		return c.fail(t, fmt.Sprintf("unexpected error: %v", err), extra)
	}
	return true
}

func (c checker) Error(t testing.TB, err error, extra ...any) bool {
	t.Helper()
	if err == nil {
		return c.fail(t, "expected an error", extra)
	}
	return true
}

func (c checker) Equal(t testing.TB, want, got any, extra ...any) bool {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		return c.fail(t, fmt.Sprintf("want %#v, got %#v", want, got), extra)
	}
	return true
}

func (c checker) NotEqual(t testing.TB, a, b any, extra ...any) bool {
	t.Helper()
	if reflect.DeepEqual(a, b) {
		return c.fail(t, fmt.Sprintf("both are %#v", a), extra)
	}
	return true
}

func (c checker) True(t testing.TB, v bool, extra ...any) bool {
	t.Helper()
	if !v {
		return c.fail(t, "want true", extra)
	}
	return true
}

func (c checker) False(t testing.TB, v bool, extra ...any) bool {
	t.Helper()
	if v {
		return c.fail(t, "want false", extra)
	}
	return true
}

func (c checker) Len(t testing.TB, obj any, n int, extra ...any) bool {
	t.Helper()
	if l := reflect.ValueOf(obj).Len(); l != n {
		return c.fail(t, fmt.Sprintf("length %d, want %d", l, n), extra)
	}
	return true
}

func (c checker) NotEmpty(t testing.TB, obj any, extra ...any) bool {
	t.Helper()
	if reflect.ValueOf(obj).Len() == 0 {
		return c.fail(t, "empty", extra)
	}
	return true
}

func (c checker) Greater(t testing.TB, a, b int, extra ...any) bool {
	t.Helper()
	if a <= b {
		return c.fail(t, fmt.Sprintf("%d is not greater than %d", a, b), extra)
	}
	return true
}

func (c checker) Contains(t testing.TB, s, sub string, extra ...any) bool {
	t.Helper()
	if !strings.Contains(s, sub) {
		return c.fail(t, fmt.Sprintf("%q does not contain %q", s, sub), extra)
	}
	return true
}
