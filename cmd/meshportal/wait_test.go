package main

import "time"

// startGuard bounds waiting for a meshportal to start answering, or to stop. How long that
// takes depends on the machine (a starved one needs seconds to generate a TLS certificate and
// open the store), so the bound is a hang guard, not a speed limit.
const startGuard = time.Minute

// retryUntilUp calls try every 20 ms until it succeeds or startGuard passed, and returns its
// last error.
func retryUntilUp(try func() error) error {
	deadline := time.Now().Add(startGuard)
	for {
		err := try()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
