package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spate-sql/spate/catalog"
	"github.com/spate-sql/spate/exec"
	"github.com/spate-sql/spate/exec/expr"
)

// Explain renders the physical plan. "text" prints one tree per output
// (materialized views, then sinks, in file order), from the output down to
// the sources, like EXPLAIN in Postgres or Flink: operator kind, node id and
// owner, its key details, and its output columns. A node already printed
// (a shared subtree, fan-out) is printed once more as a reference and not
// expanded. "dot" prints the DAG for Graphviz.
func (p *Pipeline) Explain(format string) (string, error) {
	switch format {
	case "", "text":
		return p.explainText(), nil
	case "dot":
		return p.explainDot(), nil
	}
	return "", fmt.Errorf("unknown explain format %q (text or dot)", format)
}

type output struct {
	title string
	node  int
}

func (p *Pipeline) outputs() []output {
	var outs []output
	for _, v := range p.Views {
		mode := "append-only"
		if v.Upsert {
			mode = "updating, key (" + strings.Join(v.Keys, ", ") + ")"
		}
		outs = append(outs, output{fmt.Sprintf("materialized view %s (%s)", v.Name, mode), v.Node})
	}
	for _, s := range p.Sinks {
		outs = append(outs, output{fmt.Sprintf("sink %s from %s (%s)", s.Name, s.From, s.Connector), s.Node})
	}
	// Sink nodes are added as their statements are planned: node order is
	// file order.
	sort.SliceStable(outs, func(i, j int) bool { return outs[i].node < outs[j].node })
	return outs
}

func (p *Pipeline) explainText() string {
	var sb strings.Builder
	printed := map[int]bool{}
	for i, o := range p.outputs() {
		if i > 0 {
			sb.WriteString("\n")
		}
		sb.WriteString(o.title + "\n")
		p.writeTree(&sb, o.node, "", "", printed)
	}
	for _, w := range p.Warnings {
		sb.WriteString("\nwarning: " + w + "\n")
	}
	return sb.String()
}

// writeTree prints node id and its inputs. first prefixes the node's own
// line, rest the lines under it.
func (p *Pipeline) writeTree(sb *strings.Builder, id int, first, rest string, printed map[int]bool) {
	n := p.Graph.Nodes[id]
	head, details := describeNode(n)
	if printed[id] {
		sb.WriteString(first + head + " (shared, shown above)\n")
		return
	}
	printed[id] = true
	sb.WriteString(first + head + "\n")
	bar := rest + "│  "
	if len(n.Inputs) == 0 {
		bar = rest + "   "
	}
	for _, d := range details {
		sb.WriteString(bar + d + "\n")
	}
	for i, in := range n.Inputs {
		if i == len(n.Inputs)-1 {
			p.writeTree(sb, in, rest+"└─ ", rest+"   ", printed)
		} else {
			p.writeTree(sb, in, rest+"├─ ", rest+"│  ", printed)
		}
	}
}

