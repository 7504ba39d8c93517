package mutate

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
)

// Kind is a class of mutation.
type Kind string

// The kinds of mutation.
const (
	SwapOperator Kind = "operator" // == != < <= > >= && || + -
	Negate       Kind = "negate"   // if c → if !(c)
	RemoveGuard  Kind = "guard"    // if c { return ... } → if false { ... }
	Constant     Kind = "constant" // an integer literal n → n+1: a status code, a limit
	DropCall     Kind = "call"     // a call statement removed
)

// Mutant is one change to one file: the bytes [Start, End) replaced by With.
type Mutant struct {
	File       string
	Line       int
	Kind       Kind
	Start, End int
	With       string
	Was        string
	// Func is the enclosing function ("Recv.Name" for a method, "" at file level) and Nth
	// counts the earlier mutants of the same kind and text in it: with File they make an
	// identity that survives edits elsewhere in the file, which Line does not.
	Func string
	Nth  int
}

// ID is the mutant's stable identity: file, function, kind, change and its ordinal among the
// identical changes in that function. A classification of survivors is keyed by it.
func (m Mutant) ID() string {
	return fmt.Sprintf("%s:%s:%s:%q->%q#%d", m.File, m.Func, m.Kind, m.Was, m.With, m.Nth)
}

func (m Mutant) String() string {
	return fmt.Sprintf("%s:%d %s: %q -> %q", m.File, m.Line, m.Kind, m.Was, m.With)
}

// Apply returns src with the mutant's change.
func (m Mutant) Apply(src []byte) []byte {
	out := make([]byte, 0, len(src)+len(m.With))
	out = append(out, src[:m.Start]...)
	out = append(out, m.With...)
	return append(out, src[m.End:]...)
}

var swaps = map[token.Token]string{
	token.EQL: "!=", token.NEQ: "==", token.LSS: "<=", token.LEQ: "<", token.GTR: ">=", token.GEQ: ">",
	token.LAND: "||", token.LOR: "&&", token.ADD: "-", token.SUB: "+",
}

// Sites lists every mutant of one file's source, in source order.
func Sites(name string, src []byte) ([]Mutant, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("mutate: %w", err)
	}
	var out []Mutant
	add := func(kind Kind, from, to token.Pos, with string) {
		s, e := fset.Position(from).Offset, fset.Position(to).Offset
		out = append(out, Mutant{File: name, Line: fset.Position(from).Line, Kind: kind, Start: s, End: e, With: with, Was: string(src[s:e])})
	}
	arrayLen := map[*ast.BasicLit]bool{} // array sizes: a changed one is a type error, not a bug
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.GenDecl:
			if x.Tok == token.IMPORT {
				return false
			}
		case *ast.ArrayType:
			if l, ok := x.Len.(*ast.BasicLit); ok {
				arrayLen[l] = true
			}
		case *ast.BinaryExpr:
			if with, ok := swaps[x.Op]; ok && !isString(x) {
				add(SwapOperator, x.OpPos, x.OpPos+token.Pos(len(x.Op.String())), with)
			}
		case *ast.IfStmt:
			add(Negate, x.Cond.Pos(), x.Cond.End(), "!("+string(src[fset.Position(x.Cond.Pos()).Offset:fset.Position(x.Cond.End()).Offset])+")")
			if returns(x.Body) {
				add(RemoveGuard, x.Cond.Pos(), x.Cond.End(), "false")
			}
		case *ast.BasicLit:
			if x.Kind == token.INT && !arrayLen[x] {
				if v, err := strconv.ParseInt(x.Value, 0, 64); err == nil {
					add(Constant, x.Pos(), x.End(), strconv.FormatInt(v+1, 10))
				}
			}
		case *ast.ExprStmt:
			if _, ok := x.X.(*ast.CallExpr); ok {
				add(DropCall, x.Pos(), x.End(), "")
			}
		}
		return true
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	seen := map[string]int{}
	for i := range out {
		out[i].Func = enclosing(f, fset, out[i].Start)
		k := fmt.Sprintf("%s\x00%s\x00%s\x00%s", out[i].Func, out[i].Kind, out[i].Was, out[i].With)
		out[i].Nth = seen[k]
		seen[k]++
	}
	return out, nil
}

// enclosing names the declaration holding byte offset off: "Name", or "Recv.Name" for a method
// (pointer receivers without the star), or the first name of a const, var or type spec.
func enclosing(f *ast.File, fset *token.FileSet, off int) string {
	in := func(n ast.Node) bool {
		return off >= fset.Position(n.Pos()).Offset && off < fset.Position(n.End()).Offset
	}
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && in(gd) {
			for _, sp := range gd.Specs {
				switch x := sp.(type) {
				case *ast.ValueSpec:
					if in(x) && len(x.Names) > 0 {
						return x.Names[0].Name
					}
				case *ast.TypeSpec:
					if in(x) {
						return x.Name.Name
					}
				}
			}
		}
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !in(fd) {
			continue
		}
		if fd.Recv == nil || len(fd.Recv.List) == 0 {
			return fd.Name.Name
		}
		t := fd.Recv.List[0].Type
		if s, ok := t.(*ast.StarExpr); ok {
			t = s.X
		}
		if ix, ok := t.(*ast.IndexExpr); ok {
			t = ix.X
		}
		if id, ok := t.(*ast.Ident); ok {
			return id.Name + "." + fd.Name.Name
		}
		return fd.Name.Name
	}
	return ""
}

