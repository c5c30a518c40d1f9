package parser

import (
	"fmt"
	"strings"
)

// sexpr prints an AST node as a compact S-expression. With withPos, every
// positioned node is suffixed by @line:col, which lets tests check positions
// and structure in one string.
func sexpr(n any, withPos bool) string {
	var b strings.Builder
	p := &printer{b: &b, pos: withPos}
	p.node(n)
	return b.String()
}

type printer struct {
	b   *strings.Builder
	pos bool
}

func (p *printer) at(pos Pos) {
	if p.pos {
		fmt.Fprintf(p.b, "@%d:%d", pos.Line, pos.Col)
	}
}

func (p *printer) w(format string, args ...any) { fmt.Fprintf(p.b, format, args...) }

func (p *printer) list(xs []Expr) {
	for _, x := range xs {
		p.w(" ")
		p.node(x)
	}
}

func (p *printer) order(items []OrderItem) {
	for _, o := range items {
		p.w(" ")
		p.node(o.Expr)
		if o.Desc {
			p.w(" desc")
		}
		if o.NullsFirst != nil {
			if *o.NullsFirst {
				p.w(" nulls-first")
			} else {
				p.w(" nulls-last")
			}
		}
	}
}

func (p *printer) node(n any) {
	switch n := n.(type) {
	case nil:
		p.w("nil")
	case *Select:
		p.w("(select")
		p.at(n.Pos)
		if n.Distinct {
			p.w(" distinct")
		}
		for _, it := range n.Items {
			p.w(" ")
			switch {
			case it.Star && it.StarTable != "":
				p.w("%s.*", it.StarTable)
			case it.Star:
				p.w("*")
			default:
				p.node(it.Expr)
			}
			if it.Alias != "" {
				p.w(" as %s", it.Alias)
			}
			if it.Star {
				p.at(it.Pos)
			}
		}
		if n.From != nil {
			p.w(" (from ")
			p.node(n.From)
			p.w(")")
		}
		if n.Where != nil {
			p.w(" (where ")
			p.node(n.Where)
			p.w(")")
		}
		if len(n.GroupBy) > 0 {
			p.w(" (group")
			p.list(n.GroupBy)
			p.w(")")
		}
		if n.Having != nil {
			p.w(" (having ")
			p.node(n.Having)
			p.w(")")
		}
		if len(n.OrderBy) > 0 {
			p.w(" (order")
			p.order(n.OrderBy)
			p.w(")")
		}
		if n.Limit != nil {
			p.w(" (limit ")
			p.node(n.Limit)
			p.w(")")
		}
		p.w(")")
	case *SetOp:
		p.w("(%s", strings.ToLower(n.Op))
		p.at(n.Pos)
		p.w(" ")
		p.node(n.Left)
		p.w(" ")
		p.node(n.Right)
		if len(n.OrderBy) > 0 {
			p.w(" (order")
			p.order(n.OrderBy)
			p.w(")")
		}
		if n.Limit != nil {
			p.w(" (limit ")
			p.node(n.Limit)
			p.w(")")
		}
		p.w(")")
	case *TableName:
		p.w("%s", n.Name)
		if n.Alias != "" {
			p.w(" as %s", n.Alias)
		}
		p.at(n.Pos)
	case *DerivedTable:
		p.w("(derived")
		p.at(n.Pos)
		p.w(" ")
		p.node(n.Query)
		if n.Alias != "" {
			p.w(" as %s", n.Alias)
		}
		p.w(")")
	case *Join:
		p.w("(%s-join", strings.ToLower(n.Kind.String()))
		p.at(n.Pos)
		p.w(" ")
		p.node(n.Left)
		p.w(" ")
		p.node(n.Right)
		if n.On != nil {
			p.w(" (on ")
			p.node(n.On)
			p.w(")")
		}
		if len(n.Using) > 0 {
			p.w(" (using %s)", strings.Join(n.Using, " "))
		}
		p.w(")")
	case *ColumnRef:
		if n.Table != "" {
			p.w("%s.", n.Table)
		}
		p.w("%s", n.Name)
		p.at(n.Pos)
	case *Literal:
		switch n.Kind {
		case StringLit:
			p.w("%q", n.Text)
		case NullLit:
			p.w("NULL")
		case FloatLit:
			p.w("%sf", n.Text)
		default:
			p.w("%s", n.Text)
		}
		p.at(n.Pos)
	case *IntervalLit:
		p.w("%dms", n.Millis)
		p.at(n.Pos)
	case *BinaryExpr:
		p.w("(%s", n.Op)
		p.at(n.Pos)
		p.w(" ")
		p.node(n.L)
		p.w(" ")
		p.node(n.R)
		p.w(")")
	case *UnaryExpr:
		p.w("(%s", n.Op)
		p.at(n.Pos)
		p.w(" ")
		p.node(n.X)
		p.w(")")
	case *IsNullExpr:
		if n.Not {
			p.w("(is-not-null")
		} else {
			p.w("(is-null")
		}
		p.at(n.Pos)
		p.w(" ")
		p.node(n.X)
		p.w(")")
	case *IsBoolExpr:
		s := "is"
		if n.Not {
			s += "-not"
		}
		p.w("(%s-%v", s, n.Value)
		p.at(n.Pos)
		p.w(" ")
		p.node(n.X)
		p.w(")")
	case *InExpr:
		if n.Not {
			p.w("(not-in")
		} else {
			p.w("(in")
		}
		p.at(n.Pos)
		p.w(" ")
		p.node(n.X)
		if n.Subquery != nil {
			p.w(" ")
			p.node(n.Subquery)
		} else {
			p.list(n.List)
		}
		p.w(")")
	case *BetweenExpr:
		if n.Not {
			p.w("(not-between")
		} else {
			p.w("(between")
		}
		p.at(n.Pos)
		p.list([]Expr{n.X, n.Lo, n.Hi})
		p.w(")")
	case *CaseExpr:
		p.w("(case")
		p.at(n.Pos)
		if n.Operand != nil {
			p.w(" ")
			p.node(n.Operand)
		}
		for _, w := range n.Whens {
			p.w(" (when ")
			p.node(w.Cond)
			p.w(" ")
			p.node(w.Then)
			p.w(")")
		}
		if n.Else != nil {
			p.w(" (else ")
			p.node(n.Else)
			p.w(")")
		}
		p.w(")")
	case *CastExpr:
		p.w("(cast")
		p.at(n.Pos)
		p.w(" ")
		p.node(n.X)
		p.w(" %s", n.Type.Name)
		if n.Type.Precision != 0 || n.Type.Scale != 0 {
			p.w("(%d,%d)", n.Type.Precision, n.Type.Scale)
		}
		p.w(")")
	case *FuncCall:
		p.w("(%s", n.Name)
		p.at(n.Pos)
		if n.Distinct {
			p.w(" distinct")
		}
		if n.Star {
			p.w(" *")
		}
		p.list(n.Args)
		if n.Over != nil {
			p.w(" (over")
			if len(n.Over.PartitionBy) > 0 {
				p.w(" (partition")
				p.list(n.Over.PartitionBy)
				p.w(")")
			}
			if len(n.Over.OrderBy) > 0 {
				p.w(" (order")
				p.order(n.Over.OrderBy)
				p.w(")")
			}
			p.w(")")
		}
		p.w(")")
	case *SubqueryExpr:
		if n.Exists {
			p.w("(exists")
		} else {
			p.w("(subquery")
		}
		p.at(n.Pos)
		p.w(" ")
		p.node(n.Query)
		p.w(")")
	default:
		p.w("<%T>", n)
	}
}

