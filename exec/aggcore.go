package exec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/spate-sql/spate/exec/expr"
)

// aggCore is what the hash and session aggregates share: the spec checked
// against the schemas, the compiled key / argument / HAVING expressions,
// and the per-batch input columns.
type aggCore struct {
	spec     *AggregateSpec
	in       *arrow.Schema
	schema   *arrow.Schema
	keyKinds []keyKind
	keyTypes []arrow.DataType
	argTypes []arrow.DataType

	keys    []*exprInput
	args    []*exprInput // nil for count(*)
	having  *exprInput
	keyArrs []arrow.Array
	argArrs []arrow.Array
}

// init validates the output schema: keys, then window_start and
// window_end when windowed, then the aggregates, then __deleted when
// upsert.
func (a *aggCore) init(spec *AggregateSpec, out, in *arrow.Schema, windowed, upsert bool) error {
	a.spec, a.in, a.schema = spec, in, out
	if retracting := len(spec.InputKeys) > 0; in0Deleted(in) != retracting || (retracting && (windowed || !upsert)) {
		if retracting && !in0Deleted(in) {
			return fmt.Errorf("aggregate has input keys but its input %s is not updating", in)
		}
		return errors.New("only an aggregate without a window can aggregate an updating (changelog) input")
	}
	want := len(spec.Keys) + len(spec.Aggs)
	layout := "keys, "
	if windowed {
		want += 2
		layout += "window_start, window_end, "
	}
	layout += "aggregates"
	if upsert {
		want++
		layout += ", " + expr.DeletedColumn
	}
	if out.NumFields() != want {
		return fmt.Errorf("aggregate output %s: want %d columns (%s)", out, want, layout)
	}
	if len(spec.KeyNames) != 0 && len(spec.KeyNames) != len(spec.Keys) {
		return fmt.Errorf("aggregate has %d key names for %d keys", len(spec.KeyNames), len(spec.Keys))
	}
	for i, k := range spec.Keys {
		if k == nil {
			return fmt.Errorf("group key %d: missing expression", i)
		}
		kind, err := keyKindOf(k.DataType())
		if err != nil {
			return fmt.Errorf("group key %s: %w", k, err)
		}
		if !arrow.TypeEqual(k.DataType(), out.Field(i).Type) {
			return fmt.Errorf("group key %s has type %s, output column %s has %s", k, k.DataType(), out.Field(i).Name, out.Field(i).Type)
		}
		a.keyKinds = append(a.keyKinds, kind)
		a.keyTypes = append(a.keyTypes, k.DataType())
	}
	c := len(spec.Keys)
	if windowed {
		for j := 0; j < 2; j++ {
			if !isTimestamp(out.Field(c + j).Type) {
				return fmt.Errorf("output column %s must be TIMESTAMP, is %s", out.Field(c+j).Name, out.Field(c+j).Type)
			}
		}
		c += 2
	}
	for i := range spec.Aggs {
		f := &spec.Aggs[i]
		if !arrow.TypeEqual(f.Type, out.Field(c+i).Type) {
			return fmt.Errorf("aggregate %s has type %v, output column %s has %s", f.Name, f.Type, out.Field(c+i).Name, out.Field(c+i).Type)
		}
		var at arrow.DataType
		if f.Kind != AggCountStar {
			if f.Arg == nil {
				return fmt.Errorf("aggregate %s: %s needs an argument", f.Name, f.Kind)
			}
			at = f.Arg.DataType()
		}
		if _, err := a.newState(f, at); err != nil {
			return fmt.Errorf("aggregate %s: %w", f.Name, err)
		}
		a.argTypes = append(a.argTypes, at)
	}
	if upsert {
		last := out.Field(out.NumFields() - 1)
		if last.Name != expr.DeletedColumn || last.Type.ID() != arrow.BOOL {
			return fmt.Errorf("updating aggregate output must end with the boolean %s column, has %s", expr.DeletedColumn, last)
		}
	}
	return nil
}

func in0Deleted(s *arrow.Schema) bool {
	return s.NumFields() > 0 && s.Field(s.NumFields()-1).Name == expr.DeletedColumn
}

func (a *aggCore) openExprs(ctx *OpContext) error {
	a.keys, a.args = a.keys[:0], a.args[:0]
	for _, k := range a.spec.Keys {
		x, err := newExprInput(k, a.in, ctx.Alloc)
		if err != nil {
			return fmt.Errorf("group key: %w", err)
		}
		a.keys = append(a.keys, x)
	}
	for _, f := range a.spec.Aggs {
		var x *exprInput
		if f.Kind != AggCountStar {
			var err error
			if x, err = newExprInput(f.Arg, a.in, ctx.Alloc); err != nil {
				return fmt.Errorf("aggregate %s: %w", f.Name, err)
			}
		}
		a.args = append(a.args, x)
	}
	if a.spec.Having != nil {
		h, err := newExprInput(a.spec.Having, a.schema, ctx.Alloc)
		if err != nil {
			return fmt.Errorf("having: %w", err)
		}
		if h.typ.ID() != arrow.BOOL {
			return fmt.Errorf("having %s has type %s, want boolean", a.spec.Having, h.typ)
		}
		a.having = h
	}
	a.keyArrs = make([]arrow.Array, len(a.keys))
	a.argArrs = make([]arrow.Array, len(a.args))
	return nil
}

