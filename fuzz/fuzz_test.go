package fuzz

import (
	"sync"
	"testing"

	"github.com/meshconform/meshconform/fuzz/targets"
)

// vectorsDir is where the vector files live, relative to this package: seeds come from them
// as soon as they exist.
const vectorsDir = "../vectors/testvectors"

// run gives a native fuzz target its seed corpus and its property check. Crashers are kept in
// testdata/fuzz/<FuzzName>/ and replayed by plain go test.
func run(f *testing.F, t *targets.Target) {
	seeds, err := seedsOf(t)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(tt *testing.T, data []byte) {
		if _, err := t.Check(data); err != nil {
			tt.Fatal(err)
		}
	})
}

// seedCache holds each target's seeds once computed. A libFuzzer binary built from this file
// (.clusterfuzzlite/build.sh, go-118-fuzz-build) calls the fuzz function once per input, not
// once per run: computing the seeds every time made it run at about one input a second.
var seedCache sync.Map // *targets.Target -> func() ([][]byte, error)

func seedsOf(t *targets.Target) ([][]byte, error) {
	once, _ := seedCache.LoadOrStore(t, sync.OnceValues(func() ([][]byte, error) { return t.Seeds(vectorsDir) }))
	return once.(func() ([][]byte, error))()
}

// natives maps each target to its native fuzz function, so that a test can require one
// function per target (go test -fuzz needs a named function).
var natives = map[string]func(*testing.F){
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

func FuzzDecodeRequest(f *testing.F)  { run(f, targets.DecodeRequest) }
func FuzzDecodeResponse(f *testing.F) { run(f, targets.DecodeResponse) }
func FuzzUnmarshal(f *testing.F)      { run(f, targets.Unmarshal) }
func FuzzUnmarshalBare(f *testing.F)  { run(f, targets.UnmarshalBare) }
func FuzzJSONBaseline(f *testing.F)   { run(f, targets.JSONBaseline) }
func FuzzBase64(f *testing.F)         { run(f, targets.Base64) }
func FuzzDateTime(f *testing.F)       { run(f, targets.DateTime) }
func FuzzScanner(f *testing.F)        { run(f, targets.Scanner) }
func FuzzUDF(f *testing.F)            { run(f, targets.UDF) }
func FuzzShamir(f *testing.F)         { run(f, targets.Shamir) }
func FuzzKeyFile(f *testing.F)        { run(f, targets.KeyFile) }
func FuzzDareParse(f *testing.F)      { run(f, targets.DareParse) }
func FuzzDareVerify(f *testing.F)     { run(f, targets.DareVerify) }
func FuzzDareDecrypt(f *testing.F)    { run(f, targets.DareDecrypt) }

func TestEveryTargetHasANativeFuzzFunction(t *testing.T) {
	all := targets.All()
	for _, tg := range all {
		if natives[tg.Name] == nil {
			t.Errorf("target %s has no native fuzz function in this package", tg.Name)
		}
	}
	if len(natives) != len(all) {
		t.Errorf("%d native functions for %d targets", len(natives), len(all))
	}
}
func FuzzWitnessPIN(f *testing.F) { run(f, targets.WitnessPIN) }
func FuzzAuthHeader(f *testing.F) { run(f, targets.AuthHeader) }
