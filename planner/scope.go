package planner

import (
	"strings"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// scopeCol is a column a query can name.
type scopeCol struct {
	Table string
	Column
	Index int // position in the node's columns
}

// scope is the set of columns visible to the expressions of one SELECT:
// the columns of its FROM relation, qualified by the relation's alias.
type scope struct {
	cols   []scopeCol
	tables []string
	desc   string // names the relation in messages: "in heartbeats"
}

// newScope exposes n's visible columns under qualifier table.
func newScope(n Node, table, desc string) *scope {
	s := &scope{tables: []string{table}, desc: desc}
	for i, c := range visibleColumns(n) {
		s.cols = append(s.cols, scopeCol{Table: table, Column: c, Index: i})
	}
	return s
}

func (s *scope) names() []string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.Name
	}
	return out
}

// resolve finds the column a reference names.
func (s *scope) resolve(ref *parser.ColumnRef) (*expr.ColumnRef, error) {
	name, table := strings.ToLower(ref.Name), strings.ToLower(ref.Table)
	if table != "" && !contains(s.tables, table) {
		return nil, parser.Errorf(ref.Pos, "", "unknown table '%s' in %s.%s%s (the query reads %s)",
			table, table, name, catalog.DidYouMean(table, s.tables), strings.Join(s.tables, ", "))
	}
	var found []scopeCol
	for _, c := range s.cols {
		if c.Name == name && (table == "" || c.Table == table) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, parser.Errorf(ref.Pos, "", "unknown column '%s' in %s%s", qualified(table, name), s.desc,
			catalog.DidYouMean(name, s.names()))
	case 1:
		c := found[0]
		return &expr.ColumnRef{Index: c.Index, Name: c.Name, Type: c.Type}, nil
	}
	return nil, parser.Errorf(ref.Pos, "", "column reference '%s' is ambiguous: %s has %d columns of that name",
		qualified(table, name), s.desc, len(found))
}

// star expands * or t.*.
func (s *scope) star(item parser.SelectItem) ([]scopeCol, error) {
	t := strings.ToLower(item.StarTable)
	if t != "" && !contains(s.tables, t) {
		return nil, parser.Errorf(item.Pos, "", "unknown table '%s' in %s.*%s (the query reads %s)",
			t, t, catalog.DidYouMean(t, s.tables), strings.Join(s.tables, ", "))
	}
	var out []scopeCol
	for _, c := range s.cols {
		if t == "" || c.Table == t {
			out = append(out, c)
		}
	}
	return out, nil
}

func qualified(table, name string) string {
	if table == "" {
		return name
	}
	return table + "." + name
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