// evalInputs computes the key and argument columns of b and loads the
// keys into vecs. releaseInputs undoes it.
func (a *aggCore) evalInputs(b arrow.RecordBatch, vecs []keyVec) error {
	for i, k := range a.keys {
		arr, err := k.eval(b)
		if err != nil {
			return fmt.Errorf("group key: %w", err)
		}
		a.keyArrs[i] = arr
		if err := vecs[i].load(arr); err != nil {
			return fmt.Errorf("group key %s: %w", k.src, err)
		}
	}
	for i, x := range a.args {
		if x == nil {
			continue
		}
		arr, err := x.eval(b)
		if err != nil {
			return fmt.Errorf("aggregate %s: %w", a.spec.Aggs[i].Name, err)
		}
		a.argArrs[i] = arr
	}
	return nil
}

func (a *aggCore) releaseInputs() {
	releaseArrays(a.keyArrs)
	clear(a.keyArrs)
	releaseArrays(a.argArrs)
	clear(a.argArrs)
}

func (a *aggCore) newAggStates() []aggState {
	states := make([]aggState, len(a.spec.Aggs))
	for i := range a.spec.Aggs {
		states[i], _ = a.newState(&a.spec.Aggs[i], a.argTypes[i]) // checked in init
	}
	return states
}

// newState is f's state: retractable over an updating input.
func (a *aggCore) newState(f *AggFunc, argType arrow.DataType) (aggState, error) {
	if len(a.spec.InputKeys) > 0 {
		return newRetractAgg(f, argType)
	}
	return newAggState(f, argType)
}

// filterHaving returns the rows of out where HAVING holds: out itself
// (retained) when there is no HAVING or every row passes, nil when none
// does. The caller Releases a non-nil result.
func (a *aggCore) filterHaving(alloc memory.Allocator, out arrow.RecordBatch) (arrow.RecordBatch, error) {
	if a.having == nil {
		out.Retain()
		return out, nil
	}
	h, err := a.having.eval(out)
	if err != nil {
		return nil, fmt.Errorf("having: %w", err)
	}
	defer h.Release()
	hb, ok := h.(*array.Boolean)
	if !ok {
		return nil, fmt.Errorf("having: evaluator returned %s, want boolean", h.DataType())
	}
	switch countTrue(hb) {
	case 0:
		return nil, nil
	case int(out.NumRows()):
		out.Retain()
		return out, nil
	}
	sel := boolSelection(hb, nil)
	cols, err := takeColumns(alloc, out, sel, nil)
	if err != nil {
		return nil, fmt.Errorf("having: %w", err)
	}
	fb := array.NewRecordBatch(a.schema, cols, int64(len(sel)))
	releaseArrays(cols)
	return fb, nil
}

// stateSpec describes what the aggregate's state means, for snapshots:
// a restore into an aggregate whose keys, aggregates, window or (for an
// updating aggregate, whose emitted rows depend on it) HAVING differ is
// refused.
func (a *aggCore) stateSpec(mode string, w *WindowSpec) stateSpec {
	keys := make([]string, len(a.spec.Keys))
	for i, k := range a.spec.Keys {
		keys[i] = fmt.Sprintf("%s %s", k, a.keyTypes[i])
	}
	aggs := make([]string, len(a.spec.Aggs))
	for i, f := range a.spec.Aggs {
		arg := ""
		if f.Arg != nil {
			arg = fmt.Sprintf("%s %s", f.Arg, a.argTypes[i])
		}
		aggs[i] = fmt.Sprintf("%s(%s) %s", f.Kind, arg, f.Type)
	}
	s := stateSpec{
		{"mode", mode},
		{"group keys", "[" + strings.Join(keys, ", ") + "]"},
		{"aggregates", "[" + strings.Join(aggs, ", ") + "]"},
		{"window", windowDesc(w)},
	}
	if mode == "updating" {
		having := "none"
		if a.spec.Having != nil {
			having = a.spec.Having.String()
		}
		s = append(s, specField{"having", having})
	}
	return s
}

// putAggs writes the aggregate states of groups [0, n) of s.
func (a *aggCore) putAggs(w *snapWriter, s *aggSet, n int) {
	for i, st := range s.aggs {
		w.u8(uint8(a.spec.Aggs[i].Kind))
		st.save(w, n)
	}
}

// getAggs reads what putAggs wrote into s, which has been reset.
func (a *aggCore) getAggs(r *snapReader, s *aggSet, n int, what string) {
	s.resize(n)
	for i, st := range s.aggs {
		aw := fmt.Sprintf("%s aggregate %s", what, a.spec.Aggs[i].Name)
		if k := r.u8(aw); r.err == nil && k != uint8(a.spec.Aggs[i].Kind) {
			r.failf("%s: state of aggregate kind %d, want %d (%s)", aw, k, a.spec.Aggs[i].Kind, a.spec.Aggs[i].Kind)
		}
		if r.err != nil {
			return
		}
		st.load(r, n, aw)
	}
}
