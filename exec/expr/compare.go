package expr

import (
	"bytes"
	"cmp"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

// flipOp rewrites "literal op column" as "column flipOp(op) literal".
func flipOp(op string) string {
	switch op {
	case "lt":
		return "gt"
	case "le":
		return "ge"
	case "gt":
		return "lt"
	case "ge":
		return "le"
	}
	return op
}

func newCompare(op string, args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return nil, err
	}
	if out.ID() != arrow.BOOL {
		return nil, fmt.Errorf("result type must be BOOLEAN, got %s", out)
	}
	a, b := args[0], args[1]
	if isNullLit(a) || isNullLit(b) || a.typ().ID() == arrow.NULL || b.typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	if !sameTypes(a.typ(), b.typ()) {
		return nil, fmt.Errorf("arguments must have the same type, got %s and %s", a.typ(), b.typ())
	}
	bn := newBin(a, b, out)
	if bn.shape == shapeSC {
		bn.a, bn.b, bn.la, bn.lb, bn.shape = bn.b, bn.a, nil, bn.la, shapeCS
		op = flipOp(op)
	}
	switch a.typ().ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		return &cmpNum[int64]{binNode: bn, op: op}, nil
	case arrow.INT32:
		return &cmpNum[int32]{binNode: bn, op: op}, nil
	case arrow.FLOAT64:
		return &cmpFloat{cmpNum: cmpNum[float64]{binNode: bn, op: op}}, nil
	case arrow.STRING, arrow.DECIMAL128:
		return &cmpGeneric{binNode: bn, op: op}, nil
	case arrow.BOOL:
		return &cmpBool{binNode: bn, op: op}, nil
	}
	return nil, fmt.Errorf("cannot compare %s", a.typ())
}

// cmpNum compares int32, int64 and timestamp columns.
type cmpNum[T int32 | int64 | float64] struct {
	binNode
	op string
}

func (n *cmpNum[T]) eval(b arrow.RecordBatch, rows int) (vec, error) {
	av, bv, valid, err := n.operands(b, rows)
	if err != nil {
		return vec{}, err
	}
	out := &n.out
	out.bits = grow(out.bits, bitmapBytes(rows))
	out.valid = valid
	x := *slot[T](&av)
	if n.shape == shapeCC {
		cmpColumns(n.op, x[:rows], (*slot[T](&bv))[:rows], out.bits)
	} else {
		cmpScalar(n.op, x[:rows], scalarOf[T](n.lb), out.bits)
	}
	return *out, nil
}

func cmpColumns[T cmp.Ordered](op string, x, y []T, out []byte) {
	switch op {
	case "eq":
		eqCC(x, y, out)
	case "ne":
		neCC(x, y, out)
	case "lt":
		ltCC(x, y, out)
	case "le":
		leCC(x, y, out)
	case "gt":
		gtCC(x, y, out)
	case "ge":
		geCC(x, y, out)
	}
}

func cmpScalar[T cmp.Ordered](op string, x []T, s T, out []byte) {
	switch op {
	case "eq":
		eqCS(x, s, out)
	case "ne":
		neCS(x, s, out)
	case "lt":
		ltCS(x, s, out)
	case "le":
		leCS(x, s, out)
	case "gt":
		gtCS(x, s, out)
	case "ge":
		geCS(x, s, out)
	}
}

// cmpFloat orders NaN above every number and equal to itself, as DuckDB
// does; batches without NaN take the plain machine comparison.
type cmpFloat struct {
	cmpNum[float64]
	ord []int8
}

func hasNaN(x []float64) bool {
	for _, v := range x {
		if v != v {
			return true
		}
	}
	return false
}

