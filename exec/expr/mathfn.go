package expr

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Numeric functions with DuckDB's types and rounding: abs keeps its
// argument's type; floor and ceil take DOUBLE (integers are widened by
// the planner, as DuckDB returns DOUBLE for them) or DECIMAL(p,s) ->
// DECIMAL(p,0); round(x [, n]) keeps integers and doubles and gives
// DECIMAL(p, clamp(n, 0, s)) for decimals, rounding half away from zero.

// newAbs is abs(x).
func newAbs(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return nil, err
	}
	if isNullLit(args[0]) || args[0].typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	if !numericArg(args[0].typ()) || !arrow.TypeEqual(args[0].typ(), out) {
		return nil, fmt.Errorf("argument %s must be numeric and equal to result type %s", args[0].typ(), out)
	}
	return &mathNode{fn: "abs", a: args[0], t: out}, nil
}

// newFloorCeil is floor(x) or ceil(x).
func newFloorCeil(fn string, args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return nil, err
	}
	if isNullLit(args[0]) || args[0].typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	n := &mathNode{fn: fn, a: args[0], t: out}
	switch at := args[0].typ(); at.ID() {
	case arrow.FLOAT64:
		if out.ID() != arrow.FLOAT64 {
			return nil, fmt.Errorf("%s(DOUBLE) returns DOUBLE, not %s", fn, out)
		}
	case arrow.DECIMAL128:
		p, s := decParams(at)
		if op, os := decParams(out); out.ID() != arrow.DECIMAL128 || op != p || os != 0 {
			return nil, fmt.Errorf("%s(%s) returns DECIMAL(%d,0), not %s", fn, decTypeName(at), p, out)
		}
		n.shift = s
	default:
		return nil, fmt.Errorf("%s takes DOUBLE or DECIMAL, got %s", fn, at)
	}
	return n, nil
}

// newRound is round(x [, n literal]).
func newRound(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 1, 2); err != nil {
		return nil, err
	}
	digits := int64(0)
	if len(args) == 2 {
		l, ok := args[1].(*litNode)
		if !ok || (!isIntType(l.t) && l.t.ID() != arrow.NULL) {
			return nil, fmt.Errorf("the number of digits must be an integer literal")
		}
		if l.null {
			return nullLit(out), nil
		}
		digits = l.i64
	}
	if isNullLit(args[0]) || args[0].typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	n := &mathNode{fn: "round", a: args[0], t: out, digits: digits}
	switch at := args[0].typ(); at.ID() {
	case arrow.INT64, arrow.INT32, arrow.FLOAT64:
		if !arrow.TypeEqual(at, out) {
			return nil, fmt.Errorf("round(%s) returns %s, not %s", at, at, out)
		}
		if at.ID() != arrow.FLOAT64 && digits >= 0 {
			return args[0], nil
		}
		if at.ID() != arrow.FLOAT64 && digits < -18 {
			n.digits = -19
		}
	case arrow.DECIMAL128:
		p, s := decParams(at)
		ns := min(max(int32(max(min(digits, 38), -38)), 0), s)
		if op, os := decParams(out); out.ID() != arrow.DECIMAL128 || op != p || os != ns {
			return nil, fmt.Errorf("round(%s, %d) returns DECIMAL(%d,%d), not %s", decTypeName(at), digits, p, ns, out)
		}
		if digits >= int64(s) {
			return args[0], nil
		}
		n.shift = s - ns // digits dropped
		if digits < 0 {
			n.shift = s + int32(min(-digits, 38))
			n.rescale = int32(min(-digits, 38)) // ... then put back as zeros
		}
		if n.shift > 38 {
			n.zero = true
		}
	default:
		return nil, fmt.Errorf("round takes a number, got %s", at)
	}
	return n, nil
}

// RoundType is the result type of round(x, digits) over an argument of
// type t (DuckDB's).
func RoundType(t arrow.DataType, digits int64) arrow.DataType {
	if t.ID() != arrow.DECIMAL128 {
		return t
	}
	p, s := decParams(t)
	return DecimalType(p, min(max(int32(max(min(digits, 38), -38)), 0), s))
}

type mathNode struct {
	fn      string
	a       node
	t       arrow.DataType
	digits  int64 // round
	shift   int32 // decimals: digits of scale dropped
	rescale int32 // round to a negative position: zeros put back
	zero    bool  // every value rounds to 0
	out     vec
}

func (n *mathNode) typ() arrow.DataType { return n.t }

