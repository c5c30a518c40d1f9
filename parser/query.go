package parser

import (
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"vitess.io/vitess/go/vt/sqlparser"
)

var (
	vitessOnce   sync.Once
	vitessParser *sqlparser.Parser
	vitessErr    error
)

func vitess() (*sqlparser.Parser, error) {
	vitessOnce.Do(func() {
		vitessParser, vitessErr = sqlparser.New(sqlparser.Options{})
	})
	return vitessParser, vitessErr
}

// edit replaces the file bytes [off, end) by repl in the text given to
// vitess. Edits make spate's dialect acceptable to a MySQL parser while
// every position can still be mapped back to the file.
type edit struct {
	off, end int
	repl     string
}

// castInfo is a CAST/CONVERT target type parsed by spate itself (vitess
// only knows MySQL's SIGNED/CHAR/...), keyed by the CAST word's index.
type castInfo struct {
	typ   TypeName
	close int // index of the ')' closing the CAST
}

// queryText is the text handed to vitess for one query.
type queryText struct {
	text  string
	start int    // file offset of text[0]
	edits []edit // sorted by off
}

// fileOffset maps an offset in text back to a file offset; an offset inside
// a replacement maps to the start of what it replaced.
func (q *queryText) fileOffset(v int) int {
	f, vpos := q.start, 0
	for _, e := range q.edits {
		gap := e.off - f
		if v < vpos+gap {
			return f + (v - vpos)
		}
		vpos += gap
		if v < vpos+len(e.repl) {
			return e.off
		}
		vpos += len(e.repl)
		f = e.end
	}
	return f + (v - vpos)
}

// prepare builds the vitess text of a query: comments blanked (newlines
// kept), and spate's non-MySQL forms rewritten:
//   - "||" is string concatenation (standard SQL, DuckDB), not MySQL's OR:
//     it becomes "<<", which has the right precedence (below + -, above
//     comparisons) and is translated back; a real "<<" is refused.
//   - FULL [OUTER] JOIN becomes LEFT [OUTER] JOIN; the translator reads FULL
//     back from the original tokens.
//   - CAST(x AS type) / CONVERT(x, type) targets are parsed here with
//     spate's type names and replaced by CHAR.
//   - NULLS FIRST/LAST is blanked; the translator reads it back after each
//     ORDER BY item and refuses one that no item claimed.
func prepare(li *lineIndex, toks []token) (*queryText, *rewrites, *Error) {
	var edits []edit
	rw := &rewrites{casts: map[int]castInfo{}, nulls: map[int]bool{}, intervals: map[int]intervalInfo{}}
	var open []int // indexes of the unclosed '(' before the current token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.isOp("("):
			open = append(open, i)
		case t.isOp(")") && len(open) > 0:
			open = open[:len(open)-1]
		}
		switch {
		case t.isWord("interval"):
			iv, last, err := intervalLiteral(li, toks, i)
			if err != nil {
				return nil, nil, err
			}
			if iv != nil {
				rw.intervals[i] = intervalInfo{lit: *iv, last: last}
				repl := "'" + intervalMarker + strconv.Itoa(i) + "'"
				if dateAddArg(toks, i, open) {
					// DATE_ADD needs MySQL's own syntax; the translator
					// reads the recorded literal instead of this stand-in.
					repl = "INTERVAL 1 SECOND"
				}
				edits = append(edits, edit{t.off, toks[last].end, repl})
				i = last
			}
		case t.isOp("||"):
			edits = append(edits, edit{t.off, t.end, "<<"})
		case t.isOp("<<") || t.isOp(">>"):
			return nil, nil, &Error{Pos: li.pos(t.off), Token: t.val, Msg: "bit shift operators are not supported"}
		case t.isWord("full") && i+1 < len(toks) && (toks[i+1].isWord("join") || toks[i+1].isWord("outer") && i+2 < len(toks) && toks[i+2].isWord("join")):
			edits = append(edits, edit{t.off, t.end, "left"})
		case t.isWord("nulls") && i+1 < len(toks) && (toks[i+1].isWord("first") || toks[i+1].isWord("last")):
			edits = append(edits, edit{t.off, toks[i+1].end, ""})
			rw.nulls[i] = true
			i++
		case (t.isWord("cast") || t.isWord("convert")) && i+1 < len(toks) && toks[i+1].isOp("("):
			ci, e, err := castTarget(li, toks, i)
			if err != nil {
				return nil, nil, err
			}
			if ci != nil {
				rw.casts[i] = *ci
				edits = append(edits, e)
			}
		}
	}
	sort.Slice(edits, func(a, b int) bool { return edits[a].off < edits[b].off })

	start, stop := toks[0].off, toks[len(toks)-1].end
	covered := make([]bool, stop-start)
	for _, t := range toks {
		for k := t.off; k < t.end; k++ {
			covered[k-start] = true
		}
	}
	var b strings.Builder
	b.Grow(stop - start)
	ei := 0
	for k := start; k < stop; {
		if ei < len(edits) && edits[ei].off == k {
			b.WriteString(edits[ei].repl)
			k = edits[ei].end
			ei++
			continue
		}
		switch c := li.src[k]; {
		case covered[k-start] || c == '\n':
			b.WriteByte(c)
		default:
			b.WriteByte(' ')
		}
		k++
	}
	// A trailing blank makes vitess's error offset at the end of input
	// differ from one on the last token, which syntaxError relies on.
	b.WriteByte(' ')
	return &queryText{text: b.String(), start: start, edits: edits}, rw, nil
}

