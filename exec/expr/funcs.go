package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// callMore picks kernels for the functions beyond arithmetic, comparison
// and logic.
func (c *compiler) callMore(e *Call, args []node, out arrow.DataType) (node, error) {
	switch e.Func {
	case "between":
		return newBetween(args, out)
	case "in":
		return newIn(args, out)
	case "like", "ilike":
		return newLike(e.Func == "ilike", args, out)
	case "cast":
		if err := wantArgs(args, 1, 1); err != nil {
			return nil, err
		}
		return newCast(args[0], out)
	case "case":
		return newCase(args, out)
	case "coalesce":
		return newCoalesce(args, out)
	case "lower", "upper":
		return newCaseMap(e.Func == "upper", args, out)
	case "length", "char_length", "character_length":
		return newLength(args, out)
	case "substring", "substr":
		return newSubstring(args, out)
	case "substring_index":
		return newSubstringIndex(args, out)
	case "replace":
		return newReplace(args, out)
	case "concat":
		return newConcat(args, out)
	case "regexp_substr":
		return newRegexpSubstr(args, out)
	case "split_part":
		return newSplitPart(args, out)
	case "date_format":
		return newDateFormat(args, out)
	case "hour", "minute", "second":
		return newTimePart(e.Func, args, out)
	case "regexp_extract":
		return newRegexpExtract(args, out)
	case "strftime":
		return newStrftime(args, out)
	case "year", "month", "day":
		return newDatePart(e.Func, args, out)
	case "abs":
		return newAbs(args, out)
	case "floor", "ceil":
		return newFloorCeil(e.Func, args, out)
	case "round":
		return newRound(args, out)
	case "add_interval", "sub_interval":
		return newInterval(e.Func == "sub_interval", args, out)
	}
	return nil, fmt.Errorf("unknown function %q", e.Func)
}

// newBetween is x >= lo AND x <= hi with three-valued AND, which is what
// DuckDB computes (5 BETWEEN NULL AND 3 is false).
func newBetween(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 3, 3); err != nil {
		return nil, err
	}
	ge, err := newCompare("ge", []node{args[0], args[1]}, TypeBoolean)
	if err != nil {
		return nil, err
	}
	le, err := newCompare("le", []node{args[0], args[2]}, TypeBoolean)
	if err != nil {
		return nil, err
	}
	if _, ok := args[0].(*litNode); !ok && args[0].typ().ID() != arrow.NULL {
		// Both comparisons read x; evaluate it once per batch.
		sv := &sharedVal{n: args[0]}
		ref := &sharedRef{s: sv}
		if ge, err = newCompare("ge", []node{ref, args[1]}, TypeBoolean); err != nil {
			return nil, err
		}
		if le, err = newCompare("le", []node{ref, args[2]}, TypeBoolean); err != nil {
			return nil, err
		}
		body, err := newLogic("and", []node{ge, le}, out)
		if err != nil {
			return nil, err
		}
		return &withShared{s: sv, body: body}, nil
	}
	return newLogic("and", []node{ge, le}, out)
}

// sharedVal lets several parents read one child's result per batch:
// withShared evaluates the child first, then its body, whose sharedRefs
// return the stored result.
type sharedVal struct {
	n node
	v vec
}

type sharedRef struct{ s *sharedVal }

func (r *sharedRef) typ() arrow.DataType { return r.s.n.typ() }

func (r *sharedRef) eval(arrow.RecordBatch, int) (vec, error) { return r.s.v, nil }

type withShared struct {
	s    *sharedVal
	body node
}

func (w *withShared) typ() arrow.DataType { return w.body.typ() }

func (w *withShared) eval(b arrow.RecordBatch, rows int) (vec, error) {
	v, err := w.s.n.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	w.s.v = v
	return w.body.eval(b, rows)
}

// Argument accessors: a string or integer argument that is a column or a
// literal, read per row without interface calls.

type strArg struct {
	lit   []byte
	isLit bool
	v     vec
}

func (a *strArg) get(i int) []byte {
	if a.isLit {
		return a.lit
	}
	return a.v.data[a.v.offs[i]:a.v.offs[i+1]]
}

type intArg struct {
	lit   int64
	isLit bool
	v     vec
	is32  bool
}

func (a *intArg) get(i int) int64 {
	if a.isLit {
		return a.lit
	}
	if a.is32 {
		return int64(a.v.i32[i])
	}
	return a.v.i64[i]
}

// multiArg evaluates the operands of a NULL-propagating function: any
// NULL argument makes the row NULL. Literals are read as scalars.
type multiArg struct {
	args  []node
	lits  []*litNode
	vecs  []vec
	valid []byte
}

func newMultiArg(args []node) multiArg {
	m := multiArg{args: args, lits: make([]*litNode, len(args)), vecs: make([]vec, len(args))}
	for i, a := range args {
		if l, ok := a.(*litNode); ok {
			m.lits[i] = l
		}
	}
	return m
}

func (m *multiArg) anyNullLit() bool {
	for _, a := range m.args {
		if isNullLit(a) || a.typ().ID() == arrow.NULL {
			return true
		}
	}
	return false
}

func (m *multiArg) eval(b arrow.RecordBatch, rows int) ([]byte, error) {
	var valid []byte
	own := false
	for i, a := range m.args {
		if m.lits[i] != nil {
			continue
		}
		v, err := a.eval(b, rows)
		if err != nil {
			return nil, err
		}
		m.vecs[i] = v
		if v.valid == nil {
			continue
		}
		if valid == nil {
			valid = v.valid
			continue
		}
		if !own {
			valid = andValid(&m.valid, valid, v.valid, rows)
			own = true
		} else {
			valid = andValid(&m.valid, m.valid, v.valid, rows)
		}
	}
	return valid, nil
}

func (m *multiArg) str(i int) strArg {
	if l := m.lits[i]; l != nil {
		return strArg{lit: l.s, isLit: true}
	}
	return strArg{v: m.vecs[i]}
}

func (m *multiArg) int(i int) intArg {
	if l := m.lits[i]; l != nil {
		return intArg{lit: l.i64, isLit: true}
	}
	return intArg{v: m.vecs[i], is32: m.args[i].typ().ID() == arrow.INT32}
}

// strOut accumulates a string column in reused scratch.
type strOut struct {
	offs []int32
	data []byte
}

func (s *strOut) reset(rows int) {
	s.offs = grow(s.offs, rows+1)
	s.offs[0] = 0
	s.data = s.data[:0]
}

func (s *strOut) vec(valid []byte) vec {
	return vec{offs: s.offs, data: s.data, valid: valid}
}

func isStringType(t arrow.DataType) bool { return t.ID() == arrow.STRING }

func isIntType(t arrow.DataType) bool {
	return t.ID() == arrow.INT64 || t.ID() == arrow.INT32
}

func checkArgTypes(args []node, want ...func(arrow.DataType) bool) error {
	for i, a := range args {
		f := want[min(i, len(want)-1)]
		if a.typ().ID() == arrow.NULL {
			continue
		}
		if !f(a.typ()) {
			return fmt.Errorf("argument %d has unsupported type %s", i+1, a.typ())
		}
	}
	return nil
}
