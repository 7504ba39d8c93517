//go:build gofuzz

package gofuzz

import "github.com/meshconform/meshconform/fuzz/targets"

// run adapts a target to go-fuzz's convention: 1 for an input the parser accepted (go-fuzz
// favours it), 0 otherwise. A broken property panics, which is how go-fuzz and libFuzzer
// record a crasher; the parsers themselves must never panic.
func run(t *targets.Target, data []byte) int {
	out, err := t.Check(data)
	if err != nil {
		panic(err)
	}
	if out == targets.Accepted {
		return 1
	}
	return 0
}

// Entries maps each target to its entry point; build-gofuzz.sh passes the names to
// go-fuzz-build -func.
var Entries = map[string]func([]byte) int{
	"FuzzDecodeRequest":  FuzzDecodeRequest,
	"FuzzDecodeResponse": FuzzDecodeResponse,
	"FuzzUnmarshal":      FuzzUnmarshal,
	"FuzzUnmarshalBare":  FuzzUnmarshalBare,
	"FuzzJSONBaseline":   FuzzJSONBaseline,
	"FuzzBase64":         FuzzBase64,
	"FuzzDateTime":       FuzzDateTime,
	"FuzzScanner":        FuzzScanner,
	"FuzzUDF":            FuzzUDF,
	"FuzzShamir":         FuzzShamir,
	"FuzzKeyFile":        FuzzKeyFile,
	"FuzzDareParse":      FuzzDareParse,
	"FuzzDareVerify":     FuzzDareVerify,
	"FuzzDareDecrypt":    FuzzDareDecrypt,
	"FuzzWitnessPIN":     FuzzWitnessPIN,
	"FuzzAuthHeader":     FuzzAuthHeader,
}

// Fuzz is the default entry point of go-fuzz-build: the first byte picks the target (in name
// order), the rest is its input, so one binary covers every parser.
func Fuzz(data []byte) int {
	if len(data) == 0 {
		return 0
	}
	all := targets.All()
	return run(all[int(data[0])%len(all)], data[1:])
}

func FuzzDecodeRequest(data []byte) int  { return run(targets.DecodeRequest, data) }
func FuzzDecodeResponse(data []byte) int { return run(targets.DecodeResponse, data) }
func FuzzUnmarshal(data []byte) int      { return run(targets.Unmarshal, data) }
func FuzzUnmarshalBare(data []byte) int  { return run(targets.UnmarshalBare, data) }
func FuzzJSONBaseline(data []byte) int   { return run(targets.JSONBaseline, data) }
func FuzzBase64(data []byte) int         { return run(targets.Base64, data) }
func FuzzDateTime(data []byte) int       { return run(targets.DateTime, data) }
func FuzzScanner(data []byte) int        { return run(targets.Scanner, data) }
func FuzzUDF(data []byte) int            { return run(targets.UDF, data) }
func FuzzShamir(data []byte) int         { return run(targets.Shamir, data) }
func FuzzKeyFile(data []byte) int        { return run(targets.KeyFile, data) }
func FuzzDareParse(data []byte) int      { return run(targets.DareParse, data) }
func FuzzDareVerify(data []byte) int     { return run(targets.DareVerify, data) }
func FuzzDareDecrypt(data []byte) int    { return run(targets.DareDecrypt, data) }
func FuzzWitnessPIN(data []byte) int     { return run(targets.WitnessPIN, data) }
func FuzzAuthHeader(data []byte) int     { return run(targets.AuthHeader, data) }