// rewrites is what prepare changed, for the translator to read back.
type rewrites struct {
	casts     map[int]castInfo
	nulls     map[int]bool // NULLS FIRST/LAST markers; cleared when claimed
	intervals map[int]intervalInfo
}

// intervalInfo is an INTERVAL literal parsed by prepare, keyed by the index
// of its INTERVAL word; vitess sees a marker string in its place, because
// MySQL only allows INTERVAL as an operand of + and -, while spate accepts
// it anywhere (tumble(ts, INTERVAL '1' MINUTE)).
type intervalInfo struct {
	lit  IntervalLit
	last int // index of the literal's last token
}

// intervalMarker starts the string vitess sees instead of an INTERVAL
// literal; the number after it is the INTERVAL word's token index, which
// the translator checks against the literals prepare recorded.
const intervalMarker = "\x00spate-interval:"

// dateAddArg reports whether the INTERVAL at i is the second argument of
// DATE_ADD/DATE_SUB/ADDDATE/SUBDATE, where vitess needs it verbatim.
func dateAddArg(toks []token, i int, open []int) bool {
	if i == 0 || !toks[i-1].isOp(",") || len(open) == 0 || open[len(open)-1] == 0 {
		return false
	}
	f := toks[open[len(open)-1]-1]
	return f.isWord("date_add") || f.isWord("date_sub") || f.isWord("adddate") || f.isWord("subdate")
}

