// Package diff compares two runs check by check: new failures, fixed checks, other changes and
// unchanged checks. It is the regression gate of `meshconform diff OLD.json NEW.json`, which
// exits 1 exactly when the new run fails a check the old run did not.
package diff
