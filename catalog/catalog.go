package catalog

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/parser"
)

// SchemaFunc returns the columns a generator connector produces for the
// given (validated) options. The engine implements it by asking the
// connector; catalog never imports connectors.
type SchemaFunc func(connector string, opts map[string]string) (*arrow.Schema, error)

// DeadLetterTable is the DuckDB table of dead letters; no view may take its
// name.
const DeadLetterTable = "spate_dead_letters"

// DefaultIdleTimeoutMs is how long an idle partition may hold a source's
// watermark back (SPEC §4).
const DefaultIdleTimeoutMs = 5000

// Object is a *Source, *View or *Sink.
type Object interface {
	ObjectName() string
	Position() parser.Pos
	Kind() string // "source", "view", "materialized view", "sink"
}

// Source is a validated CREATE SOURCE.
type Source struct {
	Pos       parser.Pos
	Name      string
	Connector string
	Generator bool
	// Options holds every option, values as written except enums (lower
	// case), with the connector's defaults filled in.
	Options        map[string]string
	Schema         *arrow.Schema
	EventTime      int // column index, -1: ingestion time
	WatermarkDelay int64
	IdleTimeoutMs  int64
	OnError        string
	Stmt           *parser.CreateSource
}

// View is a CREATE [MATERIALIZED] VIEW. Schema is nil until the planner
// has planned it (SetViewSchema).
type View struct {
	Pos          parser.Pos
	Name         string
	Materialized bool
	Options      map[string]string
	TimelineTTL  int64 // ms
	Query        parser.Query
	Text         string
	Schema       *arrow.Schema // output columns, without expr.DeletedColumn
	Upsert       bool
	Keys         []string
	Stmt         *parser.CreateView
}

// Sink is a validated CREATE SINK.
type Sink struct {
	Pos       parser.Pos
	Name      string
	From      string
	FromPos   parser.Pos
	Connector string
	Options   map[string]string
	OptionPos map[string]parser.Pos
	Stmt      *parser.CreateSink
}

func (s *Source) ObjectName() string   { return s.Name }
func (s *View) ObjectName() string     { return s.Name }
func (s *Sink) ObjectName() string     { return s.Name }
func (s *Source) Position() parser.Pos { return s.Pos }
func (s *View) Position() parser.Pos   { return s.Pos }
func (s *Sink) Position() parser.Pos   { return s.Pos }
func (*Source) Kind() string           { return "source" }
func (*Sink) Kind() string             { return "sink" }
func (v *View) Kind() string {
	if v.Materialized {
		return "materialized view"
	}
	return "view"
}

// Spec returns the runtime description of the source.
func (s *Source) Spec() *exec.SourceSpec {
	opts := make(map[string]string, len(s.Options))
	for k, v := range s.Options {
		opts[k] = v
	}
	return &exec.SourceSpec{
		Name: s.Name, Connector: s.Connector, Options: opts, Schema: s.Schema,
		EventTime: s.EventTime, WatermarkDelay: s.WatermarkDelay,
		IdleTimeoutMs: s.IdleTimeoutMs, OnError: s.OnError,
	}
}

// Catalog holds a pipeline's objects in file order. It is not safe for
// concurrent mutation.
type Catalog struct {
	schemaOf SchemaFunc
	byName   map[string]Object
	order    []Object
}

// New returns an empty catalog. schemaOf may be nil when no generator
// source will be declared.
func New(schemaOf SchemaFunc) *Catalog {
	return &Catalog{schemaOf: schemaOf, byName: map[string]Object{}}
}

