package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// litNode is a constant. Kernels test for it at compile time and take a
// scalar path; eval (broadcast into a column) is only for parents that have
// no scalar path, and fills its scratch once, not per batch.
type litNode struct {
	t    arrow.DataType
	null bool
	i64  int64
	i32  int32
	f64  float64
	dec  decimal128.Num
	b    bool
	s    []byte

	cache  vec
	filled int // rows of cache already broadcast
}

func (l *litNode) typ() arrow.DataType { return l.t }

func newLit(e *Literal) (*litNode, error) {
	t := e.Type
	if t == nil {
		t = TypeNull
	}
	if err := checkSupported(t); err != nil {
		return nil, fmt.Errorf("literal %s: %w", e, err)
	}
	l := &litNode{t: t}
	if e.Value == nil {
		l.null = true
		return l, nil
	}
	bad := func() (*litNode, error) {
		return nil, fmt.Errorf("literal %s: value %T does not fit type %s", e, e.Value, t)
	}
	switch t.ID() {
	case arrow.INT64, arrow.TIMESTAMP, arrow.INT32:
		var v int64
		switch x := e.Value.(type) {
		case int64:
			v = x
		case int:
			v = int64(x)
		case int32:
			v = int64(x)
		default:
			return bad()
		}
		l.i64 = v
		if t.ID() == arrow.INT32 {
			if int64(int32(v)) != v {
				return nil, fmt.Errorf("literal %d out of range for INT", v)
			}
			l.i32 = int32(v)
		}
	case arrow.FLOAT64:
		switch x := e.Value.(type) {
		case float64:
			l.f64 = x
		case int64:
			l.f64 = float64(x)
		case int:
			l.f64 = float64(x)
		default:
			return bad()
		}
	case arrow.DECIMAL128:
		switch x := e.Value.(type) {
		case decimal128.Num:
			l.dec = x
		case int64:
			l.dec = decimal128.FromI64(x).IncreaseScaleBy(t.(*arrow.Decimal128Type).Scale)
		default:
			return bad()
		}
	case arrow.BOOL:
		x, ok := e.Value.(bool)
		if !ok {
			return bad()
		}
		l.b = x
	case arrow.STRING:
		x, ok := e.Value.(string)
		if !ok {
			return bad()
		}
		l.s = []byte(x)
	case arrow.NULL:
		return bad()
	}
	return l, nil
}

func nullLit(t arrow.DataType) *litNode { return &litNode{t: t, null: true} }

// litFromVec turns row 0 of v into a literal (constant folding).
func litFromVec(v *vec, t arrow.DataType) *litNode {
	l := &litNode{t: t}
	if t.ID() == arrow.NULL || !v.isValid(0) {
		l.null = true
		return l
	}
	switch t.ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		l.i64 = v.i64[0]
	case arrow.INT32:
		l.i32 = v.i32[0]
		l.i64 = int64(l.i32)
	case arrow.FLOAT64:
		l.f64 = v.f64[0]
	case arrow.DECIMAL128:
		l.dec = v.dec[0]
	case arrow.BOOL:
		l.b = v.bit(0)
	case arrow.STRING:
		l.s = append([]byte(nil), v.str(0)...)
	}
	return l
}

func (l *litNode) eval(_ arrow.RecordBatch, n int) (vec, error) {
	if n <= l.filled {
		return l.slice(n), nil
	}
	c := &l.cache
	if l.null {
		c.valid = grow(c.valid, bitmapBytes(n))
		clear(c.valid)
	}
	switch l.t.ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		c.i64 = grow(c.i64, n)
		for i := range c.i64 {
			c.i64[i] = l.i64
		}
	case arrow.INT32:
		c.i32 = grow(c.i32, n)
		for i := range c.i32 {
			c.i32[i] = l.i32
		}
	case arrow.FLOAT64:
		c.f64 = grow(c.f64, n)
		for i := range c.f64 {
			c.f64[i] = l.f64
		}
	case arrow.DECIMAL128:
		c.dec = grow(c.dec, n)
		for i := range c.dec {
			c.dec[i] = l.dec
		}
	case arrow.BOOL:
		c.bits = grow(c.bits, bitmapBytes(n))
		if l.b {
			fillBytes(c.bits, 0xff)
		} else {
			clear(c.bits)
		}
	case arrow.STRING:
		c.offs = grow(c.offs, n+1)
		c.data = grow(c.data, n*len(l.s))
		for i := 0; i < n; i++ {
			copy(c.data[i*len(l.s):], l.s)
			c.offs[i] = int32(i * len(l.s))
		}
		c.offs[n] = int32(n * len(l.s))
	}
	l.filled = n
	return l.slice(n), nil
}

func (l *litNode) slice(n int) vec {
	v := l.cache
	if l.null {
		v.valid = v.valid[:bitmapBytes(n)]
	}
	switch l.t.ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		v.i64 = v.i64[:n]
	case arrow.INT32:
		v.i32 = v.i32[:n]
	case arrow.FLOAT64:
		v.f64 = v.f64[:n]
	case arrow.DECIMAL128:
		v.dec = v.dec[:n]
	case arrow.BOOL:
		v.bits = v.bits[:bitmapBytes(n)]
	case arrow.STRING:
		if n == 0 {
			v.offs = zeroOffsets
		} else {
			v.offs = v.offs[:n+1]
		}
	}
	return v
}
