// Package client holds the checks `meshconform client` runs against a client binary: each
// starts a test portal, drives the client through the shim contract, and judges what the
// client sent and what it did with the answers. Every check is tied to a catalog requirement.
package client
