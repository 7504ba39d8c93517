package portal

import (
	"strings"
	"unicode/utf8"
)

// Account name limits of NOTE-ACCOUNT-NAMES, reported by ValidateAccount.
const (
	MinLocal = 1
	MaxLocal = 64
)

// NameCheck is the verdict on a proposed account name.
type NameCheck struct {
	Valid   bool
	Account string // the canonical local@domain when valid
	Invalid string // every illegal character of the name, in order, without repeats
	Reason  string
}

func legalLocal(c rune) bool {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'
}

// CheckName applies NOTE-ACCOUNT-NAMES: the one rule used by Validate, Create, Get and Delete.
// A bare local part is qualified with domain; comparison is ASCII case-insensitive unless
// caseSensitive (the create-case-sensitive knob) keeps the case of the local part.
func CheckName(name, domain string, caseSensitive bool) NameCheck {
	local, dom, hasAt := strings.Cut(name, "@")
	if !hasAt {
		dom = domain
	}
	if !caseSensitive {
		local = asciiLower(local)
	}
	var bad []rune
	seen := map[rune]bool{}
	for _, c := range local {
		lc := c
		if caseSensitive && c >= 'A' && c <= 'Z' {
			lc = c + ('a' - 'A')
		}
		if !legalLocal(lc) && !seen[c] {
			seen[c] = true
			bad = append(bad, c)
		}
	}
	// A second '@' sits in dom: it is illegal too and belongs in InvalidCharacters (3.6.2).
	if strings.Contains(dom, "@") && !seen['@'] {
		bad = append(bad, '@')
	}
	n := utf8.RuneCountInString(local)
	out := NameCheck{Invalid: string(bad)}
	switch {
	case n < MinLocal:
		out.Reason = "the local part is empty"
	case n > MaxLocal:
		out.Reason = "the local part is longer than 64 characters"
	case len(bad) > 0:
		out.Reason = "the name contains characters other than a-z 0-9 . - _"
	case !strings.EqualFold(dom, domain):
		out.Reason = "the account belongs to another domain than this portal's"
	default:
		out.Valid = true
		out.Account = local + "@" + asciiLower(domain)
		out.Reason = "the name is acceptable"
	}
	return out
}

// asciiLower lower-cases A-Z only, so that no Unicode case folding turns an illegal character
// into a legal one (NOTE-ACCOUNT-NAMES).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}
