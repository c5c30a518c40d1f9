package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Project computes one output column per expression. Column references
// pass the input column through without copying.
type Project struct {
	opBase
	spec   *ProjectSpec
	in     *arrow.Schema
	schema *arrow.Schema
	exprs  []*exprInput
	cols   []arrow.Array
}

func newProject(spec *ProjectSpec, out, in *arrow.Schema) (*Project, error) {
	if len(spec.Exprs) != out.NumFields() {
		return nil, fmt.Errorf("project has %d expressions for %d output columns", len(spec.Exprs), out.NumFields())
	}
	for i, e := range spec.Exprs {
		if e == nil {
			return nil, fmt.Errorf("project column %d: missing expression", i)
		}
		if !arrow.TypeEqual(e.DataType(), out.Field(i).Type) {
			return nil, fmt.Errorf("project column %s: expression %s has type %s, the output column %s",
				out.Field(i).Name, e, e.DataType(), out.Field(i).Type)
		}
	}
	return &Project{spec: spec, in: in, schema: out}, nil
}

func (p *Project) Open(ctx *OpContext, out Emitter) error {
	if err := p.open(ctx, out); err != nil {
		return err
	}
	p.exprs = make([]*exprInput, len(p.spec.Exprs))
	for i, e := range p.spec.Exprs {
		x, err := newExprInput(e, p.in, ctx.Alloc)
		if err != nil {
			return fmt.Errorf("project column %s: %w", p.schema.Field(i).Name, err)
		}
		p.exprs[i] = x
	}
	p.cols = make([]arrow.Array, len(p.exprs))
	return nil
}

func (p *Project) Push(port int, b arrow.RecordBatch) error {
	if b.NumRows() == 0 {
		return nil
	}
	defer func() {
		releaseArrays(p.cols)
		clear(p.cols)
	}()
	for i, x := range p.exprs {
		a, err := x.eval(b)
		if err != nil {
			return fmt.Errorf("project column %s: %w", p.schema.Field(i).Name, err)
		}
		p.cols[i] = a
		if !arrow.TypeEqual(a.DataType(), p.schema.Field(i).Type) {
			return fmt.Errorf("project column %s: evaluator returned %s, want %s",
				p.schema.Field(i).Name, a.DataType(), p.schema.Field(i).Type)
		}
	}
	out := array.NewRecordBatch(p.schema, p.cols, b.NumRows())
	defer out.Release()
	return p.emit(out)
}

func (p *Project) Watermark(wm int64) error { return nil }

func (p *Project) Close() error {
	releaseArrays(p.cols)
	p.cols = nil
	return nil
}
