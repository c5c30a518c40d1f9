package expr

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Expr is a resolved, typed scalar expression over the columns of one input
// batch. The planner builds it (types already coerced: both sides of a
// comparison or arithmetic operator have the same type, inserted as Cast
// calls); CompileExpr turns it into a column-at-a-time evaluator.
type Expr interface {
	DataType() arrow.DataType
	String() string
}

// ColumnRef is column Index of the input batch.
type ColumnRef struct {
	Index int
	Name  string
	Type  arrow.DataType
}

// Literal is a constant. Value is nil (NULL), int64 (Int32/Int64 and
// Timestamp ms), float64, string, bool, or decimal128.Num.
type Literal struct {
	Value any
	Type  arrow.DataType
}

// Call applies a function to arguments. Func names (lower case):
//
//	arithmetic: add sub mul div mod neg          (same-typed numeric args)
//	            ("/" on integers yields DOUBLE as in DuckDB: the planner
//	            casts the arguments; exec divides what it is given, and an
//	            integer or decimal division by zero yields NULL)
//	comparison: eq ne lt le gt ge                (same-typed args) -> bool
//	logic:      and or not                       (three-valued)
//	null tests: is_null is_not_null is_true is_false is_not_true is_not_false
//	in:         in (args[0] value, args[1:] same-typed values)
//	between:    between (x, lo, hi) inclusive
//	like:       like (x, pattern literal) ; ilike
//	cast:       cast (one arg; target = Call.Type)
//	case:       case (cond1, val1, cond2, val2, ..., else) - else may be a NULL Literal
//	coalesce:   coalesce (same-typed args)
//	strings:    lower upper length char_length substring(x, from[, len])
//	            substring_index(x, delim, count) replace(x, from, to)
//	            concat(args...) (NULLs skipped, as MySQL/DuckDB concat)
//	            regexp_substr(x, pattern literal) split_part(x, delim, idx)
//	            regexp_extract(x, pattern literal[, group literal]) (DuckDB's: '' without a match)
//	numbers:    abs(x) floor(x) ceil(x) (DOUBLE or DECIMAL) round(x[, digits literal])
//	time:       date_format(ts, mysql format literal) hour(ts) minute(ts)
//	            strftime(ts, DuckDB format literal) year(ts) month(ts) day(ts)
//	            add_interval(ts, ms BIGINT) sub_interval(ts, ms BIGINT)
type Call struct {
	Func string
	Args []Expr
	Type arrow.DataType
}

func (e *ColumnRef) DataType() arrow.DataType { return e.Type }
func (e *Literal) DataType() arrow.DataType   { return e.Type }
func (e *Call) DataType() arrow.DataType      { return e.Type }

func (e *ColumnRef) String() string {
	if e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("#%d", e.Index)
}

func (e *Literal) String() string {
	switch v := e.Value.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	default:
		return fmt.Sprint(v)
	}
}

func (e *Call) String() string {
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = a.String()
	}
	if e.Func == "cast" {
		return fmt.Sprintf("cast(%s AS %s)", args[0], e.Type)
	}
	return e.Func + "(" + strings.Join(args, ", ") + ")"
}
