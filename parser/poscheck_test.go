package parser

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// checkPositions is an oracle for positions independent of the translator:
// it walks a parsed script and checks that the source text at every node's
// Pos is what that node must start with (a column ref at its qualifier or
// name, a function call at its name, a literal at its quote or digit, a
// binary expression at its left operand, ...). It returns the problems.
func checkPositions(src []byte, s *Script) []string {
	c := &posChecker{src: src}
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	c.starts = starts
	for _, st := range s.Statements {
		c.expect(st.Position(), "statement", "create")
		switch st := st.(type) {
		case *CreateSource:
			for _, col := range st.Columns {
				c.expectName(col.Pos, "column def", col.Name)
				c.expect(col.Type.Pos, "type", strings.ToLower(col.Type.Name))
			}
			c.options(st.Options)
		case *CreateView:
			c.options(st.Options)
			c.query(st.Query)
		case *CreateSink:
			c.expectName(st.FromPos, "sink FROM", st.From)
			c.options(st.Options)
		}
	}
	return c.problems
}

type posChecker struct {
	src      []byte
	starts   []int
	problems []string
}

// at returns the source from pos on, lower-cased (up to n bytes).
func (c *posChecker) at(p Pos, n int) (string, bool) {
	if p.Line < 1 || p.Line > len(c.starts) || p.Col < 1 {
		return "", false
	}
	off := c.starts[p.Line-1]
	for i := 1; i < p.Col; i++ {
		if off >= len(c.src) {
			return "", false
		}
		_, n := utf8.DecodeRune(c.src[off:])
		off += n
	}
	end := min(off+n, len(c.src))
	return strings.ToLower(string(c.src[off:end])), true
}

func (c *posChecker) fail(p Pos, what, format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf("%s at %d:%d: %s", what, p.Line, p.Col, fmt.Sprintf(format, args...)))
}

// expect checks that the text at p starts with one of prefixes.
func (c *posChecker) expect(p Pos, what string, prefixes ...string) {
	n := 64
	for _, pre := range prefixes {
		n = max(n, len(pre))
	}
	s, ok := c.at(p, n)
	if !ok {
		c.fail(p, what, "position outside the file")
		return
	}
	for _, pre := range prefixes {
		if strings.HasPrefix(s, pre) {
			return
		}
	}
	c.fail(p, what, "text %q does not start with any of %q", firstLine(s), prefixes)
}

func (c *posChecker) expectName(p Pos, what, name string) {
	// A quoted name doubles its own quote character inside the quotes.
	c.expect(p, what, name, "`"+strings.ReplaceAll(name, "`", "``"), "'"+strings.ReplaceAll(name, "'", "''"),
		"\""+strings.ReplaceAll(name, "\"", "\"\""))
}