// intervalLiteral parses INTERVAL [-]n UNIT, INTERVAL '[-]n' UNIT and
// INTERVAL 'n unit' starting at toks[i]. It returns nil (and no error) when
// the tokens are not such a literal, leaving them to vitess.
func intervalLiteral(li *lineIndex, toks []token, i int) (*IntervalLit, int, *Error) {
	j := i + 1
	neg := false
	if j < len(toks) && (toks[j].isOp("-") || toks[j].isOp("+")) {
		neg = toks[j].isOp("-")
		j++
	}
	if j >= len(toks) || (toks[j].kind != tokNumber && toks[j].kind != tokString) {
		return nil, 0, nil
	}
	val, unit, last := toks[j].val, "", j
	if j+1 < len(toks) && toks[j+1].kind == tokIdent && intervalUnit(toks[j+1].val) != "" {
		unit, last = intervalUnit(toks[j+1].val), j+1
	} else if toks[j].kind == tokNumber {
		if j+1 < len(toks) && toks[j+1].kind == tokIdent {
			return nil, 0, &Error{Pos: li.pos(toks[j+1].off), Token: li.text(toks[j+1]), Msg: fmt.Sprintf("unknown interval unit %s; use MILLISECOND, SECOND, MINUTE, HOUR, DAY or WEEK", strings.ToUpper(toks[j+1].val))}
		}
		return nil, 0, &Error{Pos: li.pos(toks[i].off), Token: li.text(toks[i]), Msg: fmt.Sprintf("INTERVAL %s needs a unit, like INTERVAL %s SECOND", toks[j].val, toks[j].val)}
	} else if toks[j].kind == tokString {
		// INTERVAL '10 seconds' (Postgres, DuckDB)
		f := strings.Fields(val)
		if len(f) != 2 || intervalUnit(strings.ToLower(f[1])) == "" {
			return nil, 0, &Error{Pos: li.pos(toks[i].off), Token: li.text(toks[i]), Msg: fmt.Sprintf("cannot read the interval %q; write INTERVAL '10' SECOND or INTERVAL '10 seconds'", val)}
		}
		val, unit = f[0], intervalUnit(strings.ToLower(f[1]))
	} else {
		return nil, 0, nil
	}
	text := string(li.src[toks[i].off:toks[last].end])
	ms, msg := intervalMillis(val, neg, unit, text)
	if msg != "" {
		return nil, 0, &Error{Pos: li.pos(toks[i].off), Token: li.text(toks[i]), Msg: msg}
	}
	return &IntervalLit{Pos: li.pos(toks[i].off), Millis: ms, Text: text}, last, nil
}

// intervalUnit returns the canonical (singular, lower-case) name of an
// interval unit word, accepting plurals, or "" when w is not a unit.
func intervalUnit(w string) string {
	switch w {
	case "microsecond", "second", "minute", "hour", "day", "week", "month", "quarter", "year",
		"second_microsecond", "minute_microsecond", "minute_second", "hour_microsecond",
		"hour_second", "hour_minute", "day_microsecond", "day_second", "day_minute",
		"day_hour", "year_month":
		return w
	case "microseconds", "seconds", "minutes", "hours", "days", "weeks", "months", "quarters", "years":
		return strings.TrimSuffix(w, "s")
	case "millisecond", "milliseconds", "ms":
		return "millisecond"
	}
	return ""
}

var unitMillis = map[string]*big.Rat{
	"microsecond": big.NewRat(1, 1000),
	"millisecond": big.NewRat(1, 1),
	"second":      big.NewRat(1000, 1),
	"minute":      big.NewRat(60_000, 1),
	"hour":        big.NewRat(3_600_000, 1),
	"day":         big.NewRat(86_400_000, 1),
	"week":        big.NewRat(7*86_400_000, 1),
}

// intervalMillis converts a constant interval to milliseconds; msg is a
// complete error sentence when it cannot.
func intervalMillis(val string, neg bool, unit, text string) (ms int64, msg string) {
	switch unit {
	case "month", "quarter", "year", "year_month":
		return 0, fmt.Sprintf("calendar intervals (%s) are not supported; use MILLISECOND, SECOND, MINUTE, HOUR, DAY or WEEK", strings.ToUpper(unit))
	}
	per, ok := unitMillis[unit]
	if !ok {
		return 0, fmt.Sprintf("the interval unit %s is not supported; use MILLISECOND, SECOND, MINUTE, HOUR, DAY or WEEK", strings.ToUpper(unit))
	}
	r, ok := new(big.Rat).SetString(strings.TrimSpace(val))
	if !ok || strings.ContainsAny(val, "/eE") {
		return 0, fmt.Sprintf("invalid INTERVAL value %q; expected a number", val)
	}
	r.Mul(r, per)
	if neg {
		r.Neg(r)
	}
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, fmt.Sprintf("%s is not a whole number of milliseconds that fits in 64 bits", text)
	}
	return r.Num().Int64(), ""
}

