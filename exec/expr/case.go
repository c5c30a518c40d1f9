package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// pickNode is the shared machinery of CASE and COALESCE: per row, choice
// names the branch whose value the row takes (-1: NULL); branches are
// evaluated only when at least one row takes them, so an untaken branch
// never runs (and never raises an error).
type pickNode struct {
	t      arrow.DataType
	vals   []node
	vecs   []vec
	done   []bool
	choice []int16
	remain []byte
	take   []byte
	spread []vec // per branch, for evalNeeded
	out    vec
	sout   strOut
}

func (p *pickNode) typ() arrow.DataType { return p.t }

func (p *pickNode) reset(rows int) {
	p.choice = grow(p.choice, rows)
	for i := range p.choice {
		p.choice[i] = -1
	}
	p.remain = grow(p.remain, bitmapBytes(rows))
	fillBytes(p.remain, 0xff)
	if rows&7 != 0 {
		p.remain[len(p.remain)-1] = byte(1)<<(uint(rows)&7) - 1
	}
	for i := range p.done {
		p.done[i] = false
	}
	if len(p.spread) != len(p.vals) {
		p.spread = make([]vec, len(p.vals))
	}
}

func (p *pickNode) branch(k int, b arrow.RecordBatch, rows int, need []byte) (*vec, error) {
	if !p.done[k] {
		v, err := evalNeeded(p.vals[k], b, rows, need, &p.spread[k])
		if err != nil {
			return nil, err
		}
		p.vecs[k], p.done[k] = v, true
	}
	return &p.vecs[k], nil
}

func anyBits(bm []byte) bool {
	for _, x := range bm {
		if x != 0 {
			return true
		}
	}
	return false
}

func (p *pickNode) assemble(rows int) vec {
	out := &p.out
	nb := bitmapBytes(rows)
	out.valid = grow(out.valid, nb)
	valid := out.valid
	clear(valid)
	for i, k := range p.choice[:rows] {
		if k >= 0 && p.vecs[k].isValid(i) {
			setBit(valid, i)
		}
	}
	switch p.t.ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		out.i64 = grow(out.i64, rows)
		for i, k := range p.choice[:rows] {
			if k >= 0 {
				out.i64[i] = p.vecs[k].i64[i]
			}
		}
	case arrow.INT32:
		out.i32 = grow(out.i32, rows)
		for i, k := range p.choice[:rows] {
			if k >= 0 {
				out.i32[i] = p.vecs[k].i32[i]
			}
		}
	case arrow.FLOAT64:
		out.f64 = grow(out.f64, rows)
		for i, k := range p.choice[:rows] {
			if k >= 0 {
				out.f64[i] = p.vecs[k].f64[i]
			}
		}
	case arrow.DECIMAL128:
		out.dec = grow(out.dec, rows)
		for i, k := range p.choice[:rows] {
			if k >= 0 {
				out.dec[i] = p.vecs[k].dec[i]
			}
		}
	case arrow.BOOL:
		out.bits = grow(out.bits, nb)
		clear(out.bits)
		for i, k := range p.choice[:rows] {
			if k >= 0 && p.vecs[k].bit(i) {
				setBit(out.bits, i)
			}
		}
	case arrow.STRING:
		o := &p.sout
		o.reset(rows)
		data := o.data
		for i, k := range p.choice[:rows] {
			if k >= 0 && getBit(valid, i) {
				data = append(data, p.vecs[k].str(i)...)
			}
			o.offs[i+1] = int32(len(data))
		}
		o.data = data
		out.offs, out.data = o.offs, data
	case arrow.NULL:
	}
	return *out
}

func (c *compiler) branchValue(v node, out arrow.DataType) (node, error) {
	if v.typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	if !arrow.TypeEqual(v.typ(), out) {
		return nil, fmt.Errorf("branch type %s differs from result type %s", v.typ(), out)
	}
	return v, nil
}

type caseNode struct {
	pickNode
	conds      []node
	condSpread vec
}

// newCase compiles the searched CASE (cond1, val1, ..., else).
func newCase(args []node, out arrow.DataType) (node, error) {
	if len(args) < 3 || len(args)%2 == 0 {
		return nil, fmt.Errorf("want cond, value pairs and an else value, got %d arguments", len(args))
	}
	var c compiler
	n := &caseNode{pickNode: pickNode{t: out}}
	for i := 0; i+1 < len(args); i += 2 {
		if err := boolArg(args[i]); err != nil {
			return nil, fmt.Errorf("condition %d: %w", i/2+1, err)
		}
		v, err := c.branchValue(args[i+1], out)
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, asBool(args[i]))
		n.vals = append(n.vals, v)
	}
	v, err := c.branchValue(args[len(args)-1], out)
	if err != nil {
		return nil, err
	}
	n.vals = append(n.vals, v)
	n.vecs = make([]vec, len(n.vals))
	n.done = make([]bool, len(n.vals))
	return n, nil
}

func (n *caseNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	n.reset(rows)
	for k, cond := range n.conds {
		if !anyBits(n.remain) {
			break
		}
		cv, err := evalNeeded(cond, b, rows, n.remain, &n.condSpread)
		if err != nil {
			return vec{}, err
		}
		// take = rows still open whose condition is known true.
		n.take = grow(n.take, len(n.remain))
		hit := false
		for i := range n.remain {
			t := cv.bits[i] & n.remain[i]
			if cv.valid != nil {
				t &= cv.valid[i]
			}
			n.take[i] = t
			if t != 0 {
				hit = true
				for j := 0; j < 8; j++ {
					if t&(1<<j) != 0 {
						n.choice[i*8+j] = int16(k)
					}
				}
				n.remain[i] &^= t
			}
		}
		if hit {
			if _, err := n.branch(k, b, rows, n.take); err != nil {
				return vec{}, err
			}
		}
	}
	if anyBits(n.remain) {
		k := len(n.vals) - 1
		if _, err := n.branch(k, b, rows, n.remain); err != nil {
			return vec{}, err
		}
		for i := 0; i < rows; i++ {
			if getBit(n.remain, i) {
				n.choice[i] = int16(k)
			}
		}
	}
	return n.assemble(rows), nil
}

type coalesceNode struct {
	pickNode
}

func newCoalesce(args []node, out arrow.DataType) (node, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("want at least one argument")
	}
	var c compiler
	n := &coalesceNode{pickNode{t: out}}
	for _, a := range args {
		if isNullLit(a) {
			continue
		}
		v, err := c.branchValue(a, out)
		if err != nil {
			return nil, err
		}
		n.vals = append(n.vals, v)
		if l, ok := v.(*litNode); ok && !l.null {
			break // later arguments are never reached
		}
	}
	if len(n.vals) == 0 {
		return nullLit(out), nil
	}
	if len(n.vals) == 1 {
		return n.vals[0], nil
	}
	n.vecs = make([]vec, len(n.vals))
	n.done = make([]bool, len(n.vals))
	return n, nil
}

func (n *coalesceNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	n.reset(rows)
	for k := range n.vals {
		if !anyBits(n.remain) {
			break
		}
		v, err := n.branch(k, b, rows, n.remain)
		if err != nil {
			return vec{}, err
		}
		for i := range n.remain {
			t := n.remain[i]
			if v.valid != nil {
				t &= v.valid[i]
			}
			if t != 0 {
				for j := 0; j < 8; j++ {
					if t&(1<<j) != 0 {
						n.choice[i*8+j] = int16(k)
					}
				}
				n.remain[i] &^= t
			}
		}
	}
	return n.assemble(rows), nil
}
