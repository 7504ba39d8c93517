// Package witness computes the connection witness that a device and an administrator compare
// when a device joins a profile (WIRE.md 5), and issues and checks connection PINs
// (125-bit nonce UDFs, valid for four hours).
package witness
