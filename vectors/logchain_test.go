package vectors_test

import (
	"crypto/sha512"
	"encoding/base32"
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