func floatOrder(a, b float64) int8 {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (n *cmpFloat) eval(b arrow.RecordBatch, rows int) (vec, error) {
	av, bv, valid, err := n.operands(b, rows)
	if err != nil {
		return vec{}, err
	}
	out := &n.out
	out.bits = grow(out.bits, bitmapBytes(rows))
	out.valid = valid
	x := av.f64[:rows]
	if n.shape == shapeCC {
		y := bv.f64[:rows]
		if !hasNaN(x) && !hasNaN(y) {
			cmpColumns(n.op, x, y, out.bits)
			return *out, nil
		}
		n.ord = grow(n.ord, rows)
		for i := range n.ord {
			n.ord[i] = floatOrder(x[i], y[i])
		}
	} else {
		s := n.lb.f64
		if s == s && !hasNaN(x) {
			cmpScalar(n.op, x, s, out.bits)
			return *out, nil
		}
		n.ord = grow(n.ord, rows)
		for i := range n.ord {
			n.ord[i] = floatOrder(x[i], s)
		}
	}
	orderToBits(n.op, n.ord, out.bits)
	return *out, nil
}

// orderToBits turns three-way comparison results into the operator's bits.
func orderToBits(op string, ord []int8, out []byte) {
	switch op {
	case "eq":
		eqCS(ord, 0, out)
	case "ne":
		neCS(ord, 0, out)
	case "lt":
		ltCS(ord, 0, out)
	case "le":
		leCS(ord, 0, out)
	case "gt":
		gtCS(ord, 0, out)
	case "ge":
		geCS(ord, 0, out)
	}
}

// cmpGeneric compares strings (bytewise, as DuckDB) and decimals through
// a three-way result per row.
type cmpGeneric struct {
	binNode
	op  string
	ord []int8
}

func (n *cmpGeneric) eval(b arrow.RecordBatch, rows int) (vec, error) {
	av, bv, valid, err := n.operands(b, rows)
	if err != nil {
		return vec{}, err
	}
	out := &n.out
	out.bits = grow(out.bits, bitmapBytes(rows))
	out.valid = valid
	ord := grow(n.ord, rows)
	n.ord = ord
	if n.t.ID() == arrow.BOOL && n.a.typ().ID() == arrow.STRING {
		if n.shape == shapeCS {
			s := n.lb.s
			if n.op == "eq" || n.op == "ne" {
				strEqScalar(&av, s, rows, out.bits, n.op == "ne")
				return *out, nil
			}
			for i := range ord {
				ord[i] = int8(bytes.Compare(av.data[av.offs[i]:av.offs[i+1]], s))
			}
		} else {
			for i := range ord {
				ord[i] = int8(bytes.Compare(av.data[av.offs[i]:av.offs[i+1]], bv.data[bv.offs[i]:bv.offs[i+1]]))
			}
		}
	} else {
		if n.shape == shapeCS {
			s := n.lb.dec
			for i, x := range av.dec[:rows] {
				ord[i] = int8(x.Cmp(s))
			}
		} else {
			y := bv.dec[:rows]
			for i, x := range av.dec[:rows] {
				ord[i] = int8(x.Cmp(y[i]))
			}
		}
	}
	orderToBits(n.op, ord, out.bits)
	return *out, nil
}

// strEqScalar is the hot "col = 'literal'" path: a length test rejects
// most rows before any byte is compared.
func strEqScalar(v *vec, s []byte, rows int, out []byte, negate bool) {
	clear(out[:bitmapBytes(rows)])
	ls := int32(len(s))
	offs, data := v.offs[:rows+1], v.data
	for i := 0; i < rows; i++ {
		o0, o1 := offs[i], offs[i+1]
		eq := o1-o0 == ls && string(data[o0:o1]) == string(s)
		if eq != negate {
			out[i>>3] |= 1 << (uint(i) & 7)
		}
	}
}

// cmpBool compares booleans (false < true) with bitwise operations.
type cmpBool struct {
	binNode
	op     string
	lbits  []byte
	filled int
}

// scalarBits broadcasts a boolean literal to nb bytes, once.
func (n *cmpBool) scalarBits(s byte, nb int) []byte {
	if n.filled < nb {
		n.lbits = grow(n.lbits, nb)
		fillBytes(n.lbits, s)
		n.filled = nb
	}
	return n.lbits[:nb]
}

func (n *cmpBool) eval(b arrow.RecordBatch, rows int) (vec, error) {
	av, bv, valid, err := n.operands(b, rows)
	if err != nil {
		return vec{}, err
	}
	nb := bitmapBytes(rows)
	out := &n.out
	out.bits = grow(out.bits, nb)
	out.valid = valid
	x := av.bits[:nb]
	r := out.bits
	var s byte
	var y []byte
	if n.shape == shapeCS {
		if n.lb.b {
			s = 0xff
		}
	} else {
		y = bv.bits[:nb]
	}
	if y == nil {
		y = n.scalarBits(s, nb)
	}
	switch n.op {
	case "eq":
		for i := range r {
			r[i] = ^(x[i] ^ y[i])
		}
	case "ne":
		for i := range r {
			r[i] = x[i] ^ y[i]
		}
	case "lt":
		for i := range r {
			r[i] = ^x[i] & y[i]
		}
	case "le":
		for i := range r {
			r[i] = ^x[i] | y[i]
		}
	case "gt":
		for i := range r {
			r[i] = x[i] &^ y[i]
		}
	case "ge":
		for i := range r {
			r[i] = x[i] | ^y[i]
		}
	}
	return *out, nil
}