// castTarget finds the type of the CAST or CONVERT whose word is toks[i]:
// the tokens after the last AS (CAST) or ',' (CONVERT) at the call's own
// nesting depth. It returns nil when there is none (vitess then reports
// the syntax error, or the translator refuses CONVERT ... USING).
func castTarget(li *lineIndex, toks []token, i int) (*castInfo, edit, *Error) {
	sep := "as"
	if toks[i].isWord("convert") {
		sep = ","
	}
	depth, at := 0, -1
	for j := i + 1; j < len(toks); j++ {
		t := toks[j]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
			if depth == 0 {
				if at < 0 || at+1 >= j {
					return nil, edit{}, nil
				}
				sp := &stmtParser{li: li, toks: toks[at+1 : j], end: t.off}
				typ, err := sp.typeName(true)
				if err != nil {
					return nil, edit{}, err.(*Error)
				}
				if !sp.atEnd() {
					return nil, edit{}, sp.errAt(sp.peek(), "unexpected %s after the type of a %s", sp.quote(sp.peek()), strings.ToUpper(toks[i].val))
				}
				return &castInfo{typ: typ, close: j}, edit{toks[at+1].off, toks[j-1].end, "CHAR"}, nil
			}
		case depth == 1 && (t.isWord(sep) || t.isOp(sep)):
			at = j
		case depth == 1 && t.isWord("using"):
			return nil, edit{}, nil
		}
	}
	return nil, edit{}, nil
}

var vitessErrRE = regexp.MustCompile(`^(.*) at position (\d+)(?: near '(.*)')?$`)

// parseQuery parses the tokens of a query (after AS) with vitess and
// translates the result into spate's AST.
func parseQuery(li *lineIndex, toks []token, end int) (Query, error) {
	if t := toks[0]; !t.isWord("select") && !t.isOp("(") && !t.isWord("with") {
		return nil, &Error{Pos: li.pos(t.off), Token: li.text(t), Msg: "expected a SELECT query after AS"}
	}
	qt, rw, perr := prepare(li, toks)
	if perr != nil {
		return nil, perr
	}
	vp, err := vitess()
	if err != nil {
		return nil, &Error{Pos: li.pos(toks[0].off), Msg: "cannot start the SQL parser: " + err.Error()}
	}
	st, err := vp.Parse(qt.text)
	if err != nil {
		return nil, syntaxError(li, toks, qt, end, err)
	}
	ts, ok := st.(sqlparser.TableStatement)
	if !ok {
		return nil, &Error{Pos: li.pos(toks[0].off), Token: li.text(toks[0]), Msg: "expected a SELECT query after AS"}
	}
	tr := &translator{li: li, toks: toks, rw: rw, end: end}
	q, err := tr.query(ts)
	if err != nil {
		return nil, err
	}
	for i := range rw.nulls {
		if rw.nulls[i] {
			return nil, &Error{Pos: li.pos(toks[i].off), Token: li.text(toks[i]), Msg: "NULLS FIRST/LAST is only allowed after an ORDER BY item"}
		}
	}
	return q, nil
}

// syntaxError turns vitess's "syntax error at position N near 'x'" into a
// positioned error on the offending token of the original file.
func syntaxError(li *lineIndex, toks []token, qt *queryText, end int, err error) *Error {
	msg := err.Error()
	if i := strings.LastIndex(msg, "\n"); i >= 0 { // drop vterrors' "Code: ..." line
		msg = msg[i+1:]
	}
	m := vitessErrRE.FindStringSubmatch(msg)
	if m == nil {
		return &Error{Pos: li.pos(toks[0].off), Msg: "invalid query: " + msg}
	}
	n, _ := strconv.Atoi(m[2])
	// vitess reports the offset just past the token it choked on, plus one;
	// past the text's trailing blank means it ran out of input.
	v := n - 1
	last := len(toks) - 1
	if v >= len(qt.text) {
		e := &Error{Pos: li.pos(toks[last].off), Token: li.text(toks[last]), Msg: "the query ends unexpectedly; it is incomplete"}
		if h := syntaxHint(toks, last, true); h != "" {
			e.Msg = "the query ends unexpectedly" + h
		}
		return e
	}
	fend := qt.fileOffset(v)
	idx := 0
	for i, t := range toks {
		if t.off < fend {
			idx = i
		}
	}
	t := toks[idx]
	e := &Error{Pos: li.pos(t.off), Token: li.text(t), Msg: m[1]}
	if m[1] == "syntax error" {
		e.Msg += syntaxHint(toks, idx, false)
	}
	return e
}

