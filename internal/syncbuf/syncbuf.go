// Package syncbuf is a text buffer safe for concurrent writers, for tests that collect the log
// of something running several goroutines (a fuzz campaign's workers, a child process's
// stderr copier) and read it while it runs or after.
package syncbuf

import (
	"strings"
	"sync"
)

// Buffer collects writes under a lock.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
