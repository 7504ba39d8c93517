// Package testparallel raises go test's -parallel for packages whose parallel tests mostly
// wait rather than compute: the conformance self-tests run the whole suite once per knob and
// per allowance, and each run idles for seconds on the checks' deliberate waits (a trickled
// request, a time window, a rate limit refilling). go test's default, GOMAXPROCS, would run
// them one at a time on a machine started with GOMAXPROCS=1, so the waits would add up
// instead of overlapping.
package testparallel
