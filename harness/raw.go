package harness

import (
	"context"
	"errors"
	"net"

	"github.com/meshconform/meshconform/harness/target"
)

// ErrNoRaw reports a target on which a check cannot open a raw connection (not target.HTTP,
// or one behind a proxy): the check reports itself unimplemented for this target.
var ErrNoRaw = errors.New("harness: the target offers no raw connection")

// Raw is a connection of a check's own to the portal, for what the HTTP client cannot send
// (a request trickled a byte at a time). Path and Host are what its request line and Host
// header carry.
type Raw struct {
	net.Conn
	Path, Host string
}

// DialRaw opens a raw connection to the target; the check closes it. What it sends is the
// check's to bound and to describe in its findings.
func (t *T) DialRaw(ctx context.Context) (*Raw, error) {
	h, ok := t.tg.(*target.HTTP)
	if !ok {
		return nil, ErrNoRaw
	}
	c, err := h.Dial(ctx)
	if errors.Is(err, target.ErrNoDial) {
		return nil, errors.Join(ErrNoRaw, err)
	}
	if err != nil {
		return nil, err
	}
	path, host := h.RequestTarget()
	return &Raw{Conn: c, Path: path, Host: host}, nil
}
