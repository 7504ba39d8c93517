package portal

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"iter"
	"time"

	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// window is the selection a SearchConstraints asks for (draft 3.4.2).
type window struct {
	scope      string
	from       uint64 // first sequence number to consider (from a PageKey)
	notBefore  *time.Time
	before     *time.Time
	maxEntries int
	maxBytes   int
}

// item is one candidate result in sequence order.
type item struct {
	seq  uint64
	time time.Time
	// size is the length of the envelope's bare encoding: what MaxBytes counts.
	size int
	// stored is the envelope as stored (a tagged DareMessage document), decoded only when the
	// item is selected; env is set instead for envelopes built on the spot.
	stored []byte
	env    *mesh.DareMessage
}

// dareTag is what a stored, tagged envelope has around its bare encoding.
const dareTag = len(`{"DareMessage":}`)

// storedItem is an item of a stored envelope. data may live in a bbolt transaction: the item
// is only valid in it until own copies it.
func storedItem(seq uint64, t time.Time, data []byte) item {
	return item{seq: seq, time: t, size: len(data) - dareTag, stored: data}
}

// plainItem is an item of an unsigned envelope around payload (Full Get entries, Transfer
// records): its bare encoding is [{},"<base64url payload>"]. payload, too, may live in a
// transaction until own.
func plainItem(seq uint64, t time.Time, payload []byte) item {
	env := &mesh.DareMessage{Header: &mesh.DareHeader{}, Payload: payload}
	return item{seq: seq, time: t, size: len(`[{},""]`) + base64.RawURLEncoding.EncodedLen(len(payload)), env: env}
}

// own returns the item with its bytes copied out of whatever transaction they came from.
func (it item) own() item {
	if it.env != nil {
		env := *it.env
		env.Payload = bytes.Clone(env.Payload)
		it.env = &env
	}
	it.stored = bytes.Clone(it.stored)
	return it
}

// envelope returns the item's envelope, decoding a stored one.
func (it item) envelope() (*mesh.DareMessage, error) {
	if it.env != nil {
		return it.env, nil
	}
	return decodeEnv(it.stored)
}

// pageKey layout: version byte, seq, notBefore, before (unix seconds, 0 = none), then a
// truncated HMAC-SHA-256 over that and the scope, so that a client cannot forge a cursor or
// move one to another query (draft 3.4.2: the PageKey is opaque).
func (p *Portal) pageKey(w window, next uint64) string {
	b := make([]byte, 25)
	b[0] = 1
	binary.BigEndian.PutUint64(b[1:], next)
	if w.notBefore != nil {
		binary.BigEndian.PutUint64(b[9:], uint64(w.notBefore.Unix()))
	}
	if w.before != nil {
		binary.BigEndian.PutUint64(b[17:], uint64(w.before.Unix()))
	}
	return wire.EncodeBase64(append(b, p.mac(w.scope, b)...))
}

func (p *Portal) mac(scope string, b []byte) []byte {
	if p.cfg.Bugs.PageKeyAnyQuery {
		scope = ""
	}
	m := hmac.New(sha256.New, p.secret)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write(b)
	return m.Sum(nil)[:16]
}

// The portal's own limits on one page (3.9.2: a PageKey also signals that "internal server
// limits" were reached): without them a Transfer or Get of a busy account grows without bound.
const (
	serverMaxEntries = 256
	serverMaxBytes   = 256 << 10
)

// newWindow reads SearchConstraints for a query named scope and applies the server's limits.
func (p *Portal) newWindow(scope string, sc *mesh.SearchConstraints) (window, error) {
	w, err := p.requestWindow(scope, sc)
	if w.maxEntries == 0 || w.maxEntries > serverMaxEntries {
		w.maxEntries = serverMaxEntries
	}
	if w.maxBytes == 0 || w.maxBytes > serverMaxBytes {
		w.maxBytes = serverMaxBytes
	}
	if p.cfg.Allow.SmallPages {
		// One entry on a first page, two on later ones: pages of different sizes, each
		// within the request's bounds (3.9.2: "or internal server limits").
		limit := 1
		if sc != nil && sc.PageKey != "" {
			limit = 2
		}
		w.maxEntries = min(w.maxEntries, limit)
	}
	return w, err
}

