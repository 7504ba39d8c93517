// Package proxy is the validating reverse proxy of meshconform proxy: it forwards every request
// to the portal and every answer back unchanged (only the hop-by-hop headers HTTP forbids a
// proxy to forward are dropped), keeps a bounded prefix of each body, and hands each finished
// exchange, in order, to a single consumer (the judge and the capture file) off the request
// path, so that judging adds little to the answer time.
package proxy
