package main

import "testing"

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		i, n int
		ok   bool
	}{
		{"", 0, 1, true}, {"0/1", 0, 1, true}, {"1/2", 1, 2, true}, {"6/7", 6, 7, true},
		{"2/2", 0, 0, false}, {"-1/2", 0, 0, false}, {"0/0", 0, 0, false}, {"1", 0, 0, false},
		{"1/2x", 0, 0, false}, {" 1/2", 0, 0, false}, {"01/2", 0, 0, false},
	} {
		i, n, err := parseShard(c.in)
		if (err == nil) != c.ok || c.ok && (i != c.i || n != c.n) {
			t.Errorf("parseShard(%q) = %d, %d, %v; want %d, %d, ok %v", c.in, i, n, err, c.i, c.n, c.ok)
		}
	}
}
