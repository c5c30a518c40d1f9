package parser

// This file is the contract between parser/ and planner/: spate's own AST.
// Nothing here refers to vitess; parser.go translates vitess nodes into it.

import "fmt"

// Pos is a 1-based position in a pipeline file.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Error is a positioned SQL error. Error() reads
// "file:line:col: message (near 'token')".
type Error struct {
	Pos   Pos
	Token string // the offending token; may be empty
	Msg   string
}

func (e *Error) Error() string {
	if e.Token != "" {
		return fmt.Sprintf("%s: %s (near '%s')", e.Pos, e.Msg, e.Token)
	}
	return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
}

// Errorf builds a positioned error; planner and catalog use it too.
func Errorf(pos Pos, token, format string, args ...any) *Error {
	return &Error{Pos: pos, Token: token, Msg: fmt.Sprintf(format, args...)}
}

// Script is a parsed pipeline file, statements in file order.
type Script struct {
	File       string
	Statements []Statement
}

// Statement is one of *CreateSource, *CreateView, *CreateSink.
type Statement interface {
	Position() Pos
	stmt()
}

// CreateSource is CREATE SOURCE name [(col type, ...)] WITH (k = 'v', ...).
// Columns is empty when the connector defines the schema (nexmark).
type CreateSource struct {
	Pos     Pos
	Name    string // lower-cased
	Columns []ColumnDef
	Options []Option
}

// ColumnDef is one column of CREATE SOURCE.
type ColumnDef struct {
	Pos  Pos
	Name string // lower-cased
	Type TypeName
}

// TypeName is a SQL type as written: Name is upper-case (BIGINT INT INTEGER
// DOUBLE FLOAT DECIMAL VARCHAR TEXT BOOLEAN BOOL TIMESTAMP ...); Precision
// and Scale are set for DECIMAL(p,s) (0 when absent).
type TypeName struct {
	Pos       Pos
	Name      string
	Precision int
	Scale     int
}

// Option is one key = 'value' of a WITH clause. Key is lower-cased; Value is
// the literal's text without quotes (numbers are accepted unquoted too).
type Option struct {
	Pos   Pos
	Key   string
	Value string
}

// CreateView is CREATE [MATERIALIZED] VIEW name [WITH (...)] AS query.
type CreateView struct {
	Pos          Pos
	Name         string // lower-cased
	Materialized bool
	Options      []Option
	Query        Query
	Text         string // the query's source text, for EXPLAIN and errors
}

// CreateSink is CREATE SINK name FROM view WITH (...).
type CreateSink struct {
	Pos     Pos
	Name    string
	From    string
	FromPos Pos
	Options []Option
}

func (s *CreateSource) Position() Pos { return s.Pos }
func (s *CreateView) Position() Pos   { return s.Pos }
func (s *CreateSink) Position() Pos   { return s.Pos }
func (*CreateSource) stmt()           {}
func (*CreateView) stmt()             {}
func (*CreateSink) stmt()             {}

// Query is *Select or *SetOp.
type Query interface {
	Position() Pos
	query()
}

// Select is one SELECT block.
type Select struct {
	Pos      Pos
	Distinct bool
	Items    []SelectItem
	From     TableExpr // nil for SELECT without FROM
	Where    Expr
	GroupBy  []Expr
	Having   Expr
	OrderBy  []OrderItem
	Limit    Expr
}

// SetOp is Left UNION [ALL] Right (and INTERSECT/EXCEPT, which the planner
// may refuse). OrderBy/Limit apply to the whole set operation.
type SetOp struct {
	Pos     Pos
	Op      string // "UNION", "UNION ALL", "INTERSECT", "EXCEPT"
	Left    Query
	Right   Query
	OrderBy []OrderItem
	Limit   Expr
}

func (s *Select) Position() Pos { return s.Pos }
func (s *SetOp) Position() Pos  { return s.Pos }
func (*Select) query()          {}
func (*SetOp) query()           {}

// SelectItem is expr [AS alias], or * / t.* when Star is set.
type SelectItem struct {
	Pos       Pos
	Expr      Expr
	Alias     string // lower-cased; empty when none was written
	Star      bool
	StarTable string // t in t.*; empty for a bare *
}

// OrderItem is expr [ASC|DESC] [NULLS FIRST|LAST].
type OrderItem struct {
	Expr       Expr
	Desc       bool
	NullsFirst *bool // nil when not written
}

// TableExpr is *TableName, *DerivedTable or *Join.
type TableExpr interface {
	Position() Pos
	table()
}

// TableName is a source or view referenced in FROM.
type TableName struct {
	Pos   Pos
	Name  string // lower-cased
	Alias string // lower-cased; empty when none
}

// DerivedTable is (query) AS alias.
type DerivedTable struct {
	Pos   Pos
	Query Query
	Alias string
}

// JoinKind is the kind of a Join.
type JoinKind int

const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	CrossJoin
)

func (k JoinKind) String() string {
	return [...]string{"INNER", "LEFT", "RIGHT", "FULL", "CROSS"}[k]
}

// Join is Left [kind] JOIN Right ON On (or USING (...)). A comma join is a
// CrossJoin whose condition sits in WHERE.
type Join struct {
	Pos   Pos
	Kind  JoinKind
	Left  TableExpr
	Right TableExpr
	On    Expr
	Using []string
}

