package expr

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

func isTimestamp(t arrow.DataType) bool { return t.ID() == arrow.TIMESTAMP }

// newTimePart is hour(ts), minute(ts), second(ts) in UTC.
func newTimePart(fn string, args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return nil, err
	}
	if err := checkArgTypes(args, isTimestamp); err != nil {
		return nil, err
	}
	if !isIntType(out) {
		return nil, fmt.Errorf("result type must be BIGINT or INT, got %s", out)
	}
	if isNullLit(args[0]) || args[0].typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	div, mod := int64(3600000), int64(24)
	switch fn {
	case "minute":
		div, mod = 60000, 60
	case "second":
		div, mod = 1000, 60
	}
	return &timePart{a: args[0], t: out, div: div, mod: mod}, nil
}

type timePart struct {
	a        node
	t        arrow.DataType
	div, mod int64
	out      vec
}

func (n *timePart) typ() arrow.DataType { return n.t }

func (n *timePart) eval(b arrow.RecordBatch, rows int) (vec, error) {
	v, err := n.a.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	out := &n.out
	out.valid = v.valid
	if n.t.ID() == arrow.INT32 {
		out.i32 = grow(out.i32, rows)
		for i, ms := range v.i64[:rows] {
			_, r := floorDivMod(ms, msPerDay)
			out.i32[i] = int32(r / n.div % n.mod)
		}
	} else {
		out.i64 = grow(out.i64, rows)
		for i, ms := range v.i64[:rows] {
			_, r := floorDivMod(ms, msPerDay)
			out.i64[i] = r / n.div % n.mod
		}
	}
	return *out, nil
}

// newInterval is ts ± ms (BIGINT or INT milliseconds), overflow-checked.
func newInterval(sub bool, args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return nil, err
	}
	if err := checkArgTypes(args, isTimestamp, isIntType); err != nil {
		return nil, err
	}
	if !isTimestamp(out) {
		return nil, fmt.Errorf("result type must be TIMESTAMP, got %s", out)
	}
	ms := args[1]
	if ms.typ().ID() == arrow.INT32 {
		c, err := newCast(ms, TypeBigint)
		if err != nil {
			return nil, err
		}
		ms = c
	}
	ts := node(&retype{a: args[0], t: TypeBigint})
	if l, ok := args[0].(*litNode); ok {
		ts = &litNode{t: TypeBigint, null: l.null, i64: l.i64}
	}
	op := "add"
	if sub {
		op = "sub"
	}
	n, err := newArith(op, []node{ts, ms}, TypeBigint)
	if err != nil {
		return nil, err
	}
	if l, ok := n.(*litNode); ok {
		return &litNode{t: out, null: l.null, i64: l.i64}, nil
	}
	return &retype{a: n, t: out}, nil
}

// date_format with MySQL format codes, compiled once into a list of steps.

type dfStep struct {
	code byte   // 0: literal text
	text []byte // literal text
}

var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
	dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

func compileDateFormat(f []byte) ([]dfStep, error) {
	var steps []dfStep
	var text []byte
	flush := func() {
		if len(text) > 0 {
			steps = append(steps, dfStep{text: text})
			text = nil
		}
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i+1 == len(f) {
			text = append(text, c)
			continue
		}
		i++
		switch d := f[i]; d {
		case 'a', 'b', 'c', 'D', 'd', 'e', 'f', 'H', 'h', 'I', 'i', 'j', 'k', 'l', 'M', 'm',
			'p', 'r', 'S', 's', 'T', 'U', 'W', 'w', 'Y', 'y', 'v', 'x':
			flush()
			steps = append(steps, dfStep{code: d})
		case 'u', 'V', 'X':
			return nil, fmt.Errorf("date_format code %%%c is not supported", d)
		default:
			// MySQL: %% is %, and %x for any other x is x.
			text = append(text, d)
		}
	}
	flush()
	return steps, nil
}

func newDateFormat(args []node, out arrow.DataType) (node, error) {
	return newTimeFormat(args, out, compileDateFormat)
}

// newTimeFormat is date_format and strftime: a timestamp and a literal
// format, compiled once into steps by compile (MySQL's or DuckDB's codes).
func newTimeFormat(args []node, out arrow.DataType, compile func([]byte) ([]dfStep, error)) (node, error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return nil, err
	}
	if err := checkArgTypes(args, isTimestamp, isStringType); err != nil {
		return nil, err
	}
	if err := wantString(out); err != nil {
		return nil, err
	}
	l, ok := args[1].(*litNode)
	if !ok {
		return nil, fmt.Errorf("the format must be a literal")
	}
	if l.null || isNullLit(args[0]) || args[0].typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	steps, err := compile(l.s)
	if err != nil {
		return nil, err
	}
	return &dateFormat{a: args[0], steps: steps}, nil
}

