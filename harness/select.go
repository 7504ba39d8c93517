package harness

import (
	"errors"
	"fmt"
	"hash/fnv"
	"path"
	"strconv"
	"strings"
)

// Shard selects one of Count deterministic parts of the checks (Index from 1).
type Shard struct {
	Index, Count int
}

// ErrConfig reports a configuration the runner refuses (exit 2).
var ErrConfig = errors.New("invalid configuration")

// ParseShard parses "I/N".
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	sh := Shard{Index: i, Count: n}
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("%w: shard %q is not of the form I/N", ErrConfig, s)
	}
	if err := sh.validate(); err != nil {
		return Shard{}, err
	}
	return sh, nil
}

func (s Shard) validate() error {
	if s == (Shard{}) {
		return nil
	}
	if s.Count < 1 || s.Index < 1 || s.Index > s.Count {
		return fmt.Errorf("%w: shard %d/%d: need 1 <= I <= N", ErrConfig, s.Index, s.Count)
	}
	return nil
}

func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Contains reports whether the check ID falls in the shard. It hashes the ID rather than using
// the check's position, so adding or removing a check never moves another one between shards.
func (s Shard) Contains(id string) bool {
	if s.Count <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()%uint64(s.Count) == uint64(s.Index-1)
}

// ParseLevel accepts a level in any case.
func ParseLevel(s string) (Level, error) {
	l := Level(strings.ToUpper(strings.TrimSpace(s)))
	if !l.valid() {
		return "", fmt.Errorf("%w: level %q is not MUST, SHOULD or MAY", ErrConfig, s)
	}
	return l, nil
}

// Selection is the part of Config that chooses checks.
type Selection struct {
	Only     []string // ID globs (path.Match); a check must match one when any is given
	Skip     []string // ID globs; a matching check is not selected
	Sections []string // section prefixes: "3.6" selects 3.6 and 3.6.1, not 3.60
	Levels   []Level
	Shard    Shard
}

func (s *Selection) validate() error {
	for _, g := range append(append([]string(nil), s.Only...), s.Skip...) {
		if g == "" {
			return fmt.Errorf("%w: empty check glob", ErrConfig)
		}
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("%w: check glob %q: %w", ErrConfig, g, err)
		}
	}
	for _, sec := range s.Sections {
		if strings.Trim(sec, ".") == "" {
			return fmt.Errorf("%w: empty section", ErrConfig)
		}
	}
	for _, l := range s.Levels {
		if !l.valid() {
			return fmt.Errorf("%w: level %q", ErrConfig, l)
		}
	}
	return s.Shard.validate()
}

// Selects reports whether the selection includes a check with the given ID, section and level.
func (s *Selection) Selects(id, section string, level Level) bool {
	if len(s.Only) > 0 && !anyGlob(s.Only, id) {
		return false
	}
	if anyGlob(s.Skip, id) {
		return false
	}
	if len(s.Sections) > 0 {
		ok := false
		for _, p := range s.Sections {
			if sectionHasPrefix(section, p) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(s.Levels) > 0 {
		ok := false
		for _, l := range s.Levels {
			if l == level {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return s.Shard.Contains(id)
}

func anyGlob(globs []string, id string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, id); ok {
			return true
		}
	}
	return false
}

// sectionHasPrefix matches whole dotted components: "3.6" is a prefix of "3.6.1", not "3.60".
func sectionHasPrefix(section, prefix string) bool {
	prefix = strings.TrimSuffix(prefix, ".")
	return section == prefix || strings.HasPrefix(section, prefix+".")
}