func (t *TableName) Position() Pos    { return t.Pos }
func (t *DerivedTable) Position() Pos { return t.Pos }
func (t *Join) Position() Pos         { return t.Pos }
func (*TableName) table()             {}
func (*DerivedTable) table()          {}
func (*Join) table()                  {}

// Expr is a scalar, aggregate or window expression.
type Expr interface {
	Position() Pos
	expr()
}

// ColumnRef is [table.]name.
type ColumnRef struct {
	Pos   Pos
	Table string // lower-cased qualifier; empty when unqualified
	Name  string // lower-cased
}

// LitKind is the kind of a Literal.
type LitKind int

const (
	NullLit LitKind = iota
	IntLit
	FloatLit // decimal point or exponent: 1.5, 1e3
	StringLit
	BoolLit
)

// Literal is a constant as written. Text holds the digits for numbers
// (with a leading '-' when a number is negated: -5 is one literal, as in
// DuckDB), the unquoted value for strings, "true"/"false" for booleans.
type Literal struct {
	Pos  Pos
	Kind LitKind
	Text string
}

// IntervalLit is INTERVAL n UNIT or INTERVAL 'n' UNIT, already in ms.
type IntervalLit struct {
	Pos    Pos
	Millis int64
	Text   string // as written, for messages
}

// BinaryExpr is L Op R. Op is one of
// + - * / % DIV = <> < <= > >= AND OR LIKE "NOT LIKE" || (concat).
type BinaryExpr struct {
	Pos Pos
	Op  string
	L   Expr
	R   Expr
}

// UnaryExpr is Op X, Op "-" or "NOT".
type UnaryExpr struct {
	Pos Pos
	Op  string
	X   Expr
}

// IsNullExpr is X IS [NOT] NULL.
type IsNullExpr struct {
	Pos Pos
	X   Expr
	Not bool
}

// IsBoolExpr is X IS [NOT] TRUE / FALSE.
type IsBoolExpr struct {
	Pos   Pos
	X     Expr
	Not   bool
	Value bool
}

// InExpr is X [NOT] IN (list) or X [NOT] IN (subquery).
type InExpr struct {
	Pos      Pos
	X        Expr
	List     []Expr
	Subquery Query
	Not      bool
}

// BetweenExpr is X [NOT] BETWEEN Lo AND Hi.
type BetweenExpr struct {
	Pos Pos
	X   Expr
	Lo  Expr
	Hi  Expr
	Not bool
}

// When is one WHEN Cond THEN Then arm.
type When struct {
	Cond Expr
	Then Expr
}

// CaseExpr is CASE [Operand] WHEN ... THEN ... [ELSE ...] END.
type CaseExpr struct {
	Pos     Pos
	Operand Expr // nil for a searched CASE
	Whens   []When
	Else    Expr // nil when absent
}

// CastExpr is CAST(X AS Type) (also CONVERT).
type CastExpr struct {
	Pos  Pos
	X    Expr
	Type TypeName
}

// FuncCall is name(args) for scalar functions, aggregates, window
// functions and spate's own (tumble, hop, session, tl_*). Name is
// lower-cased. count(*) has Star set and no Args. SUBSTRING(x FROM a FOR b)
// and friends arrive here normalised to name(x, a, b).
type FuncCall struct {
	Pos      Pos
	Name     string
	Args     []Expr
	Star     bool
	Distinct bool
	Over     *Over // non-nil for name(...) OVER (...)
}

// Over is the window of an analytic function.
type Over struct {
	PartitionBy []Expr
	OrderBy     []OrderItem
}

// SubqueryExpr is a scalar (SELECT ...) or EXISTS (SELECT ...).
type SubqueryExpr struct {
	Pos    Pos
	Query  Query
	Exists bool
}

func (e *ColumnRef) Position() Pos    { return e.Pos }
func (e *Literal) Position() Pos      { return e.Pos }
func (e *IntervalLit) Position() Pos  { return e.Pos }
func (e *BinaryExpr) Position() Pos   { return e.Pos }
func (e *UnaryExpr) Position() Pos    { return e.Pos }
func (e *IsNullExpr) Position() Pos   { return e.Pos }
func (e *IsBoolExpr) Position() Pos   { return e.Pos }
func (e *InExpr) Position() Pos       { return e.Pos }
func (e *BetweenExpr) Position() Pos  { return e.Pos }
func (e *CaseExpr) Position() Pos     { return e.Pos }
func (e *CastExpr) Position() Pos     { return e.Pos }
func (e *FuncCall) Position() Pos     { return e.Pos }
func (e *SubqueryExpr) Position() Pos { return e.Pos }
func (*ColumnRef) expr()              {}
func (*Literal) expr()                {}
func (*IntervalLit) expr()            {}
func (*BinaryExpr) expr()             {}
func (*UnaryExpr) expr()              {}
func (*IsNullExpr) expr()             {}
func (*IsBoolExpr) expr()             {}
func (*InExpr) expr()                 {}
func (*BetweenExpr) expr()            {}
func (*CaseExpr) expr()               {}
func (*CastExpr) expr()               {}
func (*FuncCall) expr()               {}
func (*SubqueryExpr) expr()           {}