type dateFormat struct {
	a     node
	steps []dfStep
	sout  strOut
	days  dayCache
}

func (n *dateFormat) typ() arrow.DataType { return TypeVarchar }

func (n *dateFormat) eval(b arrow.RecordBatch, rows int) (vec, error) {
	v, err := n.a.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	o := &n.sout
	o.reset(rows)
	data := o.data
	for i := 0; i < rows; i++ {
		if v.isValid(i) {
			data = appendDateFormat(data, n.steps, v.i64[i], &n.days)
		}
		o.offs[i+1] = int32(len(data))
	}
	o.data = data
	return o.vec(v.valid), nil
}

func hour12(h int) int {
	h %= 12
	if h == 0 {
		return 12
	}
	return h
}

func ampm(h int) string {
	if h < 12 {
		return "AM"
	}
	return "PM"
}

func daySuffix(d int) string {
	if d/10 == 1 {
		return "th"
	}
	switch d % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

func appendDateFormat(dst []byte, steps []dfStep, ms int64, c *dayCache) []byte {
	p := splitTS(ms, c)
	wday := int((p.days%7 + 11) % 7) // 1970-01-01 was a Thursday (4)
	yday := int(p.days - daysFromCivil(p.year, 1, 1))
	for _, s := range steps {
		switch s.code {
		case 0:
			dst = append(dst, s.text...)
		case 'a':
			dst = append(dst, dayNames[wday][:3]...)
		case 'b':
			dst = append(dst, monthNames[p.month-1][:3]...)
		case 'c':
			dst = strconv.AppendInt(dst, int64(p.month), 10)
		case 'D':
			dst = strconv.AppendInt(dst, int64(p.day), 10)
			dst = append(dst, daySuffix(p.day)...)
		case 'd':
			dst = append2(dst, p.day)
		case 'e':
			dst = strconv.AppendInt(dst, int64(p.day), 10)
		case 'f':
			dst = appendPad(dst, int64(p.ms)*1000, 6)
		case 'H':
			dst = append2(dst, p.hour)
		case 'h', 'I':
			dst = append2(dst, hour12(p.hour))
		case 'i':
			dst = append2(dst, p.minute)
		case 'j':
			dst = appendPad(dst, int64(yday+1), 3)
		case 'k':
			dst = strconv.AppendInt(dst, int64(p.hour), 10)
		case 'l':
			dst = strconv.AppendInt(dst, int64(hour12(p.hour)), 10)
		case 'M':
			dst = append(dst, monthNames[p.month-1]...)
		case 'm':
			dst = append2(dst, p.month)
		case 'p':
			dst = append(dst, ampm(p.hour)...)
		case 'r':
			dst = append2(dst, hour12(p.hour))
			dst = append(dst, ':')
			dst = append2(dst, p.minute)
			dst = append(dst, ':')
			dst = append2(dst, p.second)
			dst = append(dst, ' ')
			dst = append(dst, ampm(p.hour)...)
		case 'S', 's':
			dst = append2(dst, p.second)
		case 'T':
			dst = append2(dst, p.hour)
			dst = append(dst, ':')
			dst = append2(dst, p.minute)
			dst = append(dst, ':')
			dst = append2(dst, p.second)
		case 'U':
			// Week of the year, Sunday first; days before the first Sunday are week 0.
			dst = append2(dst, (yday+7-wday)/7)
		case 'v', 'x':
			y, w := isoWeek(p.days, wday)
			if s.code == 'v' {
				dst = append2(dst, w)
			} else {
				dst = appendPad(dst, y, 4)
			}
		case 'W':
			dst = append(dst, dayNames[wday]...)
		case 'w':
			dst = strconv.AppendInt(dst, int64(wday), 10)
		case 'Y':
			dst = appendPad(dst, p.year, 4)
		case 'y':
			dst = append2(dst, int(((p.year%100)+100)%100))
		}
	}
	return dst
}

// isoWeek is the ISO 8601 week-numbering year and week (MySQL %x / %v).
func isoWeek(days int64, wday int) (int64, int) {
	// ISO weekday: Monday=1..Sunday=7; the week's Thursday decides the year.
	iso := wday
	if iso == 0 {
		iso = 7
	}
	thursday := days - int64(iso) + 4
	ty, _, _ := civilFromDays(thursday)
	start := daysFromCivil(ty, 1, 1)
	return ty, int((thursday-start)/7) + 1
}
