package suggest

import (
	"slices"
	"strings"
)

// maxSuggestions bounds a hint: more names than this help nobody choose.
const maxSuggestions = 3

// Closest returns the candidates nearest to word by edit distance (insertions, deletions,
// substitutions and transpositions of adjacent characters each count 1), best first, when
// they are near enough to be a typo of it: at most 1 + len(word)/4 edits. It returns nil when
// no candidate is that near. Ties keep the candidates' order; duplicates are returned once.
func Closest(word string, candidates []string) []string {
	limit := 1 + len(word)/4
	type scored struct {
		name string
		d    int
	}
	var near []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		if seen[c] || c == word {
			continue
		}
		seen[c] = true
		if d := Distance(strings.ToLower(word), strings.ToLower(c)); d <= limit {
			near = append(near, scored{c, d})
		}
	}
	slices.SortStableFunc(near, func(a, b scored) int { return a.d - b.d })
	var out []string
	for i, s := range near {
		if i == maxSuggestions || s.d > near[0].d {
			break
		}
		out = append(out, s.name)
	}
	return out
}

// Distance is the optimal string alignment distance between a and b, by bytes.
func Distance(a, b string) int {
	// Three rows: two back for transpositions, one back, and the current one.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Globs returns the patterns a user who selects by ID glob may have meant: every ID, and for
// every dotted prefix of an ID the glob of its group ("connect.*" for "connect.accept").
func Globs(ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		for i := 0; i < len(id); i++ {
			if id[i] == '.' {
				if g := id[:i+1] + "*"; !seen[g] {
					seen[g] = true
					out = append(out, g)
				}
			}
		}
	}
	return append(out, ids...)
}
