package harness

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// ended is how a function run by runContained finished.
type ended struct {
	at        time.Time // when it returned, panicked or ended its goroutine
	panic     any       // the panic value, if it panicked
	stack     string    // the stack of the panic
	goexit    bool      // it ended its goroutine (runtime.Goexit, as T.Fail and T.Skip do)
	abandoned bool      // it was still running abandonGrace after ctx ended
}

// runContained runs fn on a goroutine of its own, so that a panic or a Goexit in it cannot take
// the runner down, and waits until fn finishes or, once ctx has ended, at most abandonGrace
// longer: a function that ignores its context cannot hang the run. atDeadline, when set, runs
// the moment ctx ends while fn is still running. Checks, cleanups and the probe all run so.
func runContained(ctx context.Context, fn func(), atDeadline func()) ended {
	done := make(chan ended, 1)
	go func() {
		e := ended{goexit: true}
		defer func() {
			e.at = time.Now()
			if v := recover(); v != nil {
				e.panic, e.stack, e.goexit = v, string(debug.Stack()), false
			}
			done <- e
		}()
		fn()
		e.goexit = false
	}()
	select {
	case e := <-done:
		return e
	case <-ctx.Done():
	}
	if atDeadline != nil {
		atDeadline()
	}
	select {
	case e := <-done:
		return e
	case <-time.After(abandonGrace):
		return ended{abandoned: true}
	}
}

// runContainedErr runs fn contained and returns its error, or why it gave none: abandoned,
// panicked, or ended its goroutine. what, when not empty, names fn in those messages.
func runContainedErr(ctx context.Context, what string, fn func() error) error {
	if what != "" {
		what += " "
	}
	var err error
	switch e := runContained(ctx, func() { err = fn() }, nil); {
	case e.abandoned:
		return fmt.Errorf("%sabandoned: still running %s after its context ended (%w)", what, abandonGrace, ctx.Err())
	case e.panic != nil:
		return fmt.Errorf("%spanicked: %v", what, e.panic)
	case e.goexit:
		return errors.New(what + "ended its goroutine (Fail, Skip or Goexit)")
	}
	return err
}
