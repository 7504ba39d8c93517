package harness

import (
	"testing"

	"github.com/meshconform/meshconform/harness/result"
)

func TestDecide(t *testing.T) {
	none := Expected{}
	xf := Expected{Applies: true, MessageMatch: true}
	xfOther := Expected{Applies: true, MessageMatch: false}
	tests := []struct {
		level Level
		cat   Category
		v     Verdict
		exp   Expected
		want  result.Outcome
	}{
		{MUST, Deviation, VerdictPass, none, result.Pass},
		{MUST, Deviation, VerdictFail, none, result.Fail},
		{SHOULD, Deviation, VerdictFail, none, result.Warn},
		{MAY, Deviation, VerdictFail, none, result.Info},
		{MAY, Deviation, VerdictPass, none, result.Pass},
		{MUST, Control, VerdictFail, none, result.Fail},
		{SHOULD, Control, VerdictFail, none, result.Warn},
		{MUST, Probe, VerdictFail, none, result.Info},
		{"", Probe, VerdictPass, none, result.Info},
		{MUST, Review, VerdictFail, none, result.Info},
		{MUST, Deviation, VerdictSkip, none, result.Skip},
		{MUST, Deviation, VerdictUnimplemented, none, result.Unimplemented},
		{MUST, Deviation, VerdictError, none, result.Error},
		{MUST, Deviation, Verdict("bogus"), none, result.Error},
		// expectations
		{MUST, Deviation, VerdictFail, xf, result.XFail},
		{SHOULD, Deviation, VerdictFail, xf, result.XFail},
		{MUST, Deviation, VerdictFail, xfOther, result.Fail},
		{SHOULD, Deviation, VerdictFail, xfOther, result.Warn},
		{MUST, Deviation, VerdictPass, xf, result.XPass},
		{MUST, Deviation, VerdictPass, xfOther, result.XPass},
		{MUST, Deviation, VerdictError, xf, result.Error},
		{MUST, Deviation, VerdictSkip, xf, result.Skip},
		{MUST, Deviation, VerdictUnimplemented, xf, result.Unimplemented},
		{MAY, Deviation, VerdictFail, xf, result.Info},
		{MUST, Probe, VerdictPass, xf, result.Info},
	}
	for _, tc := range tests {
		got := Decide(tc.level, tc.cat, tc.v, tc.exp)
		if got != tc.want {
			t.Errorf("Decide(%s, %s, %s, %+v) = %s, want %s", tc.level, tc.cat, tc.v, tc.exp, got, tc.want)
		}
	}
}