// requestWindow reads SearchConstraints for a query named scope. With a PageKey, the time
// bounds come from the key and only MaxEntries and MaxBytes from the request (3.4.2).
func (p *Portal) requestWindow(scope string, sc *mesh.SearchConstraints) (window, error) {
	w := window{scope: scope}
	if sc == nil {
		return w, nil
	}
	if sc.MaxEntries != nil && *sc.MaxEntries > 0 && !p.cfg.Bugs.IgnoreMaxEntries {
		w.maxEntries = int(*sc.MaxEntries)
	}
	if sc.MaxBytes != nil && *sc.MaxBytes > 0 && !p.cfg.Bugs.IgnoreMaxBytes {
		w.maxBytes = int(*sc.MaxBytes)
	}
	if sc.PageKey == "" {
		if !p.cfg.Bugs.IgnoreNotBefore {
			w.notBefore = sc.NotBefore
		}
		if !p.cfg.Bugs.IgnoreBefore {
			w.before = sc.Before
		}
		return w, nil
	}
	raw, err := wire.DecodeBase64(sc.PageKey)
	if err != nil || len(raw) != 41 || raw[0] != 1 {
		return w, refuse(400, err, "PageKey is not one this portal issued")
	}
	if !p.cfg.Bugs.ForgeablePageKey && !hmac.Equal(raw[25:], p.mac(scope, raw[:25])) {
		return w, refuse(400, nil, "PageKey is not one this portal issued for this query")
	}
	w.from = binary.BigEndian.Uint64(raw[1:])
	if v := binary.BigEndian.Uint64(raw[9:]); v != 0 {
		t := time.Unix(int64(v), 0).UTC()
		w.notBefore = &t
	}
	if v := binary.BigEndian.Uint64(raw[17:]); v != 0 && !p.cfg.Bugs.PageKeyIgnoresBefore {
		t := time.Unix(int64(v), 0).UTC()
		w.before = &t
	}
	return w, nil
}

// envelopes returns the envelopes of the selected items, decoding stored ones.
func envelopes(sel []item) ([]mesh.DareMessage, error) {
	out := make([]mesh.DareMessage, 0, len(sel))
	for _, it := range sel {
		env, err := it.envelope()
		if err != nil {
			return nil, err
		}
		out = append(out, *env)
	}
	return out, nil
}

// pick selects the page the window allows from candidates in ascending sequence order, and the
// next PageKey when more remain. It loads a candidate only when the window could take it and
// stops at the first that does not fit, so that a query costs what its page costs, not what
// everything before and after it does: an account of a million entries is paged through with a
// page's memory. load reports false for a candidate that is gone; the items it returns may live
// in the caller's transaction, and the chosen ones are copied out of it.
func (p *Portal) pick(w window, seqs iter.Seq[uint64], load func(seq uint64) (item, bool, error)) ([]item, string, error) {
	var out []item
	size := 0
	for seq := range seqs {
		if seq < w.from {
			continue
		}
		it, ok, err := load(seq)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			continue
		}
		if w.notBefore != nil && it.time.Before(*w.notBefore) {
			continue
		}
		if w.before != nil && !it.time.Before(*w.before) {
			continue
		}
		n := it.size
		// An entry larger than MaxBytes on its own still goes out, alone on its page: otherwise
		// paging could never get past it.
		if (w.maxEntries > 0 && len(out) >= w.maxEntries) || (w.maxBytes > 0 && size+n > w.maxBytes && len(out) > 0) {
			return out, p.pageKey(w, it.seq), nil
		}
		size += n
		out = append(out, it.own())
	}
	return out, "", nil
}

// selectItems is pick over items already in memory (ascending seq).
func (p *Portal) selectItems(w window, items []item) ([]item, string) {
	i := 0
	sel, pk, _ := p.pick(w, func(yield func(uint64) bool) {
		for _, it := range items {
			if !yield(it.seq) {
				return
			}
		}
	}, func(seq uint64) (item, bool, error) {
		for i < len(items) && items[i].seq < seq {
			i++
		}
		return items[i], true, nil
	})
	return sel, pk
}