// isString guesses string concatenation (a literal string operand), which - cannot replace.
func isString(b *ast.BinaryExpr) bool {
	for _, e := range []ast.Expr{b.X, b.Y} {
		if l, ok := e.(*ast.BasicLit); ok && l.Kind == token.STRING {
			return true
		}
	}
	return false
}

// returns reports whether a block ends in a return: the shape of a guard.
func returns(b *ast.BlockStmt) bool {
	if b == nil || len(b.List) == 0 {
		return false
	}
	_, ok := b.List[len(b.List)-1].(*ast.ReturnStmt)
	return ok
}

// Sample picks n of the mutants with a generator seeded by seed: the same seed, the same
// mutants. n <= 0 or n >= len(all) keeps them all.
func Sample(all []Mutant, n int, seed uint64) []Mutant {
	out := append([]Mutant(nil), all...)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if n > 0 && n < len(out) {
		out = out[:n]
	}
	return out
}

// KnobOnly reports which mutants lie where only a misbehaviour knob (or an allowance) leads: in
// the body of an if or a case whose condition is a conjunction with a term naming a knob, or in
// another term of such a conjunction (with the knob false the conjunction is false whatever that
// term says). A knob is a field reached through a field named by one of markers (p.cfg.Bugs.X),
// or through the receiver of a method of a type so named (a.X in func (a Allow) ...). With every
// knob off such code never runs or never matters, so its mutants are equivalent by construction
// and a sample should not spend runs on them; so is removing such an if's condition (its body
// runs only with the knob on). A negated knob (!p.cfg.Bugs.X) guards the conforming path and
// does not count; a conjunction with a knob negated, or its && swapped, counts.
func KnobOnly(name string, src []byte, markers []string, ms []Mutant) ([]bool, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("mutate: %w", err)
	}
	var spans, guards [][2]int // guards: conditions whose removal drops only knob code
	span := func(from, to token.Pos) {
		spans = append(spans, [2]int{fset.Position(from).Offset, fset.Position(to).Offset})
	}
	for _, d := range f.Decls {
		recv := ""
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && len(fd.Recv.List) == 1 && len(fd.Recv.List[0].Names) == 1 {
			t := fd.Recv.List[0].Type
			if st, ok := t.(*ast.StarExpr); ok {
				t = st.X
			}
			if id, ok := t.(*ast.Ident); ok && slices.Contains(markers, id.Name) {
				recv = fd.Recv.List[0].Names[0].Name
			}
		}
		k := knob{markers: markers, recv: recv}
		ast.Inspect(d, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.IfStmt:
				if k.names(x.Cond) {
					span(x.Body.Pos(), x.Body.End())
					guards = append(guards, [2]int{fset.Position(x.Cond.Pos()).Offset, fset.Position(x.Cond.End()).Offset})
				}
			case *ast.CaseClause:
				if len(x.List) == 1 && k.names(x.List[0]) && len(x.Body) > 0 {
					span(x.Body[0].Pos(), x.Body[len(x.Body)-1].End())
				}
			case *ast.BinaryExpr:
				if x.Op != token.LAND {
					break
				}
				var terms []ast.Expr
				var flatten func(e ast.Expr)
				flatten = func(e ast.Expr) {
					if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.LAND {
						flatten(b.X)
						flatten(b.Y)
						return
					}
					terms = append(terms, e)
				}
				flatten(x)
				if !slices.ContainsFunc(terms, k.is) {
					break
				}
				for _, e := range terms {
					if !k.is(e) {
						span(e.Pos(), e.End())
					}
				}
				return false // the nested && are the terms just handled
			}
			return true
		})
	}
	out := make([]bool, len(ms))
	for i, m := range ms {
		for _, s := range spans {
			if m.Start >= s[0] && m.End <= s[1] {
				out[i] = true
			}
		}
		for _, g := range guards {
			if m.Kind == RemoveGuard && m.Start == g[0] && m.End == g[1] {
				out[i] = true
			}
		}
	}
	return out, nil
}

// knob recognises knob terms: x.M.F for a marker M, or r.F where r is the receiver of a method
// of a marker type.
type knob struct {
	markers []string
	recv    string
}

// names reports whether e is a knob term or a conjunction with one.
func (k knob) names(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.ParenExpr:
		return k.names(x.X)
	case *ast.BinaryExpr:
		return x.Op == token.LAND && (k.names(x.X) || k.names(x.Y))
	}
	return k.is(e)
}

// is reports whether e is a knob term.
func (k knob) is(e ast.Expr) bool {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	s, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch x := s.X.(type) {
	case *ast.SelectorExpr:
		return slices.Contains(k.markers, x.Sel.Name)
	case *ast.Ident:
		return k.recv != "" && x.Name == k.recv
	}
	return false
}
