package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// newIn compiles x IN (v1, ...). A list of literals becomes a set built
// once here; SQL semantics: a match is true, no match is false unless the
// list holds a NULL (then NULL), and a NULL x is NULL. A list with column
// items is x = v1 OR x = v2 ..., which has exactly those semantics.
func newIn(args []node, out arrow.DataType) (node, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("want a value and at least one list item, got %d arguments", len(args))
	}
	if out.ID() != arrow.BOOL {
		return nil, fmt.Errorf("result type must be BOOLEAN, got %s", out)
	}
	x := args[0]
	if isNullLit(x) || x.typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	allLit := true
	for _, a := range args[1:] {
		if a.typ().ID() != arrow.NULL && !arrow.TypeEqual(a.typ(), x.typ()) {
			return nil, fmt.Errorf("list item type %s differs from value type %s", a.typ(), x.typ())
		}
		if _, ok := a.(*litNode); !ok {
			allLit = false
		}
	}
	if !allLit {
		sv := &sharedVal{n: x}
		ors := make([]node, 0, len(args)-1)
		for _, a := range args[1:] {
			if a.typ().ID() == arrow.NULL {
				a = nullLit(x.typ())
			}
			eq, err := newCompare("eq", []node{&sharedRef{s: sv}, a}, TypeBoolean)
			if err != nil {
				return nil, err
			}
			ors = append(ors, eq)
		}
		var body node = ors[0]
		if len(ors) > 1 {
			var err error
			if body, err = newLogic("or", ors, out); err != nil {
				return nil, err
			}
		}
		return &withShared{s: sv, body: body}, nil
	}
	n := &inNode{x: x}
	for _, a := range args[1:] {
		l := a.(*litNode)
		if l.null {
			n.listNull = true
			continue
		}
		switch x.typ().ID() {
		case arrow.INT64, arrow.TIMESTAMP:
			n.ints = append(n.ints, l.i64)
		case arrow.INT32:
			n.ints = append(n.ints, int64(l.i32))
		case arrow.FLOAT64:
			if l.f64 != l.f64 {
				n.nan = true
			} else {
				n.floats = append(n.floats, l.f64)
			}
		case arrow.STRING:
			n.strs = append(n.strs, string(l.s))
		case arrow.DECIMAL128:
			n.decs = append(n.decs, l.dec)
		case arrow.BOOL:
			if l.b {
				n.hasTrue = true
			} else {
				n.hasFalse = true
			}
		default:
			return nil, fmt.Errorf("IN over %s is not supported", x.typ())
		}
	}
	// Short lists are scanned; longer ones hashed.
	if len(n.ints) > inLinearMax {
		n.intSet = make(map[int64]struct{}, len(n.ints))
		for _, v := range n.ints {
			n.intSet[v] = struct{}{}
		}
	}
	if len(n.floats) > inLinearMax {
		n.floatSet = make(map[float64]struct{}, len(n.floats))
		for _, v := range n.floats {
			n.floatSet[v] = struct{}{}
		}
	}
	if len(n.strs) > inLinearMax {
		n.strSet = make(map[string]struct{}, len(n.strs))
		for _, v := range n.strs {
			n.strSet[v] = struct{}{}
		}
	}
	if len(n.decs) > 0 {
		n.decSet = make(map[decimal128.Num]struct{}, len(n.decs))
		for _, v := range n.decs {
			n.decSet[v] = struct{}{}
		}
	}
	return n, nil
}

const inLinearMax = 8

type inNode struct {
	x        node
	listNull bool
	ints     []int64
	floats   []float64
	strs     []string
	decs     []decimal128.Num
	nan      bool
	hasTrue  bool
	hasFalse bool
	intSet   map[int64]struct{}
	floatSet map[float64]struct{}
	strSet   map[string]struct{}
	decSet   map[decimal128.Num]struct{}
	out      vec

	nullScratch []byte
}

func (n *inNode) typ() arrow.DataType { return TypeBoolean }

func containsInt(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (n *inNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	v, err := n.x.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	nb := bitmapBytes(rows)
	out := &n.out
	out.bits = grow(out.bits, nb)
	r := out.bits
	clear(r)
	switch n.x.typ().ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		if n.intSet != nil {
			for i, x := range v.i64[:rows] {
				if _, ok := n.intSet[x]; ok {
					r[i>>3] |= 1 << (uint(i) & 7)
				}
			}
		} else {
			for i, x := range v.i64[:rows] {
				r[i>>3] |= b2u(containsInt(n.ints, x)) << (uint(i) & 7)
			}
		}
	case arrow.INT32:
		if n.intSet != nil {
			for i, x := range v.i32[:rows] {
				if _, ok := n.intSet[int64(x)]; ok {
					r[i>>3] |= 1 << (uint(i) & 7)
				}
			}
		} else {
			for i, x := range v.i32[:rows] {
				r[i>>3] |= b2u(containsInt(n.ints, int64(x))) << (uint(i) & 7)
			}
		}
	case arrow.FLOAT64:
		for i, x := range v.f64[:rows] {
			var hit bool
			if x != x {
				hit = n.nan
			} else if n.floatSet != nil {
				_, hit = n.floatSet[x]
			} else {
				for _, y := range n.floats {
					hit = hit || x == y
				}
			}
			r[i>>3] |= b2u(hit) << (uint(i) & 7)
		}
	case arrow.STRING:
		for i := 0; i < rows; i++ {
			s := v.data[v.offs[i]:v.offs[i+1]]
			var hit bool
			if n.strSet != nil {
				_, hit = n.strSet[string(s)]
			} else {
				for _, y := range n.strs {
					if string(s) == y {
						hit = true
						break
					}
				}
			}
			r[i>>3] |= b2u(hit) << (uint(i) & 7)
		}
	case arrow.DECIMAL128:
		for i, x := range v.dec[:rows] {
			_, hit := n.decSet[x]
			r[i>>3] |= b2u(hit) << (uint(i) & 7)
		}
	case arrow.BOOL:
		for i := range r {
			x := v.bits[i]
			var m byte
			if n.hasTrue {
				m |= x
			}
			if n.hasFalse {
				m |= ^x
			}
			r[i] = m
		}
	}
	out.valid = v.valid
	if n.listNull {
		// No match with a NULL in the list is NULL, not false.
		dst := ownValid(&n.nullScratch, v.valid, rows)
		for i := range dst {
			dst[i] &= r[i]
		}
		out.valid = dst
	}
	return *out, nil
}