// describeNode returns a node's headline and detail lines.
func describeNode(n *exec.Node) (string, []string) {
	head := fmt.Sprintf("%s #%d %s", n.Kind, n.ID, n.Name)
	var details []string
	switch s := n.Spec.(type) {
	case *exec.SourceSpec:
		head += " [" + s.Connector + "]"
		details = append(details, "options: "+formatOptions(s.Options, "connector"))
		et := "ingestion time"
		if s.EventTime >= 0 {
			et = s.Schema.Field(s.EventTime).Name
		}
		details = append(details, fmt.Sprintf("event time: %s, watermark delay %s, on_error %s", et,
			catalog.FormatDuration(s.WatermarkDelay), s.OnError))
	case *exec.FilterSpec:
		details = append(details, "predicate: "+fmtExpr(s.Predicate))
	case *exec.ProjectSpec:
		parts := make([]string, len(s.Exprs))
		for i, e := range s.Exprs {
			parts[i] = fmtOutput(s.Names[i], e)
		}
		details = append(details, "exprs: "+strings.Join(parts, ", "))
	case *exec.WindowAssignSpec:
		details = append(details, "window: "+fmtWindow(&s.Window))
	case *exec.AggregateSpec:
		if s.Window != nil {
			details = append(details, "window: "+fmtWindow(s.Window))
		}
		keys := make([]string, len(s.Keys))
		for i, k := range s.Keys {
			keys[i] = fmtOutput(s.KeyNames[i], k)
		}
		details = append(details, "keys: ["+strings.Join(keys, ", ")+"]")
		aggs := make([]string, len(s.Aggs))
		for i, a := range s.Aggs {
			aggs[i] = fmtAgg(a)
		}
		details = append(details, "aggs: ["+strings.Join(aggs, ", ")+"]")
		if s.Having != nil {
			details = append(details, "having: "+fmtExpr(s.Having))
		}
		switch {
		case s.Window == nil:
			details = append(details, "emits: updates per watermark")
		case s.Window.Kind == exec.SessionWindow:
			details = append(details, "emits: each session once, when the watermark passes its last event + gap")
		default:
			details = append(details, fmt.Sprintf("emits: each window once, when the watermark passes its end (window_start = input column %d)", s.WindowStart))
		}
	case *exec.TimelineSpec:
		details = append(details, "window: "+fmtWindow(&s.Window))
		keys := make([]string, len(s.Keys))
		for i, k := range s.Keys {
			keys[i] = fmtOutput(s.KeyNames[i], k)
		}
		details = append(details, "keys: ["+strings.Join(keys, ", ")+"]")
		details = append(details, fmt.Sprintf("timeline: time %s, ttl %s", fmtExpr(s.Time), catalog.FormatDuration(s.TTL)))
		for i, st := range s.States {
			details = append(details, fmt.Sprintf("state #%d: %s %s", i, stateCall(st, fmtExpr), catalog.TypeString(st.Type)))
		}
		if len(s.Plain) > 0 {
			aggs := make([]string, len(s.Plain))
			for i, a := range s.Plain {
				aggs[i] = fmtAgg(a)
			}
			details = append(details, "aggs: ["+strings.Join(aggs, ", ")+"]")
		}
		for _, a := range s.Aggs {
			details = append(details, "timeline agg: "+describeTimelineAgg(a, fmtExpr))
		}
		if s.Having != nil {
			details = append(details, "having: "+fmtExpr(s.Having))
		}
		details = append(details, "emits: each (key, window) its timeline overlaps once, when the watermark passes the window end")
	case *exec.JoinSpec:
		details = append(details, "join: "+describeJoin(s, fmtExpr))
	case *exec.TopNSpec:
		details = append(details, topNDetails(n, s)...)
	case *exec.SinkSpec:
		head += " [" + s.Connector + "]"
		if opts := formatOptions(s.Options, "connector"); opts != "" {
			details = append(details, "options: "+opts)
		}
	}
	details = append(details, "out: "+fmtSchema(n))
	return head, details
}

func fmtSchema(n *exec.Node) string {
	parts := make([]string, n.Schema.NumFields())
	for i, f := range n.Schema.Fields() {
		parts[i] = f.Name + " " + catalog.TypeString(f.Type)
	}
	s := "(" + strings.Join(parts, ", ") + ")"
	if n.Upsert {
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = n.Schema.Field(k).Name
		}
		s += " updating, key (" + strings.Join(keys, ", ") + ")"
	}
	if n.EventTime >= 0 {
		s += " event_time=" + n.Schema.Field(n.EventTime).Name
	}
	return s
}

func formatOptions(opts map[string]string, skip string) string {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		if k != skip {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "='" + opts[k] + "'"
	}
	return strings.Join(parts, ", ")
}

func fmtOutput(name string, e expr.Expr) string {
	if r, ok := e.(*expr.ColumnRef); ok && r.Name == name {
		return fmtExpr(e)
	}
	return name + " := " + fmtExpr(e)
}