// Load adds every statement of a script in file order and stops at the
// first error.
func (c *Catalog) Load(script *parser.Script) error {
	for _, st := range script.Statements {
		var err error
		switch s := st.(type) {
		case *parser.CreateSource:
			_, err = c.AddSource(s)
		case *parser.CreateView:
			_, err = c.AddView(s)
		case *parser.CreateSink:
			_, err = c.AddSink(s)
		default:
			err = parser.Errorf(st.Position(), "", "unsupported statement %T", st)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Contains reports whether the statement was added to this catalog (by
// Load or Add*), so that a caller holding a loaded catalog can hand it on.
func (c *Catalog) Contains(st parser.Statement) bool {
	for _, o := range c.order {
		var got parser.Statement
		switch x := o.(type) {
		case *Source:
			got = x.Stmt
		case *View:
			got = x.Stmt
		case *Sink:
			got = x.Stmt
		}
		if got == st {
			return true
		}
	}
	return false
}

// Objects returns every object in file order.
func (c *Catalog) Objects() []Object { return c.order }

// Lookup finds an object by name (case-insensitive).
func (c *Catalog) Lookup(name string) Object { return c.byName[strings.ToLower(name)] }

// Relation finds a source or view by name; nil when there is none.
func (c *Catalog) Relation(name string) Object {
	switch o := c.Lookup(name).(type) {
	case *Source:
		return o
	case *View:
		return o
	}
	return nil
}

// RelationNames lists the sources and views, for suggestions.
func (c *Catalog) RelationNames() []string {
	var names []string
	for _, o := range c.order {
		if _, ok := o.(*Sink); !ok {
			names = append(names, o.ObjectName())
		}
	}
	return names
}

// Sources, Views and Sinks return the objects of one kind in file order.
func (c *Catalog) Sources() []*Source { return objectsOf[*Source](c) }
func (c *Catalog) Views() []*View     { return objectsOf[*View](c) }
func (c *Catalog) Sinks() []*Sink     { return objectsOf[*Sink](c) }

func objectsOf[T Object](c *Catalog) []T {
	var out []T
	for _, o := range c.order {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

func (c *Catalog) claim(pos parser.Pos, name, kind string) error {
	name = strings.ToLower(name)
	if name == "" {
		return parser.Errorf(pos, "", "%s needs a name", kind)
	}
	if prev, ok := c.byName[name]; ok {
		return parser.Errorf(pos, "", "%s '%s' is already defined: a %s of that name was declared at %s (names are case-insensitive)",
			kind, name, prev.Kind(), prev.Position())
	}
	return nil
}

func (c *Catalog) add(o Object) {
	c.byName[strings.ToLower(o.ObjectName())] = o
	c.order = append(c.order, o)
}

// collectOptions turns a WITH list into a map, refusing repeated keys.
func collectOptions(opts []parser.Option) (map[string]string, map[string]parser.Pos, error) {
	m := make(map[string]string, len(opts))
	pos := make(map[string]parser.Pos, len(opts))
	for _, o := range opts {
		k := strings.ToLower(o.Key)
		if p, dup := pos[k]; dup {
			return nil, nil, parser.Errorf(o.Pos, "", "option '%s' is given twice (first at %s)", k, p)
		}
		m[k] = o.Value
		pos[k] = o.Pos
	}
	return m, pos, nil
}

// resolveConnector validates a WITH list against the connector it names.
func resolveConnector(role Role, what string, stmtPos parser.Pos, opts []parser.Option) (*ConnectorSpec, map[string]string, map[string]parser.Pos, error) {
	m, pos, err := collectOptions(opts)
	if err != nil {
		return nil, nil, nil, err
	}
	name, ok := m["connector"]
	if !ok {
		return nil, nil, nil, parser.Errorf(stmtPos, "", "%s needs WITH (connector = '...') (known %s connectors: %s)",
			what, role, strings.Join(ConnectorNames(role), ", "))
	}
	name = strings.ToLower(strings.TrimSpace(name))
	spec := LookupConnector(role, name)
	if spec == nil {
		return nil, nil, nil, parser.Errorf(pos["connector"], "", "unknown %s connector '%s'%s (known: %s)",
			role, name, DidYouMean(name, ConnectorNames(role)), strings.Join(ConnectorNames(role), ", "))
	}
	m["connector"] = name
	if err := checkOptions(spec, m, pos, stmtPos); err != nil {
		return nil, nil, nil, err
	}
	return spec, m, pos, nil
}

// checkOptions validates values, refuses unknown options, requires the
// required ones and fills defaults.
func checkOptions(spec *ConnectorSpec, m map[string]string, pos map[string]parser.Pos, stmtPos parser.Pos) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Report in file order so the first error is the first one written.
	sort.Slice(keys, func(i, j int) bool { return posLess(pos[keys[i]], pos[keys[j]]) })
	for _, k := range keys {
		o := spec.Option(k)
		if o == nil {
			return parser.Errorf(pos[k], "", "unknown option '%s' for %s%s (known: %s)",
				k, specLabel(spec), DidYouMean(k, spec.OptionNames()), strings.Join(spec.OptionNames(), ", "))
		}
		if err := o.checkValue(m[k]); err != nil {
			return parser.Errorf(pos[k], "", "%v", err)
		}
		if o.Kind == OptEnum {
			m[k] = strings.ToLower(m[k])
		}
	}
	for _, o := range spec.Options {
		if _, ok := m[o.Name]; ok {
			continue
		}
		if o.Required {
			return parser.Errorf(stmtPos, "", "%s needs option '%s'", specLabel(spec), o.Name)
		}
		if o.Default != "" {
			m[o.Name] = o.Default
		}
	}
	return nil
}

func specLabel(spec *ConnectorSpec) string {
	if spec == viewOptions {
		return "a materialized view"
	}
	return "connector " + spec.Name
}

func posLess(a, b parser.Pos) bool {
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Col < b.Col
}

// AddSource validates a CREATE SOURCE and adds it.
func (c *Catalog) AddSource(s *parser.CreateSource) (*Source, error) {
	name := strings.ToLower(s.Name)
	if err := c.claim(s.Pos, name, "source"); err != nil {
		return nil, err
	}
	spec, opts, pos, err := resolveConnector(SourceRole, "source '"+name+"'", s.Pos, s.Options)
	if err != nil {
		return nil, err
	}
	src := &Source{Pos: s.Pos, Name: name, Connector: spec.Name, Generator: spec.Generator,
		Options: opts, EventTime: -1, IdleTimeoutMs: DefaultIdleTimeoutMs, OnError: opts["on_error"], Stmt: s}
	if src.WatermarkDelay, err = ParseDuration(opts["watermark_delay"]); err != nil {
		return nil, parser.Errorf(pos["watermark_delay"], "", "invalid duration '%s' for option watermark_delay: %v", opts["watermark_delay"], err)
	}

	if spec.Generator {
		if len(s.Columns) > 0 {
			return nil, parser.Errorf(s.Columns[0].Pos, "", "connector %s defines the columns of source '%s'; remove the column list", spec.Name, name)
		}
		if c.schemaOf == nil {
			return nil, parser.Errorf(s.Pos, "", "connector %s is not available here (no schema provider)", spec.Name)
		}
		schema, err := c.schemaOf(spec.Name, opts)
		if err != nil {
			return nil, parser.Errorf(s.Pos, "", "source '%s': %v", name, err)
		}
		if schema == nil {
			return nil, parser.Errorf(s.Pos, "", "source '%s': connector %s gave no schema", name, spec.Name)
		}
		src.Schema = schema
		if idx := schema.FieldIndices(spec.EventTime); len(idx) == 1 && IsTimestamp(schema.Field(idx[0]).Type) {
			src.EventTime = idx[0]
		}
	} else {
		if len(s.Columns) == 0 {
			return nil, parser.Errorf(s.Pos, "", "source '%s' needs a column list: connector %s does not define columns (write CREATE SOURCE %s (col TYPE, ...) WITH (...))",
				name, spec.Name, name)
		}
		fields := make([]arrow.Field, 0, len(s.Columns))
		seen := map[string]parser.Pos{}
		for _, col := range s.Columns {
			cn := strings.ToLower(col.Name)
			if p, dup := seen[cn]; dup {
				return nil, parser.Errorf(col.Pos, "", "column '%s' is declared twice in source '%s' (first at %s)", cn, name, p)
			}
			seen[cn] = col.Pos
			dt, err := ArrowType(col.Type)
			if err != nil {
				return nil, err
			}
			fields = append(fields, arrow.Field{Name: cn, Type: dt, Nullable: true})
		}
		src.Schema = arrow.NewSchema(fields, nil)
		if et, ok := opts["event_time"]; ok {
			et = strings.ToLower(strings.TrimSpace(et))
			opts["event_time"] = et
			idx := src.Schema.FieldIndices(et)
			if len(idx) == 0 {
				return nil, parser.Errorf(pos["event_time"], "", "event_time names unknown column '%s' in source '%s'%s",
					et, name, DidYouMean(et, fieldNames(src.Schema)))
			}
			if dt := src.Schema.Field(idx[0]).Type; !IsTimestamp(dt) {
				return nil, parser.Errorf(pos["event_time"], "", "event_time column '%s' is %s; it must be TIMESTAMP (JSON values may be RFC 3339 strings or epoch milliseconds)",
					et, TypeString(dt))
			}
			src.EventTime = idx[0]
		}
	}
	c.add(src)
	return src, nil
}

// AddView validates a CREATE [MATERIALIZED] VIEW's options and adds it.
// Its schema is set later by the planner.
func (c *Catalog) AddView(v *parser.CreateView) (*View, error) {
	name := strings.ToLower(v.Name)
	kind := "view"
	if v.Materialized {
		kind = "materialized view"
	}
	if err := c.claim(v.Pos, name, kind); err != nil {
		return nil, err
	}
	if v.Materialized && name == DeadLetterTable {
		return nil, parser.Errorf(v.Pos, "", "'%s' is reserved for the dead-letter table; choose another name", name)
	}
	opts, pos, err := collectOptions(v.Options)
	if err != nil {
		return nil, err
	}
	if err := checkOptions(viewOptions, opts, pos, v.Pos); err != nil {
		if pe, ok := err.(*parser.Error); ok && !v.Materialized {
			pe.Msg = strings.Replace(pe.Msg, "a materialized view", "a view", 1)
		}
		return nil, err
	}
	ttl, _ := ParseDuration(opts["timeline_ttl"])
	if ttl <= 0 {
		return nil, parser.Errorf(pos["timeline_ttl"], "", "timeline_ttl must be greater than 0")
	}
	view := &View{Pos: v.Pos, Name: name, Materialized: v.Materialized, Options: opts, TimelineTTL: ttl,
		Query: v.Query, Text: v.Text, Stmt: v}
	c.add(view)
	return view, nil
}

// SetViewSchema records a planned view's output (without
// expr.DeletedColumn) and, for updating views, its key columns.
func (c *Catalog) SetViewSchema(name string, schema *arrow.Schema, upsert bool, keys []string) error {
	v, ok := c.Lookup(name).(*View)
	if !ok {
		return fmt.Errorf("catalog: no view '%s'", name)
	}
	v.Schema, v.Upsert, v.Keys = schema, upsert, keys
	return nil
}

// AddSink validates a CREATE SINK and adds it. The view (or source) it
// reads must be declared before it.
func (c *Catalog) AddSink(s *parser.CreateSink) (*Sink, error) {
	name := strings.ToLower(s.Name)
	if err := c.claim(s.Pos, name, "sink"); err != nil {
		return nil, err
	}
	from := strings.ToLower(s.From)
	fromPos := s.FromPos
	if fromPos.Line == 0 {
		fromPos = s.Pos
	}
	switch o := c.Lookup(from).(type) {
	case *View, *Source:
	case *Sink:
		return nil, parser.Errorf(fromPos, "", "sink '%s' reads '%s', which is a sink; a sink reads a view or a source", name, from)
	default:
		_ = o
		return nil, parser.Errorf(fromPos, "", "unknown view '%s' in CREATE SINK %s%s", from, name, DidYouMean(from, c.RelationNames()))
	}
	spec, opts, pos, err := resolveConnector(SinkRole, "sink '"+name+"'", s.Pos, s.Options)
	if err != nil {
		return nil, err
	}
	sink := &Sink{Pos: s.Pos, Name: name, From: from, FromPos: fromPos, Connector: spec.Name,
		Options: opts, OptionPos: pos, Stmt: s}
	c.add(sink)
	return sink, nil
}

// CheckSinkColumns checks the options of a sink that name columns against
// the schema of what it reads: kafka key, prometheus value (numeric), labels
// and time (TIMESTAMP).
func (c *Catalog) CheckSinkColumns(s *Sink, schema *arrow.Schema) error {
	spec := LookupConnector(SinkRole, s.Connector)
	if spec == nil {
		return parser.Errorf(s.Pos, "", "unknown sink connector '%s'", s.Connector)
	}
	names := fieldNames(schema)
	find := func(opt, col string) (arrow.DataType, error) {
		col = strings.ToLower(strings.TrimSpace(col))
		idx := schema.FieldIndices(col)
		if len(idx) == 0 {
			return nil, parser.Errorf(s.OptionPos[opt], "", "option %s names unknown column '%s' of '%s'%s (columns: %s)",
				opt, col, s.From, DidYouMean(col, names), strings.Join(names, ", "))
		}
		return schema.Field(idx[0]).Type, nil
	}
	for _, o := range spec.Options {
		v, ok := s.Options[o.Name]
		if !ok {
			continue
		}
		switch o.Kind {
		case OptColumn:
			dt, err := find(o.Name, v)
			if err != nil {
				return err
			}
			s.Options[o.Name] = strings.ToLower(strings.TrimSpace(v))
			if s.Connector == "prometheus" && o.Name == "value" && !IsNumeric(dt) {
				return parser.Errorf(s.OptionPos[o.Name], "", "prometheus value column '%s' is %s; it must be numeric", v, TypeString(dt))
			}
			if s.Connector == "prometheus" && o.Name == "time" && !IsTimestamp(dt) {
				return parser.Errorf(s.OptionPos[o.Name], "", "prometheus time column '%s' is %s; it must be TIMESTAMP", v, TypeString(dt))
			}
		case OptColumns:
			var cols []string
			for _, col := range strings.Split(v, ",") {
				col = strings.ToLower(strings.TrimSpace(col))
				if col == "" {
					continue
				}
				dt, err := find(o.Name, col)
				if err != nil {
					return err
				}
				if s.Connector == "prometheus" && o.Name == "value" && !IsNumeric(dt) {
					return parser.Errorf(s.OptionPos[o.Name], "", "prometheus value column '%s' is %s; it must be numeric", col, TypeString(dt))
				}
				cols = append(cols, col)
			}
			s.Options[o.Name] = strings.Join(cols, ",")
		}
	}
	return nil
}

func fieldNames(s *arrow.Schema) []string {
	names := make([]string, s.NumFields())
	for i := range names {
		names[i] = s.Field(i).Name
	}
	return names
}
