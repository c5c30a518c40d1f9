package catalog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// OptionKind says how an option's value is checked.
type OptionKind int

const (
	OptString   OptionKind = iota // any text
	OptDuration                   // ParseDuration
	OptPosInt                     // an integer > 0
	OptInt                        // any integer
	OptEnum                       // one of Enum
	OptColumn                     // a column name, checked against the schema
	OptColumns                    // comma-separated column names
)

// OptionSpec describes one WITH option of a connector.
type OptionSpec struct {
	Name     string
	Kind     OptionKind
	Required bool
	Default  string   // written into the options map when absent ("" = none)
	Enum     []string // OptEnum: accepted values, lower case
	// Unsupported lists values that are valid SQL but not implemented
	// yet; they are refused with "not supported yet".
	Unsupported []string
}

// Role says where a connector can be used.
type Role int

const (
	SourceRole Role = iota
	SinkRole
)

func (r Role) String() string { return [...]string{"source", "sink"}[r] }

// ConnectorSpec is the static description of a connector.
type ConnectorSpec struct {
	Name string
	Role Role
	// Generator sources define their own columns (via SchemaFunc).
	Generator bool
	// EventTime is a generator's event time column.
	EventTime string
	Options   []OptionSpec
}

// Option returns the spec of option name, or nil.
func (c *ConnectorSpec) Option(name string) *OptionSpec {
	for i := range c.Options {
		if c.Options[i].Name == name {
			return &c.Options[i]
		}
	}
	return nil
}

// OptionNames lists the connector's options, sorted, for messages.
func (c *ConnectorSpec) OptionNames() []string {
	names := make([]string, len(c.Options))
	for i, o := range c.Options {
		names[i] = o.Name
	}
	sort.Strings(names)
	return names
}

var onErrorOpt = OptionSpec{Name: "on_error", Kind: OptEnum, Default: "dead_letter",
	Enum: []string{"skip", "dead_letter", "fail"}}
var watermarkDelayOpt = OptionSpec{Name: "watermark_delay", Kind: OptDuration, Default: "0s"}
var connectorOpt = OptionSpec{Name: "connector", Kind: OptString, Required: true}

// sourceConnectors and sinkConnectors are the connectors SPEC §3 names.
var sourceConnectors = []*ConnectorSpec{
	{Name: "kafka", Role: SourceRole, Options: []OptionSpec{
		connectorOpt,
		{Name: "topic", Kind: OptString, Required: true},
		{Name: "brokers", Kind: OptString},
		{Name: "format", Kind: OptEnum, Default: "json", Enum: []string{"json", "csv"}, Unsupported: []string{"csv"}},
		{Name: "event_time", Kind: OptColumn},
		watermarkDelayOpt,
		{Name: "group_id", Kind: OptString},
		{Name: "start_offset", Kind: OptEnum, Default: "earliest", Enum: []string{"earliest", "latest"}},
		onErrorOpt,
	}},
	{Name: "nexmark", Role: SourceRole, Generator: true, EventTime: "date_time", Options: []OptionSpec{
		connectorOpt,
		{Name: "table", Kind: OptEnum, Required: true, Enum: []string{"person", "auction", "bid"}},
		{Name: "events", Kind: OptPosInt, Required: true},
		{Name: "rate", Kind: OptPosInt},
		{Name: "seed", Kind: OptInt},
		watermarkDelayOpt,
		onErrorOpt,
	}},
	{Name: "video_sessions", Role: SourceRole, Generator: true, EventTime: "ts", Options: []OptionSpec{
		connectorOpt,
		{Name: "sessions", Kind: OptPosInt},
		{Name: "events", Kind: OptPosInt, Required: true},
		{Name: "seed", Kind: OptInt},
		{Name: "rate", Kind: OptPosInt},
		watermarkDelayOpt,
		onErrorOpt,
	}},
}