func fmtAgg(a exec.AggFunc) string {
	var c string
	switch a.Kind {
	case exec.AggCountStar:
		c = "count(*)"
	case exec.AggCountDistinct:
		c = "count(DISTINCT " + fmtExpr(a.Arg) + ")"
	default:
		c = a.Kind.String() + "(" + fmtExpr(a.Arg) + ")"
	}
	return fmt.Sprintf("%s := %s %s", a.Name, c, catalog.TypeString(a.Type))
}

func fmtWindow(w *exec.WindowSpec) string {
	switch w.Kind {
	case exec.TumbleWindow:
		return fmt.Sprintf("tumble(%s, size %s)", fmtExpr(w.Time), catalog.FormatDuration(w.Size))
	case exec.HopWindow:
		return fmt.Sprintf("hop(%s, slide %s, size %s)", fmtExpr(w.Time), catalog.FormatDuration(w.Slide), catalog.FormatDuration(w.Size))
	}
	return fmt.Sprintf("session(%s, gap %s)", fmtExpr(w.Time), catalog.FormatDuration(w.Gap))
}

// fmtExpr renders a bound expression as SQL-like text: infix operators,
// readable literals, column refs as name#index.
func fmtExpr(e expr.Expr) string {
	switch x := e.(type) {
	case nil:
		return "<nil>"
	case *expr.ColumnRef:
		return fmt.Sprintf("%s#%d", x.Name, x.Index)
	case *expr.Literal:
		s := literalString(x)
		if x.Value == nil {
			return "NULL::" + catalog.TypeString(x.Type)
		}
		return s
	case *expr.Call:
		args := make([]string, len(x.Args))
		for i, a := range x.Args {
			args[i] = fmtExpr(a)
		}
		if x.Func == "div" && isInteger(x.Type) {
			return "(" + args[0] + " // " + args[1] + ")"
		}
		if sym, ok := opSymbols[x.Func]; ok && len(args) == 2 {
			return "(" + args[0] + " " + sym + " " + args[1] + ")"
		}
		switch x.Func {
		case "cast":
			return "CAST(" + args[0] + " AS " + catalog.TypeString(x.Type) + ")"
		case "not":
			return "NOT " + args[0]
		case "neg":
			return "-" + args[0]
		case "is_null":
			return args[0] + " IS NULL"
		case "is_not_null":
			return args[0] + " IS NOT NULL"
		case "in":
			return args[0] + " IN (" + strings.Join(args[1:], ", ") + ")"
		case "between":
			return "(" + args[0] + " BETWEEN " + args[1] + " AND " + args[2] + ")"
		case "like":
			return "(" + args[0] + " LIKE " + args[1] + ")"
		}
		return x.Func + "(" + strings.Join(args, ", ") + ")"
	}
	return e.String()
}

func (p *Pipeline) explainDot() string {
	var sb strings.Builder
	sb.WriteString("digraph spate {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n")
	for _, n := range p.Graph.Nodes {
		head, details := describeNode(n)
		label := head
		for _, d := range details {
			label += "\n" + d
		}
		shape := ""
		switch n.Kind {
		case exec.KindSource:
			shape = ", shape=cylinder"
		case exec.KindSink:
			shape = ", shape=folder"
		}
		fmt.Fprintf(&sb, "  n%d [label=%s%s];\n", n.ID, dotQuote(label), shape)
	}
	for _, n := range p.Graph.Nodes {
		for port, in := range n.Inputs {
			attr := ""
			if len(n.Inputs) > 1 {
				attr = fmt.Sprintf(" [label=\"%d\"]", port)
			}
			if p.Graph.Nodes[in].Upsert {
				attr = strings.TrimSuffix(attr, "]")
				if attr == "" {
					attr = " [style=dashed]"
				} else {
					attr += ", style=dashed]"
				}
			}
			fmt.Fprintf(&sb, "  n%d -> n%d%s;\n", in, n.ID, attr)
		}
	}
	sb.WriteString("}\n")
	return sb.String()
}

// dotQuote quotes a label, left-justifying its lines.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\l`)
	return `"` + r.Replace(s) + `\l"`
}
