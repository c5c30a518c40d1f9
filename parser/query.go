package parser

import (
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
func prepare(li *lineIndex, toks []token) (*queryText, map[int]castInfo, map[int]bool, *Error) {
	var edits []edit
	casts := map[int]castInfo{}
	nulls := map[int]bool{}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.isOp("||"):
			edits = append(edits, edit{t.off, t.end, "<<"})
		case t.isOp("<<") || t.isOp(">>"):
			return nil, nil, nil, &Error{Pos: li.pos(t.off), Token: t.val, Msg: "bit shift operators are not supported"}
		case t.isWord("full") && i+1 < len(toks) && (toks[i+1].isWord("join") || toks[i+1].isWord("outer") && i+2 < len(toks) && toks[i+2].isWord("join")):
			edits = append(edits, edit{t.off, t.end, "left"})
		case t.isWord("nulls") && i+1 < len(toks) && (toks[i+1].isWord("first") || toks[i+1].isWord("last")):
			edits = append(edits, edit{t.off, toks[i+1].end, ""})
			nulls[i] = true
			i++
		case (t.isWord("cast") || t.isWord("convert")) && i+1 < len(toks) && toks[i+1].isOp("("):
			ci, e, err := castTarget(li, toks, i)
			if err != nil {
				return nil, nil, nil, err
			}
			if ci != nil {
				casts[i] = *ci
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
	return &queryText{text: b.String(), start: start, edits: edits}, casts, nulls, nil
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
	qt, casts, nulls, perr := prepare(li, toks)
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
	tr := &translator{li: li, toks: toks, casts: casts, nulls: nulls, end: end}
	q, err := tr.query(ts)
	if err != nil {
		return nil, err
	}
	for i := range nulls {
		if nulls[i] {
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
	// vitess reports the offset just past the token it choked on, plus one.
	fend := qt.fileOffset(n - 1)
	idx := -1
	for i, t := range toks {
		if t.off < fend {
			idx = i
		}
	}
	what := m[1]
	if idx < 0 || m[3] == "" && fend >= toks[len(toks)-1].end {
		last := toks[len(toks)-1]
		return &Error{Pos: li.pos(last.off), Token: li.text(last), Msg: "the query ends unexpectedly; it is incomplete"}
	}
	t := toks[idx]
	e := &Error{Pos: li.pos(t.off), Token: li.text(t)}
	switch {
	case what == "syntax error":
		e.Msg = "syntax error" + syntaxHint(toks, idx)
	default:
		e.Msg = what
	}
	return e
}

// reservedHints are MySQL reserved words that streaming users tend to pick
// as column names.
var reservedHints = map[string]bool{
	"window": true, "key": true, "rank": true, "row_number": true, "dense_rank": true,
	"range": true, "rows": true, "groups": true, "lag": true, "lead": true,
	"first_value": true, "last_value": true, "percent_rank": true, "cume_dist": true,
	"ntile": true, "nth_value": true, "system": true, "lateral": true, "of": true,
	"read": true, "release": true, "condition": true, "usage": true, "function": true,
	"recursive": true, "empty": true, "cube": true, "change": true, "match": true,
}

func syntaxHint(toks []token, i int) string {
	t := toks[i]
	if i > 0 && (toks[i-1].isWord("intersect") || toks[i-1].isWord("except")) {
		return "; INTERSECT and EXCEPT are not supported"
	}
	if t.kind == tokIdent && strings.ContainsFunc(t.val, func(r rune) bool { return r >= 0x80 }) {
		return "; names with non-ASCII letters must be quoted with backticks, as `" + t.val + "`"
	}
	if t.kind == tokIdent && reservedHints[t.val] && !(i+1 < len(toks) && toks[i+1].isOp("(")) {
		return "; " + strconv.Quote(t.val) + " is a reserved word, quote it as `" + t.val + "` to use it as a name"
	}
	return ""
}
