package harness

import "github.com/meshconform/meshconform/harness/result"

// Expected describes an expected failure for Decide: whether one applies and whether the
// failure message matches its pinned message (true when none is pinned).
type Expected struct {
	Applies      bool
	MessageMatch bool
}

// Decide maps what a check reported to its outcome. It is the single place where level,
// category and expectations meet:
//
//	verdict        deviation/control by level            review, probe
//	error          error                                 error
//	skip           skip                                  skip
//	unimplemented  unimplemented                         unimplemented
//	pass           pass                                  info
//	fail           MUST fail, SHOULD warn, MAY info      info
//
// then an expected failure turns fail or warn into xfail when the message matches (a pinned
// message that differs leaves the real outcome), and pass into xpass. Expectations never touch
// info, skip, unimplemented or error: they predict failures, nothing else.
func Decide(level Level, cat Category, v Verdict, exp Expected) result.Outcome {
	var o result.Outcome
	switch v {
	case VerdictError:
		return result.Error
	case VerdictSkip:
		return result.Skip
	case VerdictUnimplemented:
		return result.Unimplemented
	case VerdictPass:
		o = result.Pass
		if cat == Review || cat == Probe {
			o = result.Info
		}
	case VerdictFail:
		switch {
		case cat == Review || cat == Probe:
			o = result.Info
		case level == MUST:
			o = result.Fail
		case level == SHOULD:
			o = result.Warn
		default:
			o = result.Info
		}
	default:
		return result.Error // an unknown verdict is a harness bug, never a pass
	}
	if !exp.Applies {
		return o
	}
	switch o {
	case result.Fail, result.Warn:
		if exp.MessageMatch {
			return result.XFail
		}
	case result.Pass:
		return result.XPass
	}
	return o
}
