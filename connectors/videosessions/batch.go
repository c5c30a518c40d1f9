package videosessions

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "session_id", Type: expr.TypeVarchar},
	{Name: "ts", Type: expr.TypeTimestamp},
	{Name: "player", Type: expr.TypeVarchar, Nullable: true},
	{Name: "action", Type: expr.TypeVarchar, Nullable: true},
	{Name: "cdn", Type: expr.TypeVarchar, Nullable: true},
	{Name: "bitrate", Type: expr.TypeBigint, Nullable: true},
	{Name: "error", Type: expr.TypeVarchar, Nullable: true},
	{Name: "device", Type: expr.TypeVarchar, Nullable: true},
	{Name: "country", Type: expr.TypeVarchar, Nullable: true},
}, nil)

// idLen is the length of a session id (16 hex digits).
const idLen = 16

// Schema returns the source's columns.
func Schema() *arrow.Schema { return schema }

// Batch generates events [from, min(to, from+maxRows)) straight into Arrow
// buffers from alloc. It returns the batch (nil when the range is empty)
// and the event number to continue from.
func (g *Generator) Batch(alloc memory.Allocator, from, to int64, maxRows int) (arrow.RecordBatch, int64) {
	if from < 0 {
		from = 0
	}
	if to <= from || maxRows <= 0 {
		return nil, max(from, to)
	}
	rows := int(min(int64(maxRows), to-from))
	if g.pos != from {
		g.seek(from)
	}
	id := newStrCol(alloc, rows, idLen, false)
	ts := newI64Col(alloc, rows, false)
	player, action, cdn := newStrCol(alloc, rows, 0, true), newStrCol(alloc, rows, 0, true), newStrCol(alloc, rows, 0, true)
	bitrate := newI64Col(alloc, rows, true)
	errc, device, country := newStrCol(alloc, rows, 0, true), newStrCol(alloc, rows, 0, true), newStrCol(alloc, rows, 0, true)

	n := from
	k, tick := from%g.s, from/g.s
	clock := g.clockAt(from)
	ids := id.d[:rows*idLen]
	for i := 0; i < rows; i++ {
		s := &g.slots[k]
		// Every id has idLen bytes: no capacity checks, offsets by row.
		copy(ids[i*idLen:(i+1)*idLen], s.id[:])
		id.off[i+1] = int32((i + 1) * idLen)
		ts.v[i] = clock.ms
		clock.advance()
		if tick-s.start == s.next {
			ch := g.step(s)
			player.addName(i, playerNames[:], ch.player)
			action.addName(i, actionNames[:], ch.action)
			cdn.addName(i, cdnNames[:], ch.cdn)
			errc.addName(i, errorNames[:], ch.err)
			if ch.bitrate != 0 {
				bitrate.set(i, ch.bitrate)
			}
			if ch.first {
				device.addString(i, deviceNames[s.device])
				country.addString(i, countryNames[s.country])
			}
			if ch.player == pStopped {
				// The next session takes the slot from its next event.
				g.begin(s, uint64(k), s.j+1, tick+1)
			}
		}
		n++
		if k++; k == g.s {
			k = 0
			tick++
		}
	}
	g.pos = n
	id.n, id.filled = rows*idLen, rows
	cols := []arrow.Array{
		id.finish(rows), ts.finish(expr.TypeTimestamp, rows), player.finish(rows), action.finish(rows),
		cdn.finish(rows), bitrate.finish(expr.TypeBigint, rows), errc.finish(rows), device.finish(rows),
		country.finish(rows),
	}
	rec := array.NewRecordBatch(schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return rec, n
}

// i64Col is a fixed-width column written in place, with an optional
// validity bitmap (all null until set).
type i64Col struct {
	buf, validBuf *memory.Buffer
	v             []int64
	valid         []byte
	nonNull       int
}

func newI64Col(alloc memory.Allocator, rows int, nullable bool) i64Col {
	b := memory.NewResizableBuffer(alloc)
	b.Resize(rows * 8)
	c := i64Col{buf: b, v: arrow.Int64Traits.CastFromBytes(b.Bytes())}
	if nullable {
		clear(c.v)
		c.validBuf = newBitmap(alloc, rows)
		c.valid = c.validBuf.Bytes()
	}
	return c
}

func (c *i64Col) set(row int, v int64) {
	c.v[row] = v
	bitutil.SetBit(c.valid, row)
	c.nonNull++
}

func (c *i64Col) finish(typ arrow.DataType, rows int) arrow.Array {
	nulls := 0
	if c.validBuf != nil {
		nulls = rows - c.nonNull
	}
	data := array.NewData(typ, rows, []*memory.Buffer{c.validBuf, c.buf}, nil, nulls, 0)
	c.buf.Release()
	if c.validBuf != nil {
		c.validBuf.Release()
	}
	a := array.MakeFromData(data)
	data.Release()
	return a
}

func newBitmap(alloc memory.Allocator, rows int) *memory.Buffer {
	b := memory.NewResizableBuffer(alloc)
	b.Resize(int(bitutil.BytesForBits(int64(rows))))
	clear(b.Bytes())
	return b
}

// strCol is a string column written in place: offsets plus data that
// doubles when full, with an optional validity bitmap. The offsets of
// NULL rows (most rows of a sparse column) are filled in only when the
// next value or the end comes, so a heartbeat row costs nothing here.
type strCol struct {
	offBuf, dataBuf, validBuf *memory.Buffer
	off                       []int32
	d                         []byte // dataBuf's whole capacity
	n                         int    // bytes used
	filled                    int    // off[:filled+1] are written
	valid                     []byte
	nonNull                   int
}

func newStrCol(alloc memory.Allocator, rows, avgLen int, nullable bool) strCol {
	o := memory.NewResizableBuffer(alloc)
	o.Resize((rows + 1) * 4)
	d := memory.NewResizableBuffer(alloc)
	// Sparse columns hold a few values per hundred rows.
	d.Reserve(rows*avgLen + rows/8 + 64)
	c := strCol{offBuf: o, dataBuf: d, off: arrow.Int32Traits.CastFromBytes(o.Bytes()), d: d.Buf()}
	c.off[0] = 0
	if nullable {
		c.validBuf = newBitmap(alloc, rows)
		c.valid = c.validBuf.Bytes()
	}
	return c
}

// fillTo ends rows [filled, row) as NULL (empty).
func (c *strCol) fillTo(row int) {
	for i := c.filled + 1; i <= row; i++ {
		c.off[i] = int32(c.n)
	}
	c.filled = max(c.filled, row)
}

// addName appends names[v], or NULL for v == 0.
func (c *strCol) addName(row int, names []string, v uint8) {
	if v == 0 {
		return
	}
	c.addString(row, names[v])
}

func (c *strCol) addString(row int, s string) {
	c.fillTo(row)
	if c.n+len(s) > len(c.d) {
		c.dataBuf.Reserve(max(2*len(c.d), c.n+len(s)))
		c.d = c.dataBuf.Buf()
	}
	c.n += copy(c.d[c.n:], s)
	c.off[row+1] = int32(c.n)
	c.filled = row + 1
	if c.valid != nil {
		bitutil.SetBit(c.valid, row)
		c.nonNull++
	}
}

func (c *strCol) finish(rows int) arrow.Array {
	c.fillTo(rows)
	c.dataBuf.ResizeNoShrink(c.n)
	nulls := 0
	if c.validBuf != nil {
		nulls = rows - c.nonNull
	}
	data := array.NewData(expr.TypeVarchar, rows, []*memory.Buffer{c.validBuf, c.offBuf, c.dataBuf}, nil, nulls, 0)
	c.offBuf.Release()
	c.dataBuf.Release()
	if c.validBuf != nil {
		c.validBuf.Release()
	}
	a := array.MakeFromData(data)
	data.Release()
	return a
}

// sameColumns reports whether a has b's column names (any case) and types.
func sameColumns(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		if !strings.EqualFold(a.Field(i).Name, b.Field(i).Name) || !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return false
		}
	}
	return true
}

func describe(sc *arrow.Schema) string {
	var p []string
	for _, f := range sc.Fields() {
		p = append(p, f.Name+" "+f.Type.String())
	}
	return strings.Join(p, ", ")
}
