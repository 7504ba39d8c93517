// Package client is the reference Mesh client: account and device key material, profile
// building and signing, typed calls for the twelve portal transactions (with the raw bytes
// exchanged), request authentication (signatures, or sessions when asked for), and both sides
// of the device connection flow.
package client
