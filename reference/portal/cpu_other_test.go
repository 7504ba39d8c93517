//go:build !unix

package portal_test

import "time"

// processCPU is not measured here; the meter then reports wall time only.
func processCPU() time.Duration { return 0 }
