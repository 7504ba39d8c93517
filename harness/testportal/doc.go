// Package testportal is the portal `meshconform client` points a client under test at: the
// reference portal's handler behind a recorder of every request, able to misbehave on purpose
// with one scripted fault (forged material, broken bodies, redirects, TLS, seeded flakiness).
package testportal
