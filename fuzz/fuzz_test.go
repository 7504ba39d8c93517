package fuzz

import (
	"testing"

	"github.com/meshconform/meshconform/fuzz/targets"
)

// vectorsDir is where the vector files live, relative to this package: seeds come from them
// as soon as they exist.
const vectorsDir = "../vectors/testvectors"

// run gives a native fuzz target its seed corpus and its property check. Crashers are kept in
// testdata/fuzz/<FuzzName>/ and replayed by plain go test.
func run(f *testing.F, t *targets.Target) {
	seeds, err := t.Seeds(vectorsDir)
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
