package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// CASE, COALESCE, AND and OR evaluate an operand over the whole batch,
// which is fast but may raise an error (an overflow, a failed cast) on a
// row that DuckDB never evaluates there because an earlier branch or
// operand already decided it. When that happens, the operand is evaluated
// again over only the rows that need it. Only the error path pays.

// evalNeeded evaluates n for the rows set in need. A full-batch evaluation
// is tried first; on error, and if need does not cover every row, n is
// evaluated on a batch holding only those rows and the result is spread
// back to row positions in scratch (other rows NULL).
func evalNeeded(n node, b arrow.RecordBatch, rows int, need []byte, scratch *vec) (vec, error) {
	v, err := n.eval(b, rows)
	if err == nil {
		return v, nil
	}
	idx := make([]int, 0, rows)
	for i := 0; i < rows; i++ {
		if getBit(need, i) {
			idx = append(idx, i)
		}
	}
	if len(idx) == rows {
		return vec{}, err
	}
	sub, ferr := filterBatch(b, idx)
	if ferr != nil {
		return vec{}, err
	}
	defer sub.Release()
	sv, err := n.eval(sub, len(idx))
	if err != nil {
		return vec{}, err
	}
	spread(&sv, n.typ(), idx, rows, scratch)
	return *scratch, nil
}

// spread copies row j of v to row idx[j] of out; other rows are NULL.
func spread(v *vec, t arrow.DataType, idx []int, rows int, out *vec) {
	nb := bitmapBytes(rows)
	out.valid = grow(out.valid, nb)
	clear(out.valid)
	for j, i := range idx {
		if v.isValid(j) {
			setBit(out.valid, i)
		}
	}
	switch t.ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		out.i64 = grow(out.i64, rows)
		for j, i := range idx {
			out.i64[i] = v.i64[j]
		}
	case arrow.INT32:
		out.i32 = grow(out.i32, rows)
		for j, i := range idx {
			out.i32[i] = v.i32[j]
		}
	case arrow.FLOAT64:
		out.f64 = grow(out.f64, rows)
		for j, i := range idx {
			out.f64[i] = v.f64[j]
		}
	case arrow.DECIMAL128:
		out.dec = grow(out.dec, rows)
		for j, i := range idx {
			out.dec[i] = v.dec[j]
		}
	case arrow.BOOL:
		out.bits = grow(out.bits, nb)
		clear(out.bits)
		for j, i := range idx {
			if v.bit(j) {
				setBit(out.bits, i)
			}
		}
	case arrow.STRING:
		out.offs = grow(out.offs, rows+1)
		out.data = out.data[:0]
		k := 0
		out.offs[0] = 0
		for i := 0; i < rows; i++ {
			if k < len(idx) && idx[k] == i {
				out.data = append(out.data, v.str(k)...)
				k++
			}
			out.offs[i+1] = int32(len(out.data))
		}
	}
}

// filterBatch copies rows idx of b into a new batch (Go memory).
func filterBatch(b arrow.RecordBatch, idx []int) (arrow.RecordBatch, error) {
	if b.NumCols() == 0 {
		return array.NewRecordBatch(b.Schema(), nil, int64(len(idx))), nil
	}
	cols := make([]arrow.Array, b.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for c := range cols {
		col := b.Column(c)
		bld := array.NewBuilder(memory.DefaultAllocator, col.DataType())
		for _, i := range idx {
			if col.IsNull(i) {
				bld.AppendNull()
				continue
			}
			switch a := col.(type) {
			case *array.Int64:
				bld.(*array.Int64Builder).Append(a.Value(i))
			case *array.Int32:
				bld.(*array.Int32Builder).Append(a.Value(i))
			case *array.Float64:
				bld.(*array.Float64Builder).Append(a.Value(i))
			case *array.String:
				bld.(*array.StringBuilder).Append(a.Value(i))
			case *array.Boolean:
				bld.(*array.BooleanBuilder).Append(a.Value(i))
			case *array.Timestamp:
				bld.(*array.TimestampBuilder).Append(a.Value(i))
			case *array.Decimal128:
				bld.(*array.Decimal128Builder).Append(a.Value(i))
			default:
				// Not a type expressions read: the column only keeps its place.
				bld.Release()
				bld = nil
			}
			if bld == nil {
				break
			}
		}
		if bld == nil {
			cols[c] = array.MakeArrayOfNull(memory.DefaultAllocator, col.DataType(), len(idx))
			continue
		}
		cols[c] = bld.NewArray()
		bld.Release()
	}
	return array.NewRecordBatch(b.Schema(), cols, int64(len(idx))), nil
}
