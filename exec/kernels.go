package exec

import (
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// This file holds the column kernels the batch operators share: gathering
// rows by a selection vector (filter, hop repetition, late-row removal)
// and turning a boolean column into a selection vector. They work on the
// raw Arrow buffers so a gather is one typed loop per column.

// newBuffer allocates an n-byte buffer from alloc. The caller owns one
// reference.
func newBuffer(alloc memory.Allocator, n int) *memory.Buffer {
	buf := memory.NewResizableBuffer(alloc)
	buf.Resize(n)
	return buf
}

// makeArray wraps freshly allocated buffers into an array and hands the
// buffers' references over to it.
func makeArray(dt arrow.DataType, n int, bufs []*memory.Buffer, nulls int) arrow.Array {
	data := array.NewData(dt, n, bufs, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	return arr
}

// asSlice reinterprets a byte buffer as a slice of T (T is a fixed-width
// value type, Arrow buffers are 64-byte aligned).
func asSlice[T any](b []byte) []T {
	var zero T
	sz := int(unsafe.Sizeof(zero))
	if len(b) < sz {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/sz)
}

// bufBytes returns buffer i of arr's data, or nil when absent.
func bufBytes(d arrow.ArrayData, i int) []byte {
	bufs := d.Buffers()
	if i >= len(bufs) || bufs[i] == nil {
		return nil
	}
	return bufs[i].Bytes()
}

// gatherValidity builds the validity bitmap of a gather; nil (and 0) when
// the source has no nulls.
func gatherValidity(alloc memory.Allocator, arr arrow.Array, idx []int32) (*memory.Buffer, int) {
	if arr.NullN() == 0 {
		return nil, 0
	}
	src := bufBytes(arr.Data(), 0)
	off := arr.Data().Offset()
	if src == nil { // a Null-typed array has no bitmap: everything is null
		buf := newBuffer(alloc, int(bitutil.BytesForBits(int64(len(idx)))))
		clear(buf.Bytes())
		return buf, len(idx)
	}
	buf := newBuffer(alloc, int(bitutil.BytesForBits(int64(len(idx)))))
	dst := buf.Bytes()
	clear(dst)
	nulls := 0
	for j, i := range idx {
		if bitutil.BitIsSet(src, off+int(i)) {
			dst[j>>3] |= 1 << (j & 7)
		} else {
			nulls++
		}
	}
	return buf, nulls
}

func gatherFixed[T any](alloc memory.Allocator, src []byte, off int, idx []int32) *memory.Buffer {
	var zero T
	buf := newBuffer(alloc, len(idx)*int(unsafe.Sizeof(zero)))
	dst := asSlice[T](buf.Bytes())
	s := asSlice[T](src)
	if len(idx) == 0 {
		return buf
	}
	s = s[off:]
	dst = dst[:len(idx)]
	for j, i := range idx {
		dst[j] = s[i]
	}
	return buf
}

func gatherBitsBuffer(alloc memory.Allocator, src []byte, off int, idx []int32) *memory.Buffer {
	buf := newBuffer(alloc, int(bitutil.BytesForBits(int64(len(idx)))))
	dst := buf.Bytes()
	clear(dst)
	for j, i := range idx {
		if bitutil.BitIsSet(src, off+int(i)) {
			dst[j>>3] |= 1 << (j & 7)
		}
	}
	return buf
}

func gatherVarBinary[O int32 | int64](alloc memory.Allocator, arr arrow.Array, idx []int32) (*memory.Buffer, *memory.Buffer) {
	d := arr.Data()
	offs := asSlice[O](bufBytes(d, 1))
	var data []byte = bufBytes(d, 2)
	var obuf *memory.Buffer
	var zero O
	obuf = newBuffer(alloc, (len(idx)+1)*int(unsafe.Sizeof(zero)))
	dstOffs := asSlice[O](obuf.Bytes())[:len(idx)+1]
	if len(idx) == 0 {
		dstOffs[0] = 0
		return obuf, newBuffer(alloc, 0)
	}
	offs = offs[d.Offset():]
	var total O
	for j, i := range idx {
		dstOffs[j] = total
		total += offs[i+1] - offs[i]
	}
	dstOffs[len(idx)] = total
	dbuf := newBuffer(alloc, int(total))
	dst := dbuf.Bytes()
	for j, i := range idx {
		copy(dst[dstOffs[j]:dstOffs[j+1]], data[offs[i]:offs[i+1]])
	}
	return obuf, dbuf
}

// takeArray returns a new array holding arr's rows idx[0], idx[1], ...
// (indexes may repeat). The caller Releases it.
func takeArray(alloc memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	dt := arr.DataType()
	d := arr.Data()
	n := len(idx)
	switch dt.ID() {
	case arrow.NULL:
		return array.NewNull(n), nil
	case arrow.BOOL:
		valid, nulls := gatherValidity(alloc, arr, idx)
		vals := gatherBitsBuffer(alloc, bufBytes(d, 1), d.Offset(), idx)
		return makeArray(dt, n, []*memory.Buffer{valid, vals}, nulls), nil
	case arrow.STRING, arrow.BINARY:
		valid, nulls := gatherValidity(alloc, arr, idx)
		offs, data := gatherVarBinary[int32](alloc, arr, idx)
		return makeArray(dt, n, []*memory.Buffer{valid, offs, data}, nulls), nil
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		valid, nulls := gatherValidity(alloc, arr, idx)
		offs, data := gatherVarBinary[int64](alloc, arr, idx)
		return makeArray(dt, n, []*memory.Buffer{valid, offs, data}, nulls), nil
	}
	fw, ok := dt.(arrow.FixedWidthDataType)
	if !ok || len(d.Buffers()) != 2 || len(d.Children()) != 0 {
		return nil, fmt.Errorf("gather: unsupported column type %s", dt)
	}
	valid, nulls := gatherValidity(alloc, arr, idx)
	src := bufBytes(d, 1)
	var vals *memory.Buffer
	switch fw.BitWidth() {
	case 8:
		vals = gatherFixed[uint8](alloc, src, d.Offset(), idx)
	case 16:
		vals = gatherFixed[uint16](alloc, src, d.Offset(), idx)
	case 32:
		vals = gatherFixed[uint32](alloc, src, d.Offset(), idx)
	case 64:
		vals = gatherFixed[uint64](alloc, src, d.Offset(), idx)
	case 128:
		vals = gatherFixed[[2]uint64](alloc, src, d.Offset(), idx)
	case 256:
		vals = gatherFixed[[4]uint64](alloc, src, d.Offset(), idx)
	default:
		if valid != nil {
			valid.Release()
		}
		return nil, fmt.Errorf("gather: unsupported column type %s", dt)
	}
	return makeArray(dt, n, []*memory.Buffer{valid, vals}, nulls), nil
}

// takeColumns gathers idx from every column of b, appending to dst. On
// error the arrays already made are released.
func takeColumns(alloc memory.Allocator, b arrow.RecordBatch, idx []int32, dst []arrow.Array) ([]arrow.Array, error) {
	for c := 0; c < int(b.NumCols()); c++ {
		a, err := takeArray(alloc, b.Column(c), idx)
		if err != nil {
			releaseArrays(dst)
			return nil, fmt.Errorf("column %s: %w", b.ColumnName(c), err)
		}
		dst = append(dst, a)
	}
	return dst, nil
}

func releaseArrays(cols []arrow.Array) {
	for _, c := range cols {
		if c != nil {
			c.Release()
		}
	}
}

// boolSelection appends to sel the rows where arr is true (not NULL, not
// false) and returns it. It works a 64-bit word at a time.
func boolSelection(arr *array.Boolean, sel []int32) []int32 {
	d := arr.Data()
	n := arr.Len()
	vals := bufBytes(d, 1)
	var valid []byte
	if arr.NullN() > 0 {
		valid = bufBytes(d, 0)
	}
	off := d.Offset()
	for base := 0; base < n; base += 64 {
		k := min(64, n-base)
		w := loadBits(vals, off+base, k)
		if valid != nil {
			w &= loadBits(valid, off+base, k)
		}
		for w != 0 {
			t := bits.TrailingZeros64(w)
			sel = append(sel, int32(base+t))
			w &= w - 1
		}
	}
	return sel
}

// countTrue counts the rows where arr is true (not NULL).
func countTrue(arr *array.Boolean) int {
	d := arr.Data()
	n := arr.Len()
	vals := bufBytes(d, 1)
	if arr.NullN() == 0 {
		return bitutil.CountSetBits(vals, d.Offset(), n)
	}
	if arr.NullN() == n {
		return 0
	}
	valid := bufBytes(d, 0)
	off := d.Offset()
	c := 0
	for base := 0; base < n; base += 64 {
		k := min(64, n-base)
		c += bits.OnesCount64(loadBits(vals, off+base, k) & loadBits(valid, off+base, k))
	}
	return c
}

// loadBits reads k (1..64) bits of bitmap b starting at bit pos into the
// low bits of a word.
func loadBits(b []byte, pos, k int) uint64 {
	var w uint64
	if pos&7 == 0 {
		start := pos >> 3
		nb := (k + 7) >> 3
		for i := 0; i < nb; i++ {
			w |= uint64(b[start+i]) << (8 * i)
		}
	} else {
		for i := 0; i < k; i++ {
			if bitutil.BitIsSet(b, pos+i) {
				w |= 1 << i
			}
		}
	}
	if k < 64 {
		w &= (1 << k) - 1
	}
	return w
}

// identity returns [0, 1, ..., n-1]. buf is a previous result: a prefix
// of an identity vector is one, so it only grows.
func identity(buf []int32, n int) []int32 {
	if len(buf) < n {
		buf = make([]int32, max(n, 2*len(buf)))
		for i := range buf {
			buf[i] = int32(i)
		}
	}
	return buf[:n]
}