func (c *posChecker) same(p, want Pos, what string) {
	if p != want {
		c.fail(p, what, "position differs from its first operand's %d:%d", want.Line, want.Col)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (c *posChecker) options(opts []Option) {
	for _, o := range opts {
		c.expectName(o.Pos, "option", strings.SplitN(o.Key, ".", 2)[0])
	}
}

func (c *posChecker) query(q Query) {
	switch q := q.(type) {
	case *Select:
		c.expect(q.Pos, "select", "select")
		for _, it := range q.Items {
			switch {
			case it.Star && it.StarTable != "":
				c.expectName(it.Pos, "t.*", it.StarTable)
			case it.Star:
				c.expect(it.Pos, "*", "*")
			default:
				c.same(it.Pos, it.Expr.Position(), "select item")
				c.expr(it.Expr)
			}
		}
		if q.From != nil {
			c.table(q.From)
		}
		c.expr(q.Where)
		for _, g := range q.GroupBy {
			c.expr(g)
		}
		c.expr(q.Having)
		c.order(q.OrderBy)
		c.expr(q.Limit)
	case *SetOp:
		c.same(q.Pos, q.Left.Position(), "set operation")
		c.query(q.Left)
		c.query(q.Right)
		c.order(q.OrderBy)
		c.expr(q.Limit)
	}
}

func (c *posChecker) order(items []OrderItem) {
	for _, o := range items {
		c.expr(o.Expr)
	}
}

func (c *posChecker) table(t TableExpr) {
	switch t := t.(type) {
	case *TableName:
		c.expectName(t.Pos, "table", t.Name)
	case *DerivedTable:
		c.expect(t.Pos, "derived table", "(")
		c.query(t.Query)
	case *Join:
		c.same(t.Pos, t.Left.Position(), "join")
		c.table(t.Left)
		c.table(t.Right)
		c.expr(t.On)
	}
}

// funcSpellings are the source spellings of calls vitess parses specially.
var funcSpellings = map[string][]string{
	"substring": {"substring", "substr", "mid"},
	"locate":    {"locate", "position"},
}

func (c *posChecker) expr(e Expr) {
	switch e := e.(type) {
	case nil:
	case *ColumnRef:
		if e.Table != "" {
			c.expectName(e.Pos, "column ref", e.Table)
		} else {
			c.expectName(e.Pos, "column ref", e.Name)
		}
	case *Literal:
		switch e.Kind {
		case StringLit:
			c.expect(e.Pos, "string literal", "'", "\"", "n'", "n\"")
		case IntLit, FloatLit:
			c.expect(e.Pos, "number literal", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ".", "-")
		case NullLit:
			c.expect(e.Pos, "NULL", "null")
		case BoolLit:
			c.expect(e.Pos, "boolean literal", e.Text)
		}
	case *IntervalLit:
		c.expect(e.Pos, "interval", "interval", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-")
	case *BinaryExpr:
		// DATE_ADD(...) and friends become a BinaryExpr positioned at the
		// function name; a column merely named date_x is an operand.
		s, _ := c.at(e.Pos, 16)
		if e.Pos != e.L.Position() && (strings.HasPrefix(s, "date_") || strings.HasPrefix(s, "adddate") || strings.HasPrefix(s, "subdate")) {
			c.expect(e.Pos, "date arithmetic", "date_add", "date_sub", "adddate", "subdate")
		} else {
			c.same(e.Pos, e.L.Position(), "binary "+e.Op)
		}
		c.expr(e.L)
		c.expr(e.R)
	case *UnaryExpr:
		c.expect(e.Pos, "unary "+e.Op, "-", "not", "!")
		c.expr(e.X)
	case *IsNullExpr:
		c.same(e.Pos, e.X.Position(), "IS NULL")
		c.expr(e.X)
	case *IsBoolExpr:
		c.same(e.Pos, e.X.Position(), "IS TRUE/FALSE")
		c.expr(e.X)
	case *InExpr:
		c.same(e.Pos, e.X.Position(), "IN")
		c.expr(e.X)
		for _, x := range e.List {
			c.expr(x)
		}
		if e.Subquery != nil {
			c.query(e.Subquery)
		}
	case *BetweenExpr:
		c.same(e.Pos, e.X.Position(), "BETWEEN")
		c.expr(e.X)
		c.expr(e.Lo)
		c.expr(e.Hi)
	case *CaseExpr:
		c.expect(e.Pos, "CASE", "case")
		c.expr(e.Operand)
		for _, w := range e.Whens {
			c.expr(w.Cond)
			c.expr(w.Then)
		}
		c.expr(e.Else)
	case *CastExpr:
		c.expect(e.Pos, "CAST", "cast", "convert", "date", "timestamp", "time")
		c.expr(e.X)
	case *FuncCall:
		names := funcSpellings[e.Name]
		if names == nil {
			names = []string{e.Name, "extract"}
		}
		c.expect(e.Pos, "call "+e.Name, names...)
		for _, a := range e.Args {
			c.expr(a)
		}
		if e.Over != nil {
			for _, p := range e.Over.PartitionBy {
				c.expr(p)
			}
			c.order(e.Over.OrderBy)
		}
	case *SubqueryExpr:
		if e.Exists {
			c.expect(e.Pos, "EXISTS", "exists")
		} else {
			c.expect(e.Pos, "subquery", "(", "select")
		}
		c.query(e.Query)
	}
}
