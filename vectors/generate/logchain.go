package generate

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/meshconform/meshconform/reference/logchain"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/vectors"
)

// logChainFile makes the vectors of the log's hash chain (NOTE-LOG) with reference/logchain,
// the code the portal writes its log with: a chain from the start, a later segment, and the
// ways a portal can break it (a rewritten, dropped, renumbered or reordered record, a chain
// that ignores the previous one, a Chain member that is not last).
func logChainFile() (file, error) {
	base := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	entry := &mesh.DareMessage{Header: &mesh.DareHeader{}, Payload: []byte(`{"ProfileDevice":{}}`)}
	writes := []struct {
		tx    string
		entry *mesh.DareMessage
	}{{"CreateAccount", entry}, {"Publish", entry}, {"Publish", nil}, {"DeleteAccount", nil}, {"CreateAccount", entry}}
	// raw[i] is R_{i+1}, the record without Chain; chains[i] its Chain, from the empty chain.
	var raw [][]byte
	var chains []string
	body := func(idx int, tx string) string { return fmt.Sprintf(`{"%s":{"n":%d}}`, tx, idx) }
	encode := func(idx int, tx, account string, e *mesh.DareMessage) ([]byte, error) {
		d := sha512.Sum512([]byte(body(idx, tx)))
		return mesh.Marshal(&mesh.LogRecord{Index: mesh.Int(int32(idx)), Time: mesh.Time(base.Add(time.Duration(idx) * time.Minute)),
			Transaction: tx, Account: account, Entry: e, Digest: d[:]})
	}
	prev := ""
	for i, w := range writes {
		r, err := encode(i+1, w.tx, "alice@example.com", w.entry)
		if err != nil {
			return file{}, err
		}
		c, err := logchain.Next(prev, r)
		if err != nil {
			return file{}, err
		}
		raw, chains, prev = append(raw, r), append(chains, c), c
	}
	served := func(i int) string { return string(logchain.Serve(raw[i], chains[i])) }
	steps := func(from, to int) []vectors.LogChainStep {
		var out []vectors.LogChainStep
		for i := from; i < to; i++ {
			prevChain := ""
			if i > 0 {
				prevChain = chains[i-1]
			}
			inner := sha512.Sum512(raw[i])
			outer := sha512.Sum512(append([]byte(prevChain), inner[:]...))
			out = append(out, vectors.LogChainStep{Body: body(i+1, writes[i].tx), Record: string(raw[i]),
				RecordSHA512: hex.EncodeToString(inner[:]), ChainBinary: hex.EncodeToString(append([]byte{0x60}, outer[:]...)), Chain: chains[i]})
		}
		return out
	}
	span := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, served(i))
		}
		return out
	}
	rewritten := span(0, 3)
	rewritten[1] = string(bytes.Replace([]byte(rewritten[1]), []byte("alice@"), []byte("mallory@"), 1))
	renumbered, err := encode(2, writes[2].tx, "alice@example.com", writes[2].entry)
	if err != nil {
		return file{}, err
	}
	unlinked := []string{served(0)}
	for i := 1; i < 3; i++ {
		c, err := logchain.Next("", raw[i])
		if err != nil {
			return file{}, err
		}
		unlinked = append(unlinked, string(logchain.Serve(raw[i], c)))
	}
	wrongStart, err := logchain.Next(chains[2], raw[0])
	if err != nil {
		return file{}, err
	}
	chainFirst := string(bytes.Replace(raw[1], []byte(`{"LogRecord":{`), []byte(`{"LogRecord":{"Chain":"`+chains[1]+`",`), 1))
	cases := []struct {
		id, comment, prev string
		prevIndex         int
		records           []string
		class             string
		flags             []string
		steps             []vectors.LogChainStep
	}{
		{"from-start", "the first three records of a log", "", 0, span(0, 3), "", []string{"LogChain", "Generated"}, steps(0, 3)},
		{"segment", "records 4 and 5, following record 3's Chain", chains[2], 3, span(3, 5), "", []string{"LogChain", "Generated"}, steps(3, 5)},
		{"rewritten", "record 2's Account changed after its Chain was computed", "", 0, rewritten, "link", []string{"Rewritten"}, nil},
		{"dropped", "record 2 left out", "", 0, []string{served(0), served(2)}, "index", []string{"Dropped"}, nil},
		{"dropped-renumbered", "record 2 left out and record 3 renumbered 2, keeping its Chain", "", 0, []string{served(0), string(logchain.Serve(renumbered, chains[2]))}, "link", []string{"Dropped"}, nil},
		{"reordered", "records 2 and 3 served in the wrong order", "", 0, []string{served(0), served(2), served(1)}, "index", []string{"Reordered"}, nil},
		{"unlinked", "each Chain computed from the empty chain instead of the previous one", "", 0, unlinked, "link", []string{"Unlinked"}, nil},
		{"wrong-start", "the first record's Chain computed from a non-empty chain", "", 0, []string{string(logchain.Serve(raw[0], wrongStart))}, "link", []string{"Unlinked"}, nil},
		{"chain-not-last", "record 2's Chain written as its first member", chains[0], 1, []string{chainFirst}, "encoding", []string{"ChainNotLast"}, nil},
	}
	g := vectors.Group[vectors.LogChainTest]{Type: "LogChain", Source: source}
	for _, c := range cases {
		res := vectors.Valid
		if c.class != "" {
			res = vectors.Invalid
		}
		g.Tests = append(g.Tests, vectors.LogChainTest{Test: vectors.Test{TcID: "log-chain/" + c.id, Comment: c.comment, Flags: c.flags, Result: res,
			Section: "7.1.7", Requirement: "REQ-LOG-CHECKPOINT-GROWS", NoteID: "NOTE-LOG"},
			PrevChain: c.prev, PrevIndex: c.prevIndex, Records: c.records, ErrorClass: c.class, Steps: c.steps})
	}
	f := vectors.File[vectors.Group[vectors.LogChainTest]]{Header: header("log_chain_schema.json", "log-chain",
		"The hash chain of the portal's write log (NOTE-LOG, draft 7.1.7): records are served LogRecord payloads, as in Transfer's DataItems.",
		"R_n is a served record with its final member ,\"Chain\":\"<Chain_n>\" removed (the record then ends in }}); Chain_n = UDF presentation at 140 bits of 0x60 || SHA-512(UTF8(Chain_{n-1}) || SHA-512(R_n)); Chain_0 is the empty string (prevChain), and Index counts up by one from prevIndex.",
		"R_n is compact JSON {\"LogRecord\":{Index, Time, Transaction, Account, Entry, Digest}} in that order, absent members omitted; Digest is SHA-512 of the request body (NOTE-LOG-RECORD). The valid tests spell each record's computation out in steps: body, record (R_n), recordSha512 and chainBinary (hex), chain.",
		"invalid: the first failure is errorClass: index (not the previous Index plus one), encoding (the record does not end with its Chain member), link (the Chain does not recompute).")}
	f.TestGroups = []vectors.Group[vectors.LogChainTest]{g}
	finish(&f.Header, f.TestGroups, func(t vectors.LogChainTest) []string { return t.Flags })
	return file{"log-chain.json", f}, nil
}
