package memo

import "sync"

// Table maps keys to values, holding at most Max entries.
type Table[K comparable, V any] struct {
	mu  sync.RWMutex
	max int
	m   map[K]V
}

// New returns an empty table that holds at most max entries.
func New[K comparable, V any](max int) *Table[K, V] {
	return &Table[K, V]{max: max, m: make(map[K]V)}
}

// Get returns the value remembered for k.
func (t *Table[K, V]) Get(k K) (V, bool) {
	t.mu.RLock()
	v, ok := t.m[k]
	t.mu.RUnlock()
	return v, ok
}

// Put remembers v for k, emptying the table first when it is full.
func (t *Table[K, V]) Put(k K, v V) {
	t.mu.Lock()
	if _, ok := t.m[k]; !ok && len(t.m) >= t.max {
		clear(t.m)
	}
	t.m[k] = v
	t.mu.Unlock()
}

// Len returns the number of entries held.
func (t *Table[K, V]) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.m)
}
