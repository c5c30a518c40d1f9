package expr

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
)

type number interface{ ~int32 | ~int64 | ~float64 }
type integer interface{ ~int32 | ~int64 }

// slot returns the value slice of v that holds T.
func slot[T number](v *vec) *[]T {
	var z T
	switch any(z).(type) {
	case int64:
		return any(&v.i64).(*[]T)
	case int32:
		return any(&v.i32).(*[]T)
	default:
		return any(&v.f64).(*[]T)
	}
}

func scalarOf[T number](l *litNode) T {
	var z T
	switch any(z).(type) {
	case int64:
		return T(l.i64)
	case int32:
		return T(l.i32)
	default:
		return T(l.f64)
	}
}

// shape says which operands are columns: cc (both), cs (right is a
// literal), sc (left is a literal).
type shape uint8

const (
	shapeCC shape = iota
	shapeCS
	shapeSC
)

// binNode holds the two operands of a binary kernel and the shape chosen
// at compile time.
type binNode struct {
	a, b   node
	la, lb *litNode
	shape  shape
	t      arrow.DataType
	out    vec
	// validScratch keeps a combined validity bitmap when it cannot alias
	// an input's.
	validScratch []byte
	nullScratch  []byte
}

func (n *binNode) typ() arrow.DataType { return n.t }

func newBin(a, b node, t arrow.DataType) binNode {
	bn := binNode{a: a, b: b, t: t}
	if l, ok := b.(*litNode); ok {
		bn.lb, bn.shape = l, shapeCS
	} else if l, ok := a.(*litNode); ok {
		bn.la, bn.shape = l, shapeSC
	}
	return bn
}

// operands evaluates the column operands; for a literal operand the vec is
// empty and the kernel reads the literal instead.
func (n *binNode) operands(b arrow.RecordBatch, rows int) (av, bv vec, valid []byte, err error) {
	if n.shape != shapeSC {
		if av, err = n.a.eval(b, rows); err != nil {
			return
		}
	}
	if n.shape != shapeCS {
		if bv, err = n.b.eval(b, rows); err != nil {
			return
		}
	}
	switch n.shape {
	case shapeCC:
		valid = andValid(&n.validScratch, av.valid, bv.valid, rows)
	case shapeCS:
		valid = av.valid
	case shapeSC:
		valid = bv.valid
	}
	return
}

func numericArg(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT64, arrow.INT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.TIMESTAMP:
		return true
	}
	return false
}

func newArith(op string, args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return nil, err
	}
	a, b := args[0], args[1]
	at, bt := a.typ(), b.typ()
	if at.ID() == arrow.NULL || bt.ID() == arrow.NULL || isNullLit(a) || isNullLit(b) {
		return nullLit(out), nil
	}
	if !numericArg(at) || !sameTypes(at, bt) {
		return nil, fmt.Errorf("arguments must be the same numeric type, got %s and %s", at, bt)
	}
	if at.ID() == arrow.DECIMAL128 {
		return newDecArith(op, a, b, out)
	}
	if !arrow.TypeEqual(at, out) {
		return nil, fmt.Errorf("result type %s differs from argument type %s", out, at)
	}
	bn := newBin(a, b, out)
	switch at.ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		return newIntArith[int64](op, bn, "INT64"), nil
	case arrow.INT32:
		return newIntArith[int32](op, bn, "INT32"), nil
	default:
		return newFloatArith(op, bn), nil
	}
}

type intArith[T integer] struct {
	binNode
	op     string // for error messages
	name   string
	divMod bool
	cc     func(x, y, r []T) bool
	cs     func(x []T, s T, r []T) bool
	sc     func(s T, y, r []T) bool
}

