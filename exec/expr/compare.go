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
	ordBits := cmpKernelsFor[int8](op).cs
	switch a.typ().ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		return &cmpNum[int64]{binNode: bn, k: cmpKernelsFor[int64](op)}, nil
	case arrow.INT32:
		return &cmpNum[int32]{binNode: bn, k: cmpKernelsFor[int32](op)}, nil
	case arrow.FLOAT64:
		return &cmpFloat{cmpNum: cmpNum[float64]{binNode: bn, k: cmpKernelsFor[float64](op)}, ordBits: ordBits}, nil
	case arrow.STRING, arrow.DECIMAL128:
		return &cmpGeneric{binNode: bn, ordBits: ordBits, strEq: op == "eq" || op == "ne", negate: op == "ne"}, nil
	case arrow.BOOL:
		return &cmpBool{binNode: bn, k: boolKernelFor(op)}, nil
	}
	return nil, fmt.Errorf("cannot compare %s", a.typ())
}

// cmpNum compares int32, int64 and timestamp columns.
type cmpNum[T int32 | int64 | float64] struct {
	binNode
	k cmpKernels[T]
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
		n.k.cc(x[:rows], (*slot[T](&bv))[:rows], out.bits)
	} else {
		n.k.cs(x[:rows], scalarOf[T](n.lb), out.bits)
	}
	return *out, nil
}

// cmpKernels are the column-column and column-scalar loops of one
// operator, picked at compile time.
type cmpKernels[T cmp.Ordered] struct {
	cc func(x, y []T, out []byte)
	cs func(x []T, s T, out []byte)
}

func cmpKernelsFor[T cmp.Ordered](op string) cmpKernels[T] {
	switch op {
	case "eq":
		return cmpKernels[T]{eqCC[T], eqCS[T]}
	case "ne":
		return cmpKernels[T]{neCC[T], neCS[T]}
	case "lt":
		return cmpKernels[T]{ltCC[T], ltCS[T]}
	case "le":
		return cmpKernels[T]{leCC[T], leCS[T]}
	case "gt":
		return cmpKernels[T]{gtCC[T], gtCS[T]}
	}
	return cmpKernels[T]{geCC[T], geCS[T]}
}

// cmpFloat orders NaN above every number and equal to itself, as DuckDB
// does; batches without NaN take the plain machine comparison.
type cmpFloat struct {
	cmpNum[float64]
	ord     []int8
	ordBits func(x []int8, s int8, out []byte) // three-way result -> bits
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
			n.k.cc(x, y, out.bits)
			return *out, nil
		}
		n.ord = grow(n.ord, rows)
		for i := range n.ord {
			n.ord[i] = floatOrder(x[i], y[i])
		}
	} else {
		s := n.lb.f64
		if s == s && !hasNaN(x) {
			n.k.cs(x, s, out.bits)
			return *out, nil
		}
		n.ord = grow(n.ord, rows)
		for i := range n.ord {
			n.ord[i] = floatOrder(x[i], s)
		}
	}
	n.ordBits(n.ord, 0, out.bits)
	return *out, nil
}

// cmpGeneric compares strings (bytewise, as DuckDB) and decimals through
// a three-way result per row.
type cmpGeneric struct {
	binNode
	ordBits func(x []int8, s int8, out []byte) // three-way result -> bits
	strEq   bool                               // col = 'lit' / col <> 'lit'
	negate  bool
	ord     []int8
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
			if n.strEq {
				strEqScalar(&av, s, rows, out.bits, n.negate)
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
	n.ordBits(ord, 0, out.bits)
	return *out, nil
}

// strEqScalar is the hot "col = 'literal'" path: a length test rejects
// most rows before any byte is compared.
func strEqScalar(v *vec, s []byte, rows int, out []byte, negate bool) {
	clear(out[:bitmapBytes(rows)])
	ls := int32(len(s))
	offs, data := v.offs[:rows+1], v.data
	flip := b2u(negate)
	for i := 0; i < rows; i++ {
		o0, o1 := offs[i], offs[i+1]
		var eq byte
		if o1-o0 == ls {
			eq = b2u(string(data[o0:o1]) == string(s))
		}
		out[i>>3] |= (eq ^ flip) << (uint(i) & 7)
	}
}

// cmpBool compares booleans (false < true) with bitwise operations.
type cmpBool struct {
	binNode
	k      func(x, y, r []byte)
	lbits  []byte
	filled int
}

func boolKernelFor(op string) func(x, y, r []byte) {
	switch op {
	case "eq":
		return func(x, y, r []byte) {
			for i := range r {
				r[i] = ^(x[i] ^ y[i])
			}
		}
	case "ne":
		return func(x, y, r []byte) {
			for i := range r {
				r[i] = x[i] ^ y[i]
			}
		}
	case "lt":
		return func(x, y, r []byte) {
			for i := range r {
				r[i] = ^x[i] & y[i]
			}
		}
	case "le":
		return func(x, y, r []byte) {
			for i := range r {
				r[i] = ^x[i] | y[i]
			}
		}
	case "gt":
		return func(x, y, r []byte) {
			for i := range r {
				r[i] = x[i] &^ y[i]
			}
		}
	}
	return func(x, y, r []byte) {
		for i := range r {
			r[i] = x[i] | ^y[i]
		}
	}
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
	var y []byte
	if n.shape == shapeCS {
		var s byte
		if n.lb.b {
			s = 0xff
		}
		y = n.scalarBits(s, nb)
	} else {
		y = bv.bits[:nb]
	}
	n.k(av.bits[:nb], y, out.bits)
	return *out, nil
}