func (n *mathNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	v, err := n.a.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	out := &n.out
	out.valid = v.valid
	switch n.a.typ().ID() {
	case arrow.INT64:
		out.i64 = grow(out.i64, rows)
		if err := intMath(n, v.i64[:rows], out.i64, v.valid); err != nil {
			return vec{}, err
		}
	case arrow.INT32:
		out.i32 = grow(out.i32, rows)
		if err := intMath(n, v.i32[:rows], out.i32, v.valid); err != nil {
			return vec{}, err
		}
	case arrow.FLOAT64:
		out.f64 = grow(out.f64, rows)
		floatMath(n, v.f64[:rows], out.f64)
	case arrow.DECIMAL128:
		out.dec = grow(out.dec, rows)
		if err := decMath(n, v.dec[:rows], out.dec, v.valid); err != nil {
			return vec{}, err
		}
	}
	return *out, nil
}

func intMath[T int32 | int64](n *mathNode, x, r []T, valid []byte) error {
	switch n.fn {
	case "abs":
		minv := minInt[T]()
		bad := false
		for i, v := range x {
			if v < 0 {
				v = -v
			}
			r[i] = v
			if x[i] == minv {
				bad = bad || valid == nil || getBit(valid, i)
			}
		}
		if bad {
			return fmt.Errorf("overflow on abs(%d)", minv)
		}
	case "round":
		// Negative digits only (others are the identity): to the
		// nearest multiple of 10^-digits, halves away from zero. Like
		// DuckDB, a result out of range wraps around.
		if n.digits <= -19 {
			clear(r)
			return nil
		}
		m := int64(1)
		for k := int64(0); k < -n.digits; k++ {
			m *= 10
		}
		for i, v := range x {
			w := int64(v)
			q, rem := w/m, w%m
			if rem >= (m+1)/2 {
				q++
			} else if rem <= -(m+1)/2 {
				q--
			}
			r[i] = T(q * m)
		}
	}
	return nil
}

func floatMath(n *mathNode, x, r []float64) {
	switch n.fn {
	case "abs":
		for i, v := range x {
			r[i] = math.Abs(v)
		}
	case "floor":
		for i, v := range x {
			r[i] = math.Floor(v)
		}
	case "ceil":
		for i, v := range x {
			r[i] = math.Ceil(v)
		}
	case "round":
		// DuckDB: round(v * 10^d) / 10^d (v / 10^-d for negative d),
		// keeping v when that overflows to inf or nan.
		if n.digits == 0 {
			for i, v := range x {
				r[i] = math.Round(v)
			}
			return
		}
		if n.digits < 0 {
			// DuckDB gives 0 where this is not finite.
			m := math.Pow(10, float64(-n.digits))
			for i, v := range x {
				q := math.Round(v/m) * m
				if math.IsInf(q, 0) || math.IsNaN(q) {
					q = 0
				}
				r[i] = q
			}
			return
		}
		m := math.Pow(10, float64(n.digits))
		for i, v := range x {
			q := math.Round(v*m) / m
			if math.IsInf(q, 0) || math.IsNaN(q) {
				q = v
			}
			r[i] = q
		}
	}
}

func decMath(n *mathNode, x, r []decimal128.Num, valid []byte) error {
	switch n.fn {
	case "abs":
		for i, v := range x {
			r[i] = v.Abs()
		}
	case "floor", "ceil":
		up := n.fn == "ceil"
		for i, v := range x {
			r[i] = decDivFloor(v, n.shift, up)
		}
	case "round":
		if n.zero {
			clear(r)
			return nil
		}
		var m decimal128.Num
		if n.rescale > 0 {
			m = decimal128.GetScaleMultiplier(int(n.rescale))
		}
		p, _ := decParams(n.t)
		for i, v := range x {
			q := decDivRoundAny(v, n.shift)
			if n.rescale > 0 {
				var ok bool
				if q, ok = decMulExact(q, m); !ok || !decFits(q, p) {
					if valid == nil || getBit(valid, i) {
						return fmt.Errorf("overflow in round(%s, %d)", decTypeName(n.a.typ()), n.digits)
					}
					q = decimal128.Num{}
				}
			}
			r[i] = q
		}
	}
	return nil
}

// decDivRoundAny is decDivRound for any k in [0, 38].
func decDivRoundAny(n decimal128.Num, k int32) decimal128.Num {
	if k == 0 {
		return n
	}
	return decDivRound(n, k)
}

// decDivFloor divides n by 10^k rounding toward -inf (up: toward +inf).
func decDivFloor(n decimal128.Num, k int32, up bool) decimal128.Num {
	if k == 0 {
		return n
	}
	neg := n.Sign() < 0
	a := n.Abs()
	hi, lo := uint64(a.HighBits()), a.LowBits()
	inexact := false
	for k > 0 {
		s := min(k, 19)
		k -= s
		d := decimal128.GetScaleMultiplier(int(s)).LowBits()
		q1, r1 := hi/d, hi%d
		q0, rem := bits.Div64(r1, lo, d)
		hi, lo = q1, q0
		inexact = inexact || rem != 0
	}
	if inexact && neg != up {
		var c uint64
		lo, c = bits.Add64(lo, 1, 0)
		hi += c
	}
	q := decimal128.New(int64(hi), lo)
	if neg {
		q = q.Negate()
	}
	return q
}