func newIntArith[T integer](op string, bn binNode, name string) node {
	n := &intArith[T]{op: op, name: name}
	switch op {
	case "add":
		n.cc, n.cs = addCC[T], addCS[T]
	case "sub":
		minv := minInt[T]()
		// x - s is x + (-s); -minInt wraps to itself, which overflow()
		// then checks row by row.
		n.cc, n.sc = subCC[T], subSC[T]
		n.cs = func(x []T, s T, r []T) bool { return addCS(x, -s, r) || s == minv }
	case "mul":
		n.cc, n.cs = mulCC[T], mulCS[T]
	case "div", "mod":
		n.divMod = true
	}
	// Commutative operators only need the column-scalar form.
	if bn.shape == shapeSC && (op == "add" || op == "mul") {
		bn.a, bn.b, bn.la, bn.lb, bn.shape = bn.b, bn.a, nil, bn.la, shapeCS
	}
	n.binNode = bn
	return n
}

func (n *intArith[T]) eval(b arrow.RecordBatch, rows int) (vec, error) {
	av, bv, valid, err := n.operands(b, rows)
	if err != nil {
		return vec{}, err
	}
	out := &n.out
	r := grow(*slot[T](out), rows)
	*slot[T](out) = r
	out.valid = valid
	var x, y []T
	var s T
	switch n.shape {
	case shapeCC:
		x, y = *slot[T](&av), *slot[T](&bv)
	case shapeCS:
		x, s = *slot[T](&av), scalarOf[T](n.lb)
	case shapeSC:
		y, s = *slot[T](&bv), scalarOf[T](n.la)
	}
	if n.divMod {
		return n.divModEval(x, y, s, r, valid, rows)
	}
	var bad bool
	switch n.shape {
	case shapeCC:
		bad = n.cc(x, y, r)
	case shapeCS:
		bad = n.cs(x, s, r)
	case shapeSC:
		bad = n.sc(s, y, r)
	}
	if bad {
		if err := n.overflow(x, y, s, valid, rows); err != nil {
			return vec{}, err
		}
	}
	return *out, nil
}

func minInt[T integer]() T {
	var z T
	switch any(z).(type) {
	case int32:
		return T(math.MinInt32)
	}
	m := int64(math.MinInt64)
	return T(m)
}

// overflow finds the first valid row whose result overflowed and reports
// it the way DuckDB does. Rows under NULL may hold garbage that overflows;
// they are not errors.
func (n *intArith[T]) overflow(x, y []T, s T, valid []byte, rows int) error {
	opName := map[string]string{"add": "addition", "sub": "subtraction", "mul": "multiplication"}[n.op]
	sym := map[string]string{"add": "+", "sub": "-", "mul": "*"}[n.op]
	for i := 0; i < rows; i++ {
		if valid != nil && !getBit(valid, i) {
			continue
		}
		var a, b T
		switch n.shape {
		case shapeCC:
			a, b = x[i], y[i]
		case shapeCS:
			a, b = x[i], s
		case shapeSC:
			a, b = s, y[i]
		}
		if _, ok := checkedOp(n.op, int64(a), int64(b), n.name == "INT32"); !ok {
			return fmt.Errorf("overflow in %s of %s (%d %s %d)", opName, n.name, a, sym, b)
		}
	}
	return nil
}

func checkedOp(op string, a, b int64, is32 bool) (int64, bool) {
	var r int64
	switch op {
	case "add":
		r = a + b
		if (a^r)&(b^r) < 0 {
			return 0, false
		}
	case "sub":
		r = a - b
		if (a^b)&(a^r) < 0 {
			return 0, false
		}
	case "mul":
		hi, lo := bits.Mul64(uint64(a), uint64(b))
		shi := int64(hi) - (a>>63)&b - (b>>63)&a
		r = int64(lo)
		if shi != r>>63 {
			return 0, false
		}
	}
	if is32 && int64(int32(r)) != r {
		return 0, false
	}
	return r, true
}

// The overflow tests accumulate a flag over the whole batch instead of
// branching per row; the rare failing batch is rescanned for the message.

