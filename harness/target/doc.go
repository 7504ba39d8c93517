// Package target sends requests to the portal under test and records each exchange.
// It is built to survive hostile servers: every read is bounded in size and time, redirects are
// reported instead of followed, and whatever comes back is returned for checks to judge.
package target
