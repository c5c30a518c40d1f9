package expr

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"

	"github.com/apache/arrow-go/v18/arrow"
)

// regexp_extract(s, pattern [, group]) is DuckDB's: the group'th capture
// of the first match (0: the whole match), ” when there is no match or
// the group did not take part, NULL only for a NULL s.
func newRegexpExtract(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 2, 3); err != nil {
		return nil, err
	}
	if err := wantString(out); err != nil {
		return nil, err
	}
	if err := checkArgTypes(args[:2], isStringType); err != nil {
		return nil, err
	}
	l, ok := args[1].(*litNode)
	if !ok {
		return nil, fmt.Errorf("the pattern must be a literal")
	}
	group := int64(0)
	if len(args) == 3 {
		g, ok := args[2].(*litNode)
		if !ok || (!isIntType(g.t) && g.t.ID() != arrow.NULL) {
			return nil, fmt.Errorf("the group must be an integer literal")
		}
		if g.null {
			return nullLit(out), nil
		}
		if group = g.i64; group < 0 || group > 9 {
			return nil, fmt.Errorf("group index must be between 0 and 9, got %d", group)
		}
	}
	if l.null || isNullLit(args[0]) || args[0].typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	re, err := regexp.Compile(string(l.s))
	if err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", l.s, err)
	}
	n := &regexpExtract{m: newMultiArg(args[:1]), re: re, group: int(group), need: requiredLiteral(string(l.s))}
	if int(group) > re.NumSubexp() {
		n.never = true
	}
	return n, nil
}

// requiredLiteral is a literal every match contains (the longest
// case-sensitive literal directly in the pattern's top-level
// concatenation), so rows without it skip the regexp, which allocates
// per successful search.
func requiredLiteral(pat string) []byte {
	re, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	var best []rune
	consider := func(x *syntax.Regexp) {
		if x.Op == syntax.OpLiteral && x.Flags&syntax.FoldCase == 0 && len(x.Rune) > len(best) {
			best = x.Rune
		}
	}
	consider(re)
	if re.Op == syntax.OpConcat {
		for _, x := range re.Sub {
			consider(x)
		}
	}
	if len(best) == 0 {
		return nil
	}
	return []byte(string(best))
}

type regexpExtract struct {
	m     multiArg
	re    *regexp.Regexp
	group int
	need  []byte
	never bool // the group does not exist: always ''
	sout  strOut
}

func (n *regexpExtract) typ() arrow.DataType { return TypeVarchar }

func (n *regexpExtract) eval(b arrow.RecordBatch, rows int) (vec, error) {
	valid, err := n.m.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	x := n.m.str(0)
	o := &n.sout
	o.reset(rows)
	data := o.data
	for i := 0; i < rows; i++ {
		if !n.never && (valid == nil || getBit(valid, i)) {
			s := x.get(i)
			if n.need == nil || bytes.Contains(s, n.need) {
				if loc := n.re.FindSubmatchIndex(s); loc != nil && loc[2*n.group] >= 0 {
					data = append(data, s[loc[2*n.group]:loc[2*n.group+1]]...)
				}
			}
		}
		o.offs[i+1] = int32(len(data))
	}
	o.data = data
	return o.vec(valid), nil
}

// strftime(ts, format) with DuckDB's format codes, compiled to the
// date_format steps.
func newStrftime(args []node, out arrow.DataType) (node, error) {
	return newTimeFormat(args, out, compileStrftime)
}

// strftimeCodes maps DuckDB's codes (after %, or %-) to date_format's.
var strftimeCodes = map[string]byte{
	"a": 'a', "A": 'W', "b": 'b', "B": 'M', "d": 'd', "-d": 'e', "f": 'f', "H": 'H', "-H": 'k',
	"I": 'h', "-I": 'l', "j": 'j', "m": 'm', "-m": 'c', "M": 'i', "p": 'p', "S": 'S',
	"w": 'w', "U": 'U', "y": 'y', "Y": 'Y', "G": 'x', "V": 'v',
}

func compileStrftime(f []byte) ([]dfStep, error) {
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
		if c != '%' {
			text = append(text, c)
			continue
		}
		if i+1 == len(f) {
			return nil, fmt.Errorf("strftime format ends with a lone %%")
		}
		i++
		if f[i] == '%' {
			text = append(text, '%')
			continue
		}
		code := string(f[i])
		if f[i] == '-' && i+1 < len(f) {
			i++
			code = "-" + string(f[i])
		}
		d, ok := strftimeCodes[code]
		if !ok {
			return nil, fmt.Errorf("strftime code %%%s is not supported", code)
		}
		flush()
		steps = append(steps, dfStep{code: d})
	}
	flush()
	return steps, nil
}

// newDatePart is year(ts), month(ts), day(ts) in UTC.
func newDatePart(fn string, args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return nil, err
	}
	if err := checkArgTypes(args, isTimestamp); err != nil {
		return nil, err
	}
	if out.ID() != arrow.INT64 {
		return nil, fmt.Errorf("result type must be BIGINT, got %s", out)
	}
	if isNullLit(args[0]) || args[0].typ().ID() == arrow.NULL {
		return nullLit(out), nil
	}
	return &datePart{fn: fn, a: args[0]}, nil
}

type datePart struct {
	fn   string
	a    node
	days dayCache
	out  vec
}

func (n *datePart) typ() arrow.DataType { return TypeBigint }

func (n *datePart) eval(b arrow.RecordBatch, rows int) (vec, error) {
	v, err := n.a.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	out := &n.out
	out.valid = v.valid
	out.i64 = grow(out.i64, rows)
	for i, ms := range v.i64[:rows] {
		days, _ := floorDivMod(ms, msPerDay)
		y, m, d := n.days.civil(days)
		switch n.fn {
		case "year":
			out.i64[i] = y
		case "month":
			out.i64[i] = int64(m)
		default:
			out.i64[i] = int64(d)
		}
	}
	return *out, nil
}
