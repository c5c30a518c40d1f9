package planner

import (
	"strings"

	"github.com/spate-sql/spate/parser"
)

// defaultName is the output column name of an unaliased select item: the
// column name for a bare column, else the expression as DuckDB prints it
// (count_star(), sum(price), (price * 2), CAST(x AS BIGINT)). It follows
// DuckDB's rendering for the common shapes; exotic expressions may differ
// in spacing from DuckDB's, which only matters to a user who relies on
// DuckDB's generated name instead of writing an alias.
func defaultName(e parser.Expr) string {
	switch x := e.(type) {
	case *parser.ColumnRef:
		return strings.ToLower(x.Name)
	}
	return sqlText(e)
}

// sqlText renders an expression in DuckDB's style.
func sqlText(e parser.Expr) string {
	switch x := e.(type) {
	case nil:
		return ""
	case *parser.ColumnRef:
		return strings.ToLower(x.Name)
	case *parser.Literal:
		switch x.Kind {
		case parser.NullLit:
			return "NULL"
		case parser.StringLit:
			return "'" + strings.ReplaceAll(x.Text, "'", "''") + "'"
		case parser.BoolLit:
			return strings.ToLower(x.Text)
		}
		return x.Text
	case *parser.IntervalLit:
		// Text is as written, with or without the keyword.
		if strings.HasPrefix(strings.ToUpper(x.Text), "INTERVAL") {
			return x.Text
		}
		return "INTERVAL " + x.Text
	case *parser.BinaryExpr:
		op := x.Op
		if op == "DIV" {
			op = "//"
		}
		if op == "NOT LIKE" {
			return "(" + sqlText(x.L) + " !~~ " + sqlText(x.R) + ")"
		}
		if op == "LIKE" {
			return "(" + sqlText(x.L) + " ~~ " + sqlText(x.R) + ")"
		}
		return "(" + sqlText(x.L) + " " + op + " " + sqlText(x.R) + ")"
	case *parser.UnaryExpr:
		if strings.EqualFold(x.Op, "NOT") {
			return "(NOT " + sqlText(x.X) + ")"
		}
		return x.Op + sqlText(x.X)
	case *parser.IsNullExpr:
		if x.Not {
			return "(" + sqlText(x.X) + " IS NOT NULL)"
		}
		return "(" + sqlText(x.X) + " IS NULL)"
	case *parser.IsBoolExpr:
		v := "FALSE"
		if x.Value {
			v = "TRUE"
		}
		if x.Not {
			v = "NOT " + v
		}
		return "(" + sqlText(x.X) + " IS " + v + ")"
	case *parser.InExpr:
		items := make([]string, len(x.List))
		for i, it := range x.List {
			items[i] = sqlText(it)
		}
		not := ""
		if x.Not {
			not = "NOT "
		}
		return "(" + sqlText(x.X) + " " + not + "IN (" + strings.Join(items, ", ") + "))"
	case *parser.BetweenExpr:
		not := ""
		if x.Not {
			not = "NOT "
		}
		return "(" + sqlText(x.X) + " " + not + "BETWEEN " + sqlText(x.Lo) + " AND " + sqlText(x.Hi) + ")"
	case *parser.CaseExpr:
		var sb strings.Builder
		sb.WriteString("CASE")
		if x.Operand != nil {
			sb.WriteString(" " + sqlText(x.Operand))
		}
		for _, w := range x.Whens {
			sb.WriteString(" WHEN " + sqlText(w.Cond) + " THEN " + sqlText(w.Then))
		}
		if x.Else != nil {
			sb.WriteString(" ELSE " + sqlText(x.Else))
		}
		sb.WriteString(" END")
		return sb.String()
	case *parser.CastExpr:
		return "CAST(" + sqlText(x.X) + " AS " + strings.ToUpper(x.Type.Name) + ")"
	case *parser.FuncCall:
		name := strings.ToLower(x.Name)
		if x.Star && name == "count" {
			return "count_star()"
		}
		args := make([]string, len(x.Args))
		for i, a := range x.Args {
			args[i] = sqlText(a)
		}
		d := ""
		if x.Distinct {
			d = "DISTINCT "
		}
		return name + "(" + d + strings.Join(args, ", ") + ")"
	case *parser.SubqueryExpr:
		return "(SELECT ...)"
	}
	return "?"
}