var sinkConnectors = []*ConnectorSpec{
	{Name: "kafka", Role: SinkRole, Options: []OptionSpec{
		connectorOpt,
		{Name: "topic", Kind: OptString, Required: true},
		{Name: "brokers", Kind: OptString},
		{Name: "format", Kind: OptEnum, Default: "json", Enum: []string{"json", "csv"}, Unsupported: []string{"csv"}},
		{Name: "key", Kind: OptColumn},
		// exactly_once needs checkpoints (on in spate run); see
		// connectors/kafka/outbox.go.
		{Name: "delivery", Kind: OptEnum, Default: "exactly_once", Enum: []string{"exactly_once", "at_least_once"}},
	}},
	{Name: "prometheus", Role: SinkRole, Options: []OptionSpec{
		connectorOpt,
		{Name: "url", Kind: OptString, Required: true},
		{Name: "metric", Kind: OptString, Required: true},
		// One numeric column, or several: each becomes its own metric,
		// named <metric>_<column>.
		{Name: "value", Kind: OptColumns, Required: true},
		{Name: "labels", Kind: OptColumns},
		{Name: "time", Kind: OptColumn},
		{Name: "batch_size", Kind: OptPosInt, Default: "2000"},                          // samples per remote-write request
		{Name: "max_series", Kind: OptPosInt, Default: "10000"},                         // label-cardinality cap
		{Name: "max_retries", Kind: OptPosInt, Default: "10"},                           // per request, with exponential backoff
		{Name: "protocol", Kind: OptEnum, Default: "1.0", Enum: []string{"1.0", "2.0"}}, // remote-write version
	}},
	{Name: "stdout", Role: SinkRole, Options: []OptionSpec{
		connectorOpt,
		{Name: "format", Kind: OptEnum, Default: "json", Enum: []string{"json"}},
	}},
	{Name: "blackhole", Role: SinkRole, Options: []OptionSpec{connectorOpt}},
}

// viewOptions are the WITH options of CREATE [MATERIALIZED] VIEW.
var viewOptions = &ConnectorSpec{Name: "materialized view", Options: []OptionSpec{
	{Name: "timeline_ttl", Kind: OptDuration, Default: "5m"},
}}

// LookupConnector returns the spec of a connector in a role, or nil.
func LookupConnector(role Role, name string) *ConnectorSpec {
	list := sourceConnectors
	if role == SinkRole {
		list = sinkConnectors
	}
	for _, c := range list {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ConnectorNames lists the connectors of a role, sorted.
func ConnectorNames(role Role) []string {
	list := sourceConnectors
	if role == SinkRole {
		list = sinkConnectors
	}
	names := make([]string, len(list))
	for i, c := range list {
		names[i] = c.Name
	}
	sort.Strings(names)
	return names
}

// checkValue validates one option value of a kind that needs no schema.
func (o *OptionSpec) checkValue(v string) error {
	switch o.Kind {
	case OptDuration:
		if _, err := ParseDuration(v); err != nil {
			return fmt.Errorf("invalid duration '%s' for option %s: %v", v, o.Name, err)
		}
	case OptPosInt, OptInt:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("invalid value '%s' for option %s (expected an integer)", v, o.Name)
		}
		if o.Kind == OptPosInt && n <= 0 {
			return fmt.Errorf("invalid value '%s' for option %s (expected an integer greater than 0)", v, o.Name)
		}
	case OptEnum:
		lv := strings.ToLower(v)
		for _, u := range o.Unsupported {
			if lv == u {
				return fmt.Errorf("%s = '%s' is not supported yet", o.Name, v)
			}
		}
		for _, e := range o.Enum {
			if lv == e {
				return nil
			}
		}
		return fmt.Errorf("invalid value '%s' for option %s (expected %s)", v, o.Name, orList(o.Enum))
	case OptColumn:
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("option %s needs a column name", o.Name)
		}
	case OptColumns:
		if o.Required && strings.Trim(v, " \t\n,") == "" {
			return fmt.Errorf("option %s needs at least one column name", o.Name)
		}
	}
	return nil
}

// orList writes "a, b or c".
func orList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}