func addCC[T integer](x, y, r []T) bool {
	x, y = x[:len(r)], y[:len(r)]
	var acc T
	for i := range r {
		a, b := x[i], y[i]
		s := a + b
		r[i] = s
		acc |= (a ^ s) & (b ^ s)
	}
	return acc < 0
}

func addCS[T integer](x []T, b T, r []T) bool {
	x = x[:len(r)]
	var acc T
	for i := range r {
		a := x[i]
		s := a + b
		r[i] = s
		acc |= (a ^ s) & (b ^ s)
	}
	return acc < 0
}

func subCC[T integer](x, y, r []T) bool {
	x, y = x[:len(r)], y[:len(r)]
	var acc T
	for i := range r {
		a, b := x[i], y[i]
		s := a - b
		r[i] = s
		acc |= (a ^ b) & (a ^ s)
	}
	return acc < 0
}

func subSC[T integer](a T, y, r []T) bool {
	y = y[:len(r)]
	var acc T
	for i := range r {
		b := y[i]
		s := a - b
		r[i] = s
		acc |= (a ^ b) & (a ^ s)
	}
	return acc < 0
}

func mulCC[T integer](x, y, r []T) bool {
	x, y = x[:len(r)], y[:len(r)]
	var z T
	if _, is32 := any(z).(int32); is32 {
		var acc int64
		for i := range r {
			p := int64(x[i]) * int64(y[i])
			r[i] = T(p)
			acc |= p ^ int64(int32(p))
		}
		return acc != 0
	}
	var acc int64
	for i := range r {
		a, b := int64(x[i]), int64(y[i])
		hi, lo := bits.Mul64(uint64(a), uint64(b))
		shi := int64(hi) - (a>>63)&b - (b>>63)&a
		r[i] = T(lo)
		acc |= shi ^ (int64(lo) >> 63)
	}
	return acc != 0
}

func mulCS[T integer](x []T, s T, r []T) bool {
	x = x[:len(r)]
	var z T
	b := int64(s)
	if _, is32 := any(z).(int32); is32 {
		var acc int64
		for i := range r {
			p := int64(x[i]) * b
			r[i] = T(p)
			acc |= p ^ int64(int32(p))
		}
		return acc != 0
	}
	var acc int64
	for i := range r {
		a := int64(x[i])
		hi, lo := bits.Mul64(uint64(a), uint64(b))
		shi := int64(hi) - (a>>63)&b - (b>>63)&a
		r[i] = T(lo)
		acc |= shi ^ (int64(lo) >> 63)
	}
	return acc != 0
}

// divMod: integer division truncates toward zero and % takes the sign of
// the dividend (Go and DuckDB agree); a zero divisor makes the row NULL.
func (n *intArith[T]) divModEval(x, y []T, s T, r []T, valid []byte, rows int) (vec, error) {
	out := &n.out
	isDiv := n.op == "div"
	minv := minInt[T]()
	var zeros bool
	for i := range r {
		var a, b T
		switch n.shape {
		case shapeCC:
			a, b = x[i], y[i]
		case shapeCS:
			a, b = x[i], s
		case shapeSC:
			a, b = s, y[i]
		}
		switch {
		case b == 0:
			zeros = true
			r[i] = 0
		case b == -1:
			if a == minv && (valid == nil || getBit(valid, i)) {
				sym := "/"
				if !isDiv {
					sym = "%"
				}
				return vec{}, fmt.Errorf("overflow in division of %s (%d %s %d)", n.name, a, sym, b)
			}
			if isDiv {
				r[i] = -a
			} else {
				r[i] = 0
			}
		case isDiv:
			r[i] = a / b
		default:
			r[i] = a % b
		}
	}
	if zeros {
		// Only batches with a zero divisor pay for a private validity copy.
		dst := ownValid(&n.nullScratch, valid, rows)
		for i := range r {
			if (n.shape != shapeCS && y[i] == 0) || (n.shape == shapeCS && s == 0) {
				clearBit(dst, i)
			}
		}
		out.valid = dst
	}
	return *out, nil
}

