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
	return t.UTC(), nil
}
