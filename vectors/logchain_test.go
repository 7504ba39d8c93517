package vectors_test

import (
	"bytes"
	"crypto/sha512"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/reference/logchain"
	"github.com/meshconform/meshconform/vectors"
)

// stdChain computes NOTE-LOG's chain step from the note's formula with the standard library
// alone: the UDF presentation at 140 bits of 0x60 || SHA-512(UTF8(prev) || SHA-512(record)).
func stdChain(prev string, record []byte) string {
	inner := sha512.Sum512(record)
	outer := sha512.Sum512(append([]byte(prev), inner[:]...))
	raw := base32.StdEncoding.EncodeToString(append([]byte{0x60}, outer[:]...))[:28]
	var parts []string
	for i := 0; i < len(raw); i += 4 {
		parts = append(parts, raw[i:i+4])
	}
	return strings.Join(parts, "-")
}

// verifyStd judges a LogChainTest as NOTE-LOG says, independently of reference/logchain, and
// returns the class of the first failure ("" when the records verify).
func verifyStd(t *testing.T, tc vectors.LogChainTest) string {
	prev, idx := tc.PrevChain, tc.PrevIndex
	for _, rec := range tc.Records {
		var doc struct {
			LogRecord struct {
				Index int
				Chain string
			}
		}
		if err := json.Unmarshal([]byte(rec), &doc); err != nil {
			t.Fatalf("%s: a record is not JSON: %v", tc.TcID, err)
		}
		if doc.LogRecord.Index != idx+1 {
			return "index"
		}
		suffix := `,"Chain":"` + doc.LogRecord.Chain + `"}}`
		if !strings.HasSuffix(rec, suffix) {
			return "encoding"
		}
		r := strings.TrimSuffix(rec, suffix) + "}}"
		if stdChain(prev, []byte(r)) != doc.LogRecord.Chain {
			return "link"
		}
		prev, idx = doc.LogRecord.Chain, idx+1
	}
	return ""
}

// TestLogChainVectors runs log-chain.json through the note's formula (standard library) and
// through reference/logchain, which the portal writes its log with.
func TestLogChainVectors(t *testing.T) {
	for _, tc := range load[vectors.LogChainTest](t, "log-chain.json") {
		t.Run(tc.TcID, func(t *testing.T) {
			if got := verifyStd(t, tc); got != tc.ErrorClass {
				t.Errorf("the note's formula finds %q, the vector says %q", got, tc.ErrorClass)
			}
			prev, ok := tc.PrevChain, true
			for _, rec := range tc.Records {
				var doc struct{ LogRecord struct{ Chain string } }
				_ = json.Unmarshal([]byte(rec), &doc)
				if logchain.Link(prev, []byte(rec), doc.LogRecord.Chain) != nil {
					ok = false
					break
				}
				prev = doc.LogRecord.Chain
			}
			// reference/logchain judges encoding and links, not Index.
			switch tc.ErrorClass {
			case "":
				if !ok {
					t.Error("reference/logchain refuses a valid chain")
				}
			case "encoding", "link":
				if ok {
					t.Errorf("reference/logchain accepts a chain broken by %s", tc.ErrorClass)
				}
			}
		})
	}
}

// TestLogChainSteps checks the steps of the valid log-chain vectors against NOTE-LOG-RECORD
// with the standard library alone: each record is the served one without its Chain, its
// members in the note's order, its Digest the SHA-512 of the body, and each stage of the chain
// is the note's formula.
func TestLogChainSteps(t *testing.T) {
	order := []string{"Index", "Time", "Transaction", "Account", "Entry", "Digest"}
	seen := 0
	for _, tc := range load[vectors.LogChainTest](t, "log-chain.json") {
		if tc.Result != vectors.Valid {
			if len(tc.Steps) > 0 {
				t.Errorf("%s: steps on an invalid test", tc.TcID)
			}
			continue
		}
		if len(tc.Steps) != len(tc.Records) {
			t.Fatalf("%s: %d steps for %d records", tc.TcID, len(tc.Steps), len(tc.Records))
		}
		prev := tc.PrevChain
		for i, st := range tc.Steps {
			seen++
			if want := strings.TrimSuffix(st.Record, "}}") + `,"Chain":"` + st.Chain + `"}}`; want != tc.Records[i] {
				t.Errorf("%s step %d: record and chain do not make the served record", tc.TcID, i)
			}
			var doc struct{ LogRecord json.RawMessage }
			if err := json.Unmarshal([]byte(st.Record), &doc); err != nil {
				t.Fatalf("%s step %d: %v", tc.TcID, i, err)
			}
			dec := json.NewDecoder(bytes.NewReader(doc.LogRecord))
			_, _ = dec.Token() // {
			next := 0
			var digest string
			for dec.More() {
				k, _ := dec.Token()
				for next < len(order) && order[next] != k {
					next++
				}
				if next == len(order) {
					t.Fatalf("%s step %d: member %v out of NOTE-LOG-RECORD's order", tc.TcID, i, k)
				}
				var v json.RawMessage
				_ = dec.Decode(&v)
				if k == "Digest" {
					_ = json.Unmarshal(v, &digest)
				}
			}
			if d := sha512.Sum512([]byte(st.Body)); base64.RawURLEncoding.EncodeToString(d[:]) != digest {
				t.Errorf("%s step %d: Digest is not SHA-512 of the body", tc.TcID, i)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(st.Record)); err != nil || compact.String() != st.Record {
				t.Errorf("%s step %d: the record is not compact JSON", tc.TcID, i)
			}
			inner := sha512.Sum512([]byte(st.Record))
			outer := sha512.Sum512(append([]byte(prev), inner[:]...))
			if hex.EncodeToString(inner[:]) != st.RecordSHA512 || hex.EncodeToString(append([]byte{0x60}, outer[:]...)) != st.ChainBinary {
				t.Errorf("%s step %d: recordSha512 or chainBinary differs from the note's formula", tc.TcID, i)
			}
			if got := stdChain(prev, []byte(st.Record)); got != st.Chain {
				t.Errorf("%s step %d: chain %s, the note's formula %s", tc.TcID, i, st.Chain, got)
			}
			prev = st.Chain
		}
	}
	if seen == 0 {
		t.Fatal("no valid log-chain vector spells out its steps")
	}
}
