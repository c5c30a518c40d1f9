package expr

import (
	"fmt"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// DECIMAL(p,s) values are 128-bit integers scaled by 10^s. Rounding when a
// scale shrinks is half away from zero, as DuckDB does.

func decParams(t arrow.DataType) (prec, scale int32) {
	d := t.(*arrow.Decimal128Type)
	return d.Precision, d.Scale
}

func decFits(n decimal128.Num, prec int32) bool {
	return n.Abs().Less(decimal128.GetScaleMultiplier(int(prec)))
}

func fitsInt64(n decimal128.Num) bool { return n.HighBits() == int64(n.LowBits())>>63 }

// decMulExact multiplies two decimals exactly; ok is false on 128-bit
// overflow.
func decMulExact(a, b decimal128.Num) (decimal128.Num, bool) {
	if fitsInt64(a) && fitsInt64(b) {
		x, y := int64(a.LowBits()), int64(b.LowBits())
		hi, lo := bits.Mul64(uint64(x), uint64(y))
		shi := int64(hi) - (x>>63)&y - (y>>63)&x
		return decimal128.New(shi, lo), true
	}
	r := new(big.Int).Mul(a.BigInt(), b.BigInt())
	if r.BitLen() > 126 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(r), true
}

// decRescale changes the scale of n from -> to, rounding half away from
// zero when digits are dropped; ok is false on overflow of prec digits.
func decRescale(n decimal128.Num, from, to, prec int32) (decimal128.Num, bool) {
	switch {
	case to > from:
		m := decimal128.GetScaleMultiplier(int(to - from))
		r, ok := decMulExact(n, m)
		if !ok || !decFits(r, prec) {
			return decimal128.Num{}, false
		}
		return r, true
	case to < from:
		r := decDivRound(n, from-to)
		return r, decFits(r, prec)
	}
	return n, decFits(n, prec)
}

// decDivRound divides by 10^k rounding half away from zero.
func decDivRound(n decimal128.Num, k int32) decimal128.Num {
	if k > 19 {
		return n.ReduceScaleBy(k, true)
	}
	neg := n.Sign() < 0
	a := n.Abs()
	d := decimal128.GetScaleMultiplier(int(k)).LowBits()
	hi, lo := uint64(a.HighBits()), a.LowBits()
	q1, r1 := hi/d, hi%d
	q0, r := bits.Div64(r1, lo, d)
	if r >= d-r { // r*2 >= d without overflow
		var c uint64
		q0, c = bits.Add64(q0, 1, 0)
		q1 += c
	}
	q := decimal128.New(int64(q1), q0)
	if neg {
		q = q.Negate()
	}
	return q
}

func decTypeName(t arrow.DataType) string {
	p, s := decParams(t)
	return fmt.Sprintf("DECIMAL(%d,%d)", p, s)
}

type decArith struct {
	binNode
	op         string
	inScale    int32
	outScale   int32
	outPrec    int32
	toDouble   bool
	opName     string
	scaleShift int32 // raw result scale minus output scale
}

func newDecArith(op string, a, b node, out arrow.DataType) (node, error) {
	_, s := decParams(a.typ())
	n := &decArith{binNode: newBin(a, b, out), op: op, inScale: s}
	switch out.ID() {
	case arrow.FLOAT64:
		if op != "div" {
			return nil, fmt.Errorf("%s of %s cannot produce %s", op, a.typ(), out)
		}
		n.toDouble = true
		return n, nil
	case arrow.DECIMAL128:
		n.outPrec, n.outScale = decParams(out)
	default:
		return nil, fmt.Errorf("%s of %s cannot produce %s", op, a.typ(), out)
	}
	raw := s
	switch op {
	case "mul":
		raw = 2 * s
	case "div":
		return nil, fmt.Errorf("division of %s must produce DOUBLE (as DuckDB), not %s", a.typ(), out)
	}
	n.scaleShift = raw - n.outScale
	n.opName = map[string]string{"add": "addition", "sub": "subtraction", "mul": "multiplication", "mod": "modulo"}[op]
	return n, nil
}

func (n *decArith) eval(b arrow.RecordBatch, rows int) (vec, error) {
	// Literal operands are broadcast once (litNode caches the column), so
	// every kernel below reads two slices.
	av, err := n.a.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	bv, err := n.b.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	valid := andValid(&n.validScratch, av.valid, bv.valid, rows)
	out := &n.out
	out.valid = valid
	x, y := av.dec[:rows], bv.dec[:rows]
	if n.toDouble {
		out.f64 = grow(out.f64, rows)
		for i := range out.f64 {
			out.f64[i] = x[i].ToFloat64(n.inScale) / y[i].ToFloat64(n.inScale)
		}
		return *out, nil
	}
	out.dec = grow(out.dec, rows)
	r := out.dec
	bad := -1
	switch n.op {
	case "add":
		for i := range r {
			r[i] = x[i].Add(y[i])
		}
	case "sub":
		for i := range r {
			r[i] = x[i].Sub(y[i])
		}
	case "mul":
		for i := range r {
			v, ok := decMulExact(x[i], y[i])
			if !ok && (valid == nil || getBit(valid, i)) && bad < 0 {
				bad = i
			}
			r[i] = v
		}
	case "mod":
		zeros := false
		for i := range r {
			switch {
			case y[i].Sign() == 0:
				zeros = true
				r[i] = decimal128.Num{}
			case fitsInt64(x[i]) && fitsInt64(y[i]):
				r[i] = decimal128.FromI64(int64(x[i].LowBits()) % int64(y[i].LowBits()))
			default:
				r[i] = decimal128.FromBigInt(new(big.Int).Rem(x[i].BigInt(), y[i].BigInt()))
			}
		}
		if zeros {
			dst := ownValid(&n.nullScratch, valid, rows)
			for i := range r {
				if y[i].Sign() == 0 {
					clearBit(dst, i)
				}
			}
			out.valid, valid = dst, dst
		}
	}
	// Rescale to the result type and check its precision; rows under NULL
	// may hold garbage and are not checked.
	from := n.outScale + n.scaleShift
	for i := range r {
		if bad >= 0 {
			break
		}
		v, ok := r[i], true
		if from != n.outScale {
			v, ok = decRescale(v, from, n.outScale, n.outPrec)
		} else if !decFits(v, n.outPrec) {
			ok = false
		}
		if !ok && (valid == nil || getBit(valid, i)) {
			bad = i
		}
		r[i] = v
	}
	if bad >= 0 {
		return vec{}, fmt.Errorf("overflow in %s of %s (%s, %s)", n.opName, decTypeName(n.t),
			x[bad].ToString(n.inScale), y[bad].ToString(n.inScale))
	}
	return *out, nil
}
