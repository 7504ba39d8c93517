package harness

import (
	"errors"
	"fmt"
	"testing"
)

func TestSelects(t *testing.T) {
	tests := []struct {
		name    string
		sel     Selection
		id, sec string
		level   Level
		want    bool
	}{
		{"empty selects all", Selection{}, "validate.chars", "3.6.2", MUST, true},
		{"only glob match", Selection{Only: []string{"validate.*"}}, "validate.chars", "3.6.2", MUST, true},
		{"only glob miss", Selection{Only: []string{"create.*"}}, "validate.chars", "3.6.2", MUST, false},
		{"only several", Selection{Only: []string{"create.*", "validate.c?ars"}}, "validate.chars", "3.6.2", MUST, true},
		{"skip wins over only", Selection{Only: []string{"*"}, Skip: []string{"validate.*"}}, "validate.chars", "3.6.2", MUST, false},
		{"section exact", Selection{Sections: []string{"3.6.2"}}, "x", "3.6.2", MUST, true},
		{"section prefix", Selection{Sections: []string{"3.6"}}, "x", "3.6.2", MUST, true},
		{"section prefix trailing dot", Selection{Sections: []string{"3.6."}}, "x", "3.6.2", MUST, true},
		{"section not a digit prefix", Selection{Sections: []string{"3.6"}}, "x", "3.60", MUST, false},
		{"section other", Selection{Sections: []string{"3.7"}}, "x", "3.6.2", MUST, false},
		{"level match", Selection{Levels: []Level{SHOULD, MUST}}, "x", "3", MUST, true},
		{"level miss", Selection{Levels: []Level{SHOULD}}, "x", "3", MUST, false},
		{"all combined", Selection{Only: []string{"v.*"}, Sections: []string{"3"}, Levels: []Level{MUST}}, "v.a", "3.1", MUST, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eq(t, tc.want, tc.sel.Selects(tc.id, tc.sec, tc.level))
		})
	}
}

func TestSelectionValidate(t *testing.T) {
	tests := []struct {
		name string
		sel  Selection
		ok   bool
	}{
		{"fine", Selection{Only: []string{"a.*"}, Sections: []string{"3.6"}, Levels: []Level{MAY}, Shard: Shard{1, 2}}, true},
		{"bad glob", Selection{Only: []string{"a.["}}, false},
		{"bad skip glob", Selection{Skip: []string{"x["}}, false},
		{"empty glob", Selection{Only: []string{""}}, false},
		{"empty section", Selection{Sections: []string{"."}}, false},
		{"bad level", Selection{Levels: []Level{"MIGHT"}}, false},
		{"bad shard", Selection{Shard: Shard{3, 2}}, false},
	}
	for _, tc := range tests {
		err := tc.sel.validate()
		eq(t, tc.ok, err == nil, tc.name, ": ", err)
		if err != nil && !errors.Is(err, ErrConfig) {
			t.Errorf("%s: error %v does not wrap ErrConfig", tc.name, err)
		}
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"1/1", Shard{1, 1}, true},
		{"2/4", Shard{2, 4}, true},
		{"0/4", Shard{}, false},
		{"5/4", Shard{}, false},
		{"1/0", Shard{}, false},
		{"x/4", Shard{}, false},
		{"3", Shard{}, false},
	}
	for _, tc := range tests {
		got, err := ParseShard(tc.in)
		eq(t, tc.ok, err == nil, tc.in)
		eq(t, tc.want, got, tc.in)
	}
}

func TestParseLevel(t *testing.T) {
	l, err := ParseLevel("should")
	mustNil(t, err, "lower case")
	eq(t, SHOULD, l)
	_, err = ParseLevel("MIGHT")
	isTrue(t, errors.Is(err, ErrConfig), "unknown level must be a config error")
}

func TestShardPartition(t *testing.T) {
	var ids []string
	for i := range 200 {
		ids = append(ids, fmt.Sprintf("check.%03d", i))
	}
	for _, n := range []int{1, 2, 3, 7} {
		owner := map[string]int{}
		for i := 1; i <= n; i++ {
			s := Shard{i, n}
			for _, id := range ids {
				if s.Contains(id) {
					if prev, dup := owner[id]; dup {
						t.Fatalf("N=%d: %s in shards %d and %d", n, id, prev, i)
					}
					owner[id] = i
				}
			}
		}
		eq(t, len(ids), len(owner), "N=", n, ": every check in a shard")
		if n > 1 {
			// A hash spreads 200 checks: no shard may be empty.
			counts := map[int]int{}
			for _, s := range owner {
				counts[s]++
			}
			eq(t, n, len(counts), "N=", n, ": every shard gets checks")
		}
	}
	// Adding checks never moves an existing one.
	before := map[string]int{}
	for _, id := range ids {
		for i := 1; i <= 4; i++ {
			if (Shard{i, 4}).Contains(id) {
				before[id] = i
			}
		}
	}
	more := append([]string{"aaa.new", "zzz.new", "check.0995"}, ids...)
	for _, id := range more {
		for i := 1; i <= 4; i++ {
			if (Shard{i, 4}).Contains(id) {
				if b, ok := before[id]; ok && b != i {
					t.Errorf("%s moved from shard %d to %d when checks were added", id, b, i)
				}
			}
		}
	}
}
