package testparallel

import (
	"flag"
	"testing"
)

func TestRaise(t *testing.T) {
	for _, tc := range []struct {
		name    string
		def     int
		args    []string
		atLeast int
		want    int
	}{
		{"default below is raised", 1, nil, 4, 4},
		{"default above is kept", 8, nil, 4, 8},
		{"explicit below is kept", 2, []string{"-test.parallel=1"}, 4, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			got := fs.Int("test.parallel", tc.def, "")
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			raise(fs, tc.atLeast)
			if *got != tc.want {
				t.Errorf("parallel %d, want %d", *got, tc.want)
			}
		})
	}
}
