package wire

import "time"

// DateTimeLayout is the form every DateTime is written in (WIRE.md 1).
const DateTimeLayout = "2006-01-02T15:04:05Z"

// FormatDateTime writes t in UTC, to the second.
func FormatDateTime(t time.Time) string { return t.UTC().Format(DateTimeLayout) }

// ParseDateTime reads RFC 3339 with optional fractions and any offset (NOTE-DATETIME) and
// returns the instant in UTC.
func ParseDateTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &DateTimeError{Value: s}
	}
	// An offset can carry a four-digit year out of range in UTC (9999-12-31T20:00:00-07:00),
	// and the canonical form has room for years 0001 to 9999 only.
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return time.Time{}, &DateTimeError{Value: s}
	}
	return t.UTC(), nil
}
