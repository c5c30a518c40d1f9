package exec

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Union forwards the batches of every input (UNION ALL). Its inputs share
// the output's column types; batches are relabelled with the output
// schema when their names differ.
type Union struct {
	opBase
	schema *arrow.Schema
	inputs []*arrow.Schema
}

func newUnion(out *arrow.Schema, inputs []*arrow.Schema) (*Union, error) {
	if len(inputs) == 0 {
		return nil, errors.New("union without inputs")
	}
	for i, in := range inputs {
		if !sameTypes(out, in) {
			return nil, fmt.Errorf("union input %d has columns %s, want the types of %s", i, in, out)
		}
	}
	return &Union{schema: out, inputs: inputs}, nil
}

func (u *Union) Open(ctx *OpContext, out Emitter) error { return u.open(ctx, out) }

func (u *Union) Push(port int, b arrow.RecordBatch) error {
	if port < 0 || port >= len(u.inputs) {
		return fmt.Errorf("union: batch on port %d, the union has %d inputs", port, len(u.inputs))
	}
	if b.Schema() == u.schema || b.Schema().Equal(u.schema) {
		return u.emit(b)
	}
	if !sameTypes(b.Schema(), u.schema) {
		return fmt.Errorf("union: batch on port %d has columns %s, want %s", port, b.Schema(), u.schema)
	}
	nb := array.NewRecordBatch(u.schema, b.Columns(), b.NumRows())
	defer nb.Release()
	return u.emit(nb)
}

func (u *Union) Watermark(wm int64) error { return nil }
func (u *Union) Close() error             { return nil }
