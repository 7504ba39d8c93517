package live

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"
)

// The oracles read little of a body: a sent body's first member and whether another follows,
// an answer's tag and payload Status. Once validJSON (json.Valid's verdict) has passed, those are found by skipping
// bytes: a tree of every body (jsontree, a json.Decoder token by token) was the fuzzer's
// largest cost, more than building and signing its requests. TestAnalyseMatchesDecoder and
// TestReadAnswerMatchesTree hold these readers to the decoder and the tree.

// answerShape is what the oracles read of an answer body.
type answerShape struct {
	object bool // a JSON object
	// tagged: an object of one member, named by a response class (NOTE-RESPONSE-TAG).
	tagged bool
	// status is the payload Status, an integer member of the tagged payload (of the object
	// itself when untagged), the last of that name as a decoder into a struct keeps it.
	status    int32
	hasStatus bool
}

// readAnswer reads an answer body: the shape and Status the oracles judge.
func readAnswer(body []byte) answerShape {
	var a answerShape
	if !validJSON(body) {
		return a
	}
	obj := skipSpace(body, 0)
	if body[obj] != '{' {
		return a
	}
	a.object = true
	n, first, firstValue := 0, "", 0
	eachMember(body, obj, func(name string, v, _ int) bool {
		if n++; n == 1 {
			first, firstValue = name, v
		}
		return n < 2
	})
	payload := obj
	if n == 1 && isResponseTag(first) {
		a.tagged, payload = true, firstValue
	}
	if body[payload] != '{' {
		return a
	}
	st, stEnd := -1, 0
	eachMember(body, payload, func(name string, v, end int) bool {
		if name == "Status" {
			st, stEnd = v, end
		}
		return true
	})
	if st < 0 || (body[st] != '-' && (body[st] < '0' || body[st] > '9')) {
		return a // no Status, or not a number
	}
	if code, err := strconv.ParseInt(string(body[st:stEnd]), 10, 32); err == nil {
		a.status, a.hasStatus = int32(code), true
	}
	return a
}

// topLevel reads a valid JSON text (validJSON holds): whether it is an object with a member,
// the first member's name, and whether another member follows.
func topLevel(b []byte) (name string, more, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return "", false, false
	}
	n := 0
	eachMember(b, i, func(m string, _, _ int) bool {
		if n++; n == 1 {
			name = m
		}
		return n < 2
	})
	return name, n > 1, n > 0
}

// eachMember calls fn with the name, and the start and end of the value, of each member of the
// object at b[i] in a valid JSON text, in order, until fn returns false.
func eachMember(b []byte, i int, fn func(name string, start, end int) bool) {
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		end := stringEnd(b, i)
		name := memberName(b[i:end])
		i = skipSpace(b, end) // at the colon
		v := skipSpace(b, i+1)
		i = valueEnd(b, v)
		if !fn(name, v, i) {
			return
		}
		i = skipSpace(b, i) // at a comma or the closing brace
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
}

// memberName is the value of a member name's string literal: its bytes, escapes undone as a
// decoder undoes them when there are any.
func memberName(lit []byte) string {
	inner := lit[1 : len(lit)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(lit, &s) // valid JSON: a string literal decodes
	return s
}

// trimTrailingSpace drops the JSON white space (RFC 8259 section 2) that ends b, eight spaces
// at a time first: an oversized body ends in megabytes of them.
func trimTrailingSpace(b []byte) []byte {
	const spaces = 0x2020202020202020
	n := len(b)
	for n >= 8 && binary.LittleEndian.Uint64(b[n-8:n]) == spaces {
		n -= 8
	}
	for n > 0 && isSpace(b[n-1]) {
		n--
	}
	return b[:n]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// stringEnd is the index after the string literal that starts at b[i] in a valid JSON text:
// the first quote after it not escaped, that is not after an odd run of backslashes.
func stringEnd(b []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b)
		}
		q := j + k
		run := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			run++
		}
		if run%2 == 0 {
			return q + 1
		}
		j = q + 1
	}
}

// valueEnd is the index after the value that starts at b[i] in a valid JSON text: brackets are
// counted (no recursion: a body may nest thousands deep), strings skipped whole.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
	default: // a number or a literal
		for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
			i++
		}
		return i
	}
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i = stringEnd(b, i)
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return i
}
