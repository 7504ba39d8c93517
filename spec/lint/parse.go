package lint

import (
	"regexp"
	"strconv"
	"strings"
)

// tocEntry is one line of the table of contents.
type tocEntry struct {
	Number string // without a trailing dot
	Dotted bool   // the number ended in "." as the convention requires
	Title  string
	Page   int
	Line   int
}

// section is one heading of the body and the lines under it up to the next heading.
type section struct {
	Number string
	Title  string // markup removed
	Line   int
	Markup bool   // the heading kept "[n.](#)" link residue from the HTML conversion
	Merged string // number of a heading that shares this heading's line, if any
	Items  []item // body content, blank-line structure preserved
}

// item is a paragraph of body text (lines joined when no blank line separates them), except that
// every "Name: Type (Optional)" line is an item of its own, because the draft often writes field
// lines with no blank line between them.
type item struct {
	Text  string
	Line  int
	Field *fieldLine
}

type fieldLine struct {
	Name, Type  string
	Repeated    bool
	Description string
}

// document is the parsed draft.
type document struct {
	TOC      []tocEntry
	Sections []*section
}

var (
	tocLine = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)*)(\.?)\t(?:(.*?)\t)?([0-9]+)$`)
	// A body heading: "2.6.5. Title" or the converter's "[2.8.11.](#) Title"; the number must end
	// in a dot in both forms, which keeps numbered prose ("5 pictures") from looking like one.
	plainHeading  = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)*)\.[ \t]+(\S.*)$`)
	markupHeading = regexp.MustCompile(`^\[([0-9]+(?:\.[0-9]+)*)\.\]\(#\)[ \t]*(.*)$`)
	mergedHeading = regexp.MustCompile(`\*\*\[([0-9]+(?:\.[0-9]+)*)\.\]\(#\)[ \t]*(.*?)\*{0,2}$`)
	fieldRe       = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*): ([A-Za-z][A-Za-z0-9]*) (\(Optional\)|\[0\.\.Many\])[ \t]*(.*)$`)
)

// parse splits the draft into its table of contents and its numbered body sections.
func parse(text string) *document {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	doc := &document{}
	i := 0
	// The table of contents runs from its title to the first body heading "1. ...".
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "Table of Contents" {
			i++
			break
		}
	}
	if i >= len(lines) {
		i = 0 // no table of contents: the whole text is body
	} else {
		for ; i < len(lines); i++ {
			l := strings.TrimRight(lines[i], " ")
			if plainHeading.MatchString(l) && !strings.Contains(l, "\t") {
				break
			}
			if m := tocLine.FindStringSubmatch(l); m != nil {
				page, _ := strconv.Atoi(m[4])
				doc.TOC = append(doc.TOC, tocEntry{Number: m[1], Dotted: m[2] == ".", Title: strings.TrimSpace(m[3]), Page: page, Line: i + 1})
			}
		}
	}
	var cur *section
	blank := true
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			blank = true
			continue
		}
		if s := headingOf(l, i+1); s != nil {
			doc.Sections = append(doc.Sections, s)
			cur = s
			if m := mergedHeading.FindStringSubmatch(l); m != nil {
				inner := &section{Number: m[1], Title: strings.TrimSpace(m[2]), Line: i + 1, Markup: true}
				s.Merged = inner.Number
				doc.Sections = append(doc.Sections, inner)
				cur = inner
			}
			blank = true
			continue
		}
		if cur == nil {
			continue // front matter before the first body heading
		}
		if m := fieldRe.FindStringSubmatch(l); m != nil {
			cur.Items = append(cur.Items, item{Text: l, Line: i + 1, Field: &fieldLine{
				Name: m[1], Type: m[2], Repeated: m[3] == "[0..Many]", Description: strings.TrimSpace(m[4])}})
			blank = false
			continue
		}
		if !blank && len(cur.Items) > 0 && !structural(l) {
			// A continuation line: the paragraph (or field description) wraps without a blank line.
			last := &cur.Items[len(cur.Items)-1]
			last.Text += " " + l
			if last.Field != nil {
				last.Field.Description = strings.TrimSpace(last.Field.Description + " " + l)
			}
			continue
		}
		cur.Items = append(cur.Items, item{Text: l, Line: i + 1})
		blank = false
	}
	return doc
}

// structural lines ("Inherits: X", "Request: X", "[No fields]") always start an item of their
// own: the draft repeats them on consecutive lines, which must not be read as one paragraph.
func structural(l string) bool {
	for _, p := range []string{"Inherits: ", "Request: ", "Response: ", "[No fields]", "[Not currently implemented]"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// headingOf recognises a heading line; the title is cut at a merged second heading.
func headingOf(l string, line int) *section {
	if m := markupHeading.FindStringSubmatch(l); m != nil {
		title := m[2]
		if k := strings.Index(title, "**"); k >= 0 {
			title = title[:k]
		}
		return &section{Number: m[1], Title: strings.TrimSpace(title), Line: line, Markup: true}
	}
	if m := plainHeading.FindStringSubmatch(l); m != nil {
		return &section{Number: m[1], Title: strings.TrimSpace(m[2]), Line: line}
	}
	return nil
}

// definition is a "Structure: X" or "Message: X" section read as a schema entry.
type definition struct {
	Sec         *section
	Kind        string // Structure or Message
	Name        string
	Inherits    []string
	NoFields    bool
	Fields      []*fieldLine
	Description []item
}

// transaction is a "Transaction: X" section.
type transaction struct {
	Sec         *section
	Name        string
	Requests    []string
	Responses   []string
	Description []item
}

var (
	defTitle = regexp.MustCompile(`^(Structure|Message): ([A-Za-z][A-Za-z0-9]*)$`)
	txTitle  = regexp.MustCompile(`^Transaction: ([A-Za-z][A-Za-z0-9]*)$`)
)

// definitions reads every structure, message and transaction section.
func (d *document) definitions() ([]*definition, []*transaction) {
	var defs []*definition
	var txs []*transaction
	for _, s := range d.Sections {
		if m := defTitle.FindStringSubmatch(s.Title); m != nil {
			def := &definition{Sec: s, Kind: m[1], Name: m[2]}
			for i, it := range s.Items {
				switch {
				case it.Field != nil:
					def.Fields = append(def.Fields, it.Field)
				case strings.HasPrefix(it.Text, "Inherits: "):
					def.Inherits = append(def.Inherits, strings.TrimSpace(strings.TrimPrefix(it.Text, "Inherits: ")))
				case it.Text == "[No fields]":
					def.NoFields = true
				case len(def.Fields) > 0 && i > 0 && s.Items[i-1].Field != nil &&
					!endsSentence(s.Items[i-1].Field.Description) && startsContinuation(it.Text):
					// The rest of a field description split off by a page break is not the
					// structure's description (checkProse reports the split itself).
				default:
					def.Description = append(def.Description, it)
				}
			}
			defs = append(defs, def)
			continue
		}
		if m := txTitle.FindStringSubmatch(s.Title); m != nil {
			tx := &transaction{Sec: s, Name: m[1]}
			for _, it := range s.Items {
				switch {
				case strings.HasPrefix(it.Text, "Request: "):
					tx.Requests = append(tx.Requests, strings.TrimSpace(strings.TrimPrefix(it.Text, "Request: ")))
				case strings.HasPrefix(it.Text, "Response: "):
					tx.Responses = append(tx.Responses, strings.TrimSpace(strings.TrimPrefix(it.Text, "Response: ")))
				default:
					tx.Description = append(tx.Description, it)
				}
			}
			txs = append(txs, tx)
		}
	}
	return defs, txs
}

// compareSections orders dotted section numbers numerically ("2.10" after "2.9"); strings that
// are not section numbers sort first.
func compareSections(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, ex := strconv.Atoi(pa[i])
		y, ey := strconv.Atoi(pb[i])
		switch {
		case ex != nil || ey != nil:
			if c := strings.Compare(pa[i], pb[i]); c != 0 {
				return c
			}
		case x != y:
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(pa) - len(pb)
}

// parent returns the enclosing section number ("2.6" for "2.6.5", "" for "2").
func parent(n string) string {
	if k := strings.LastIndex(n, "."); k >= 0 {
		return n[:k]
	}
	return ""
}

// expectedNext reports whether next may follow prev in a correctly numbered outline: a first
// child, the next sibling, or the next sibling of an ancestor.
func expectedNext(prev, next string) bool {
	if prev == "" {
		return next == "1"
	}
	if next == prev+".1" {
		return true
	}
	for p := prev; p != ""; p = parent(p) {
		head, last := parent(p), p[strings.LastIndex(p, ".")+1:]
		n, err := strconv.Atoi(last)
		if err != nil {
			return false
		}
		sib := strconv.Itoa(n + 1)
		if head != "" {
			sib = head + "." + sib
		}
		if next == sib {
			return true
		}
	}
	return false
}
