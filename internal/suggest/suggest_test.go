package suggest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"portal", "portal", 0},
		{"prtal", "portal", 1},  // deletion
		{"protal", "portal", 1}, // transposition
		{"potral", "portal", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment: no edit of a transposed pair
		{"conect.*", "connect.*", 1},
	} {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	ids := []string{"connect.accept", "connect.pin", "wire.hello", "wire.host", "create.duplicate"}
	for _, tt := range []struct {
		word       string
		candidates []string
		want       []string
	}{
		{"conect.*", Globs(ids), []string{"connect.*"}},
		{"connect", Globs(ids), []string{"connect.*"}},
		{"wire.helo", Globs(ids), []string{"wire.hello"}},
		{"wire.hots", Globs(ids), []string{"wire.host"}},
		{"wire.hell", Globs(ids), []string{"wire.hello"}},
		{"connect.p", Globs(ids), []string{"connect.*"}}, // ties keep order: groups first
		{"wire.h*", Globs(ids), []string{"wire.*"}},
		{"zzz.*", Globs(ids), nil},
		{"prtal", []string{"portal", "port", "host"}, []string{"portal"}}, // only the nearest
		{"seed", []string{"seed", "speed"}, []string{"speed"}},            // the word itself is no suggestion
	} {
		if diff := cmp.Diff(tt.want, Closest(tt.word, tt.candidates)); diff != "" {
			t.Errorf("Closest(%q) (-want +got):\n%s", tt.word, diff)
		}
	}
}

func TestGlobs(t *testing.T) {
	want := []string{"a.*", "a.b.*", "c.*", "a.b.c", "a.d", "c.e"}
	if diff := cmp.Diff(want, Globs([]string{"a.b.c", "a.d", "c.e"})); diff != "" {
		t.Errorf("Globs (-want +got):\n%s", diff)
	}
}