// floatArith follows IEEE 754 like DuckDB: x/0 is ±inf or NaN, never NULL.
type floatArith struct {
	binNode
	cc func(x, y, r []float64)
	cs func(x []float64, s float64, r []float64)
	sc func(s float64, y, r []float64)
}

func newFloatArith(op string, bn binNode) *floatArith {
	n := &floatArith{}
	switch op {
	case "add":
		n.cc, n.cs = fAddCC, fAddCS
	case "sub":
		n.cc, n.cs, n.sc = fSubCC, fSubCS, fSubSC
	case "mul":
		n.cc, n.cs = fMulCC, fMulCS
	case "div":
		n.cc, n.cs, n.sc = fDivCC, fDivCS, fDivSC
	case "mod":
		n.cc, n.cs, n.sc = fModCC, fModCS, fModSC
	}
	if bn.shape == shapeSC && n.sc == nil { // commutative
		bn.a, bn.b, bn.la, bn.lb, bn.shape = bn.b, bn.a, nil, bn.la, shapeCS
	}
	n.binNode = bn
	return n
}

func (n *floatArith) eval(b arrow.RecordBatch, rows int) (vec, error) {
	av, bv, valid, err := n.operands(b, rows)
	if err != nil {
		return vec{}, err
	}
	out := &n.out
	out.f64 = grow(out.f64, rows)
	out.valid = valid
	switch n.shape {
	case shapeCC:
		n.cc(av.f64, bv.f64, out.f64)
	case shapeCS:
		n.cs(av.f64, n.lb.f64, out.f64)
	case shapeSC:
		n.sc(n.la.f64, bv.f64, out.f64)
	}
	return *out, nil
}

// fmod is C's fmod as DuckDB computes it: an invalid operation (x % 0,
// inf % y) yields the processor's default NaN, which prints as -nan,
// where math.Mod returns a positive NaN.
func fmod(x, y float64) float64 {
	r := math.Mod(x, y)
	if r != r && x == x && y == y {
		return defaultNaN
	}
	return r
}

var defaultNaN = math.Float64frombits(0xFFF8000000000000)

// negNode is unary minus.
type negNode struct {
	a   node
	t   arrow.DataType
	out vec
}

func newNeg(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return nil, err
	}
	if isNullLit(args[0]) || args[0].typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	if !numericArg(args[0].typ()) || !arrow.TypeEqual(args[0].typ(), out) {
		return nil, fmt.Errorf("argument %s must be numeric and equal to result type %s", args[0].typ(), out)
	}
	return &negNode{a: args[0], t: out}, nil
}

func (n *negNode) typ() arrow.DataType { return n.t }

func (n *negNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	v, err := n.a.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	out := &n.out
	out.valid = v.valid
	switch n.t.ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		out.i64 = grow(out.i64, rows)
		if negInts(v.i64, out.i64, v.valid) {
			return vec{}, fmt.Errorf("overflow in negation of INT64")
		}
	case arrow.INT32:
		out.i32 = grow(out.i32, rows)
		if negInts(v.i32, out.i32, v.valid) {
			return vec{}, fmt.Errorf("overflow in negation of INT32")
		}
	case arrow.FLOAT64:
		out.f64 = grow(out.f64, rows)
		for i, x := range v.f64[:rows] {
			out.f64[i] = -x
		}
	case arrow.DECIMAL128:
		out.dec = grow(out.dec, rows)
		for i, x := range v.dec[:rows] {
			out.dec[i] = x.Negate()
		}
	}
	return *out, nil
}

func negInts[T integer](x, r []T, valid []byte) bool {
	x = x[:len(r)]
	minv := minInt[T]()
	bad := false
	for i := range r {
		r[i] = -x[i]
		if x[i] == minv {
			bad = bad || valid == nil || getBit(valid, i)
		}
	}
	return bad
}