// reservedHints are MySQL reserved words that streaming users tend to pick
// as column names.
var reservedHints = map[string]bool{
	"window": true, "key": true, "rank": true, "row_number": true, "dense_rank": true,
	"range": true, "rows": true, "groups": true, "lag": true, "lead": true,
	"first_value": true, "last_value": true, "percent_rank": true, "cume_dist": true,
	"ntile": true, "nth_value": true, "system": true, "lateral": true, "read": true,
	"release": true, "condition": true, "usage": true, "function": true, "recursive": true,
	"empty": true, "cube": true, "change": true, "match": true, "interval": true,
}

// nameContext are words after which a column or table name is plausible.
var nameContext = map[string]bool{
	"select": true, "by": true, "as": true, "where": true, "and": true, "or": true,
	"on": true, "when": true, "then": true, "else": true, "not": true, "from": true,
	"join": true, "having": true, "distinct": true,
}

// syntaxHint adds the likely cause to a syntax error at toks[i]; atEnd is
// set when vitess ran out of input after toks[i].
func syntaxHint(toks []token, i int, atEnd bool) string {
	t := toks[i]
	prev := token{}
	if i > 0 {
		prev = toks[i-1]
	}
	switch {
	case t.isOp(")") && derivedWithoutAlias(toks, i):
		return "; a derived table needs an alias, as in (SELECT ...) AS d"
	case atEnd:
		return ""
	case i > 0 && derivedWithoutAlias(toks, i-1):
		return "; a derived table needs an alias, as in (SELECT ...) AS d"
	case prev.isWord("intersect") || prev.isWord("except"):
		return "; INTERSECT and EXCEPT are not supported"
	case t.isOp(":") || prev.isOp(":"):
		return "; use CAST(x AS type) instead of x::type"
	case prev.isWord("filter") && t.isOp("("):
		return "; aggregate FILTER (WHERE ...) is not supported, put a CASE inside the aggregate"
	case prev.isWord("qualify") || t.isWord("qualify"):
		return "; QUALIFY is not supported, filter the window function's result in an outer query"
	case t.kind == tokIdent && strings.ContainsFunc(t.val, func(r rune) bool { return r >= 0x80 }):
		return "; names with non-ASCII letters must be quoted with backticks, as `" + t.val + "`"
	case t.kind == tokIdent && reservedHints[t.val] && !(i+1 < len(toks) && toks[i+1].isOp("(")) &&
		(prev.kind == tokOp || nameContext[prev.val] && prev.kind == tokIdent):
		return "; " + strconv.Quote(t.val) + " is a reserved word, quote it as `" + t.val + "` to use it as a name"
	}
	return ""
}

// clauseWords can follow a table in FROM but cannot be its alias.
var clauseWords = map[string]bool{
	"where": true, "group": true, "having": true, "order": true, "limit": true, "join": true,
	"inner": true, "left": true, "right": true, "full": true, "cross": true, "natural": true,
	"straight_join": true, "union": true, "on": true, "using": true, "window": true,
	"for": true, "lock": true, "into": true,
}

// derivedWithoutAlias reports whether toks[i] is the ')' closing a
// subquery in FROM or JOIN that no alias follows.
func derivedWithoutAlias(toks []token, i int) bool {
	if !toks[i].isOp(")") {
		return false
	}
	depth := 0
	for j := i; j >= 0; j-- {
		switch {
		case toks[j].isOp(")"):
			depth++
		case toks[j].isOp("("):
			depth--
			if depth == 0 {
				if j+1 >= len(toks) || !toks[j+1].isWord("select") || j == 0 {
					return false
				}
				p := toks[j-1]
				if !(p.isWord("from") || p.isWord("join") || p.isOp(",")) {
					return false
				}
				n := token{}
				if i+1 < len(toks) {
					n = toks[i+1]
				}
				return !(n.isWord("as") || n.kind == tokQuoted || n.kind == tokIdent && !clauseWords[n.val])
			}
		}
	}
	return false
}
