package expr

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// vec is the intermediate result of one node for one batch: typed Go slices
// that either alias the input batch's Arrow buffers (column references) or
// a node's own scratch, reused from batch to batch. Only the root of the
// tree copies into freshly allocated Arrow memory, so a tree of N nodes
// costs one Arrow allocation per batch, not N.
//
// Exactly one value representation is set, chosen by the node's type:
// i64 (BIGINT, TIMESTAMP ms), i32 (INT), f64 (DOUBLE), dec (DECIMAL),
// bits (BOOLEAN, LSB bitmap), offs+data (VARCHAR: row i is
// data[offs[i]:offs[i+1]]; offs need not start at 0).
type vec struct {
	valid []byte // validity bitmap starting at bit 0; nil means no NULLs
	i64   []int64
	i32   []int32
	f64   []float64
	dec   []decimal128.Num
	bits  []byte
	offs  []int32
	data  []byte
}

func (v *vec) isValid(i int) bool {
	return v.valid == nil || v.valid[i>>3]&(1<<(uint(i)&7)) != 0
}

func (v *vec) bit(i int) bool { return v.bits[i>>3]&(1<<(uint(i)&7)) != 0 }

func (v *vec) str(i int) []byte { return v.data[v.offs[i]:v.offs[i+1]] }

// grow returns s resized to n, reallocating only when capacity is short, so
// steady-state evaluation allocates nothing.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

func bitmapBytes(n int) int { return (n + 7) >> 3 }

func setBit(bm []byte, i int)   { bm[i>>3] |= 1 << (uint(i) & 7) }
func clearBit(bm []byte, i int) { bm[i>>3] &^= 1 << (uint(i) & 7) }

func getBit(bm []byte, i int) bool { return bm[i>>3]&(1<<(uint(i)&7)) != 0 }

func fillBytes(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// andValid combines two validity bitmaps; nil is "all valid". Only when
// both have NULLs does it write into scratch.
func andValid(scratch *[]byte, a, b []byte, n int) []byte {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	nb := bitmapBytes(n)
	dst := grow(*scratch, nb)
	*scratch = dst
	a, b = a[:nb], b[:nb]
	for i := range dst {
		dst[i] = a[i] & b[i]
	}
	return dst
}

// bufBytes returns the bytes of buffer i of d, or nil.
func bufBytes(d arrow.ArrayData, i int) []byte {
	bufs := d.Buffers()
	if i >= len(bufs) || bufs[i] == nil {
		return nil
	}
	return bufs[i].Bytes()
}

func castSlice[T any](b []byte) []T {
	if len(b) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/int(unsafe.Sizeof(z)))
}

// alignedBitmap returns the n bits of bm starting at bit off as a bitmap
// starting at bit 0, copying into scratch only for offsets that are not a
// multiple of 8 (sliced batches).
func alignedBitmap(scratch *[]byte, bm []byte, off, n int) []byte {
	if off&7 == 0 {
		return bm[off>>3:]
	}
	*scratch = grow(*scratch, bitmapBytes(n))
	bitutil.CopyBitmap(bm, off, n, *scratch, 0)
	return *scratch
}

var zeroOffsets = []int32{0}

// columnVec views column arr (n rows) as a vec without copying values.
func columnVec(arr arrow.Array, n int, validScratch, bitsScratch *[]byte) vec {
	d := arr.Data()
	off := d.Offset()
	var v vec
	if arr.NullN() > 0 {
		v.valid = alignedBitmap(validScratch, bufBytes(d, 0), off, n)
	}
	switch arr.DataType().ID() {
	case arrow.INT64, arrow.TIMESTAMP:
		v.i64 = castSlice[int64](bufBytes(d, 1))[off : off+n]
	case arrow.INT32:
		v.i32 = castSlice[int32](bufBytes(d, 1))[off : off+n]
	case arrow.FLOAT64:
		v.f64 = castSlice[float64](bufBytes(d, 1))[off : off+n]
	case arrow.DECIMAL128:
		v.dec = castSlice[decimal128.Num](bufBytes(d, 1))[off : off+n]
	case arrow.BOOL:
		if n == 0 {
			v.bits = nil
		} else {
			v.bits = alignedBitmap(bitsScratch, bufBytes(d, 1), off, n)
		}
	case arrow.STRING:
		if n == 0 {
			v.offs = zeroOffsets
		} else {
			v.offs = castSlice[int32](bufBytes(d, 1))[off : off+n+1]
			v.data = bufBytes(d, 2)
		}
	}
	return v
}

// materialize copies v (n rows of type t) into new Arrow memory.
func materialize(v *vec, t arrow.DataType, n int, alloc memory.Allocator) arrow.Array {
	var validBuf *memory.Buffer
	nulls := 0
	if v.valid != nil && n > 0 {
		nulls = n - bitutil.CountSetBits(v.valid, 0, n)
		if nulls > 0 {
			validBuf = memory.NewResizableBuffer(alloc)
			validBuf.Resize(bitmapBytes(n))
			copy(validBuf.Bytes(), v.valid[:bitmapBytes(n)])
		}
	}
	var bufs []*memory.Buffer
	switch t.ID() {
	case arrow.STRING:
		offBuf := memory.NewResizableBuffer(alloc)
		offBuf.Resize((n + 1) * 4)
		dst := castSlice[int32](offBuf.Bytes())
		base := v.offs[0]
		end := v.offs[n]
		for i := 0; i <= n; i++ {
			dst[i] = v.offs[i] - base
		}
		dataBuf := memory.NewResizableBuffer(alloc)
		dataBuf.Resize(int(end - base))
		copy(dataBuf.Bytes(), v.data[base:end])
		bufs = []*memory.Buffer{validBuf, offBuf, dataBuf}
	case arrow.NULL:
		if validBuf != nil {
			validBuf.Release()
		}
		return array.NewNull(n)
	default:
		valBuf := memory.NewResizableBuffer(alloc)
		switch t.ID() {
		case arrow.INT64, arrow.TIMESTAMP:
			valBuf.Resize(n * 8)
			copy(castSlice[int64](valBuf.Bytes()), v.i64[:n])
		case arrow.INT32:
			valBuf.Resize(n * 4)
			copy(castSlice[int32](valBuf.Bytes()), v.i32[:n])
		case arrow.FLOAT64:
			valBuf.Resize(n * 8)
			copy(castSlice[float64](valBuf.Bytes()), v.f64[:n])
		case arrow.DECIMAL128:
			valBuf.Resize(n * 16)
			copy(castSlice[decimal128.Num](valBuf.Bytes()), v.dec[:n])
		case arrow.BOOL:
			valBuf.Resize(bitmapBytes(n))
			copy(valBuf.Bytes(), v.bits[:bitmapBytes(n)])
		}
		bufs = []*memory.Buffer{validBuf, valBuf}
	}
	data := array.NewData(t, n, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	arr := array.MakeFromData(data)
	data.Release()
	return arr
}

// ownValid copies valid (nil = all valid) into scratch so a kernel can
// clear bits of rows it turns NULL.
func ownValid(scratch *[]byte, valid []byte, n int) []byte {
	nb := bitmapBytes(n)
	dst := grow(*scratch, nb)
	*scratch = dst
	if valid != nil {
		copy(dst, valid[:nb])
	} else {
		fillBytes(dst, 0xff)
	}
	return dst
}
