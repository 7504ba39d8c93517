package client

import "github.com/meshconform/meshconform/reference/wire"

// limitsFor widens the default decoder limits to the response size the client accepts: a
// Transfer or Get answer can legitimately exceed the request limits.
func limitsFor(maxBytes int64) wire.Limits {
	l := wire.DefaultLimits
	l.MaxBytes = int(maxBytes)
	l.MaxString = int(maxBytes)
	return l
}