// stmtString prints a statement compactly, with positions.
func stmtString(st Statement) string {
	var b strings.Builder
	opts := func(os []Option) {
		if len(os) == 0 {
			return
		}
		b.WriteString(" (with")
		for _, o := range os {
			fmt.Fprintf(&b, " %s=%q@%d:%d", o.Key, o.Value, o.Pos.Line, o.Pos.Col)
		}
		b.WriteString(")")
	}
	switch st := st.(type) {
	case *CreateSource:
		fmt.Fprintf(&b, "(source@%d:%d %s", st.Pos.Line, st.Pos.Col, st.Name)
		if len(st.Columns) > 0 {
			b.WriteString(" (cols")
			for _, c := range st.Columns {
				fmt.Fprintf(&b, " %s:%s", c.Name, c.Type.Name)
				if c.Type.Precision != 0 || c.Type.Scale != 0 {
					fmt.Fprintf(&b, "(%d,%d)", c.Type.Precision, c.Type.Scale)
				}
				fmt.Fprintf(&b, "@%d:%d/%d:%d", c.Pos.Line, c.Pos.Col, c.Type.Pos.Line, c.Type.Pos.Col)
			}
			b.WriteString(")")
		}
		opts(st.Options)
		b.WriteString(")")
	case *CreateView:
		kind := "view"
		if st.Materialized {
			kind = "mview"
		}
		fmt.Fprintf(&b, "(%s@%d:%d %s", kind, st.Pos.Line, st.Pos.Col, st.Name)
		opts(st.Options)
		fmt.Fprintf(&b, " %s)", sexpr(st.Query, true))
	case *CreateSink:
		fmt.Fprintf(&b, "(sink@%d:%d %s from %s@%d:%d", st.Pos.Line, st.Pos.Col, st.Name, st.From, st.FromPos.Line, st.FromPos.Col)
		opts(st.Options)
		b.WriteString(")")
	default:
		fmt.Fprintf(&b, "<%T>", st)
	}
	return b.String()
}
