package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Three-valued logic over bitmaps, a byte (8 rows) at a time. With v the
// value bits and m the validity bits of an operand, "known true" is v&m and
// "known false" is ^v&m; AND is false if either side is known false, true
// if both are known true, NULL otherwise (OR symmetrically).

func boolArg(n node) error {
	if id := n.typ().ID(); id != arrow.BOOL && id != arrow.NULL {
		return fmt.Errorf("argument must be BOOLEAN, got %s", n.typ())
	}
	return nil
}

// asBool gives NULL-typed operands a boolean NULL literal.
func asBool(n node) node {
	if n.typ().ID() == arrow.NULL {
		return nullLit(TypeBoolean)
	}
	return n
}

type logicNode struct {
	and    bool
	args   []node
	out    vec
	need   []byte
	spread vec
	one    []byte
}

func newLogic(op string, args []node, out arrow.DataType) (node, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("want at least 2 arguments, got %d", len(args))
	}
	if out.ID() != arrow.BOOL {
		return nil, fmt.Errorf("result type must be BOOLEAN, got %s", out)
	}
	for i, a := range args {
		if err := boolArg(a); err != nil {
			return nil, err
		}
		args[i] = asBool(a)
	}
	return &logicNode{and: op == "and", args: args}, nil
}

func (n *logicNode) typ() arrow.DataType { return TypeBoolean }

func (n *logicNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	nb := bitmapBytes(rows)
	out := &n.out
	out.bits = grow(out.bits, nb)
	out.valid = grow(out.valid, nb)
	val, valid := out.bits, out.valid
	anyNull := false
	for k, a := range n.args {
		var v vec
		var err error
		if k == 0 {
			v, err = a.eval(b, rows)
		} else {
			// Rows already decided (false for AND, true for OR) do not
			// need this operand; see evalNeeded.
			n.need = grow(n.need, nb)
			need := n.need
			if n.and {
				for i := range need {
					need[i] = val[i] | ^valid[i]
				}
			} else {
				for i := range need {
					need[i] = ^(val[i] & valid[i])
				}
			}
			v, err = evalNeeded(a, b, rows, n.need, &n.spread)
		}
		if err != nil {
			return vec{}, err
		}
		x := v.bits[:nb]
		if k == 0 {
			copy(val, x)
			if v.valid == nil {
				fillBytes(valid, 0xff)
			} else {
				copy(valid, v.valid[:nb])
				anyNull = true
			}
			continue
		}
		switch {
		case v.valid == nil && !anyNull && n.and:
			for i := range val {
				val[i] &= x[i]
			}
		case v.valid == nil && !anyNull:
			for i := range val {
				val[i] |= x[i]
			}
		default:
			anyNull = true
			m := v.valid
			if m == nil {
				m = n.ones(nb)
			}
			if n.and {
				and3(val, valid, x, m[:nb])
			} else {
				or3(val, valid, x, m[:nb])
			}
		}
	}
	res := *out
	if !anyNull {
		res.valid = nil
	}
	return res, nil
}

// and3 combines (val, valid) with (x, m) under three-valued AND.
func and3(val, valid, x, m []byte) {
	for i := range val {
		va, ma, vb, mb := val[i], valid[i], x[i], m[i]
		t := va & ma & vb & mb
		val[i] = t
		valid[i] = t | (^va & ma) | (^vb & mb)
	}
}

// or3 combines (val, valid) with (x, m) under three-valued OR.
func or3(val, valid, x, m []byte) {
	for i := range val {
		va, ma, vb, mb := val[i], valid[i], x[i], m[i]
		t := (va & ma) | (vb & mb)
		val[i] = t
		valid[i] = t | (^va & ma & ^vb & mb)
	}
}

func (n *logicNode) ones(nb int) []byte {
	if len(n.one) < nb {
		n.one = make([]byte, nb)
		fillBytes(n.one, 0xff)
	}
	return n.one
}

type notNode struct {
	a   node
	out vec
}

func newNot(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return nil, err
	}
	if err := boolArg(args[0]); err != nil {
		return nil, err
	}
	return &notNode{a: asBool(args[0])}, nil
}

func (n *notNode) typ() arrow.DataType { return TypeBoolean }

func (n *notNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	v, err := n.a.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	nb := bitmapBytes(rows)
	n.out.bits = grow(n.out.bits, nb)
	for i, x := range v.bits[:nb] {
		n.out.bits[i] = ^x
	}
	n.out.valid = v.valid
	return n.out, nil
}

// isTestNode is IS [NOT] NULL / TRUE / FALSE: never NULL itself.
type isTestNode struct {
	k          func(r, valid, val []byte)
	onNull     byte // result byte for a NULL-typed argument
	a          node
	out        vec
	one, zero  []byte
	nOne, nZer int
}

func (n *isTestNode) ones(nb int) []byte {
	if n.nOne < nb {
		n.one = grow(n.one, nb)
		fillBytes(n.one, 0xff)
		n.nOne = nb
	}
	return n.one
}

func (n *isTestNode) zeros(nb int) []byte {
	if n.nZer < nb {
		n.zero = make([]byte, nb)
		n.nZer = nb
	}
	return n.zero
}

func newIsTest(op string, args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return nil, err
	}
	a := args[0]
	if op != "is_null" && op != "is_not_null" {
		if err := boolArg(a); err != nil {
			return nil, err
		}
		a = asBool(a)
	}
	n := &isTestNode{a: a}
	switch op {
	case "is_null":
		n.k, n.onNull = func(r, m, _ []byte) {
			for i := range r {
				r[i] = ^m[i]
			}
		}, 0xff
	case "is_not_null":
		n.k = func(r, m, _ []byte) { copy(r, m) }
	case "is_true":
		n.k = func(r, m, x []byte) {
			for i := range r {
				r[i] = x[i] & m[i]
			}
		}
	case "is_false":
		n.k = func(r, m, x []byte) {
			for i := range r {
				r[i] = ^x[i] & m[i]
			}
		}
	case "is_not_true":
		n.k, n.onNull = func(r, m, x []byte) {
			for i := range r {
				r[i] = ^(x[i] & m[i])
			}
		}, 0xff
	case "is_not_false":
		n.k, n.onNull = func(r, m, x []byte) {
			for i := range r {
				r[i] = ^(^x[i] & m[i])
			}
		}, 0xff
	}
	return n, nil
}

func (n *isTestNode) typ() arrow.DataType { return TypeBoolean }

func (n *isTestNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	v, err := n.a.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	nb := bitmapBytes(rows)
	r := grow(n.out.bits, nb)
	n.out.bits = r
	n.out.valid = nil
	if n.a.typ().ID() == arrow.NULL {
		fillBytes(r, n.onNull)
		return n.out, nil
	}
	m, x := v.valid, v.bits
	if m == nil {
		m = n.ones(nb)
	}
	if x == nil {
		x = n.zeros(nb)
	}
	n.k(r, m[:nb], x[:nb])
	return n.out, nil
}
