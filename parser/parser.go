package parser

import (
	"fmt"
	"strconv"
	"strings"
)

// Parse parses a pipeline file: statements separated by ';', each a CREATE
// SOURCE, CREATE [MATERIALIZED] VIEW or CREATE SINK. The first error stops
// parsing; it is a *Error positioned in file. Parse never panics: a panic
// inside vitess is turned into an error at the statement it came from.
func Parse(file string, src []byte) (script *Script, err error) {
	defer func() {
		// Last guard for the phases outside a statement (tokenizing).
		if r := recover(); r != nil {
			script, err = nil, &Error{Pos: Pos{File: file, Line: 1, Col: 1}, Msg: fmt.Sprintf("internal parser failure: %v", r)}
		}
	}()
	li := newLineIndex(file, src)
	toks, lerr := lex(src)
	if lerr != nil {
		return nil, &Error{Pos: li.pos(lerr.off), Token: lerr.token, Msg: lerr.msg}
	}
	script = &Script{File: file}
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && !toks[i].isOp(";") {
			continue
		}
		if i > start {
			st, err := parseStatement(li, toks[start:i], endOffset(toks, i, len(src)))
			if err != nil {
				return nil, err
			}
			script.Statements = append(script.Statements, st)
		}
		start = i + 1
	}
	return script, nil
}

// endOffset is where a statement ends for "at end of statement" messages:
// the ';' that closes it, or the end of the file.
func endOffset(toks []token, i, size int) int {
	if i < len(toks) {
		return toks[i].off
	}
	return size
}

// stmtParser walks the tokens of one statement.
type stmtParser struct {
	li   *lineIndex
	toks []token
	i    int
	end  int // file offset of the statement's end (its ';' or EOF)
}

func parseStatement(li *lineIndex, toks []token, end int) (st Statement, err error) {
	p := &stmtParser{li: li, toks: toks, end: end}
	defer func() {
		// Last guard: vitess is third-party code; no panic may escape Parse.
		if r := recover(); r != nil {
			st, err = nil, p.errAt(toks[0], "internal parser failure on this statement: %v", r)
		}
	}()
	return p.statement()
}

const supported = "CREATE SOURCE, CREATE VIEW, CREATE MATERIALIZED VIEW or CREATE SINK"

func (p *stmtParser) statement() (Statement, error) {
	head := p.toks[0]
	if !head.isWord("create") {
		return nil, p.errAt(head, "unsupported statement %s; a pipeline file holds only %s statements", strings.ToUpper(p.li.text(head)), supported)
	}
	p.i = 1
	t := p.peek()
	if t.isWord("or") {
		return nil, p.errAt(t, "CREATE OR REPLACE is not supported; every run compiles the pipeline file from scratch, so use CREATE")
	}
	switch {
	case t.isWord("source"):
		p.i++
		return p.createSource(head)
	case t.isWord("view"):
		p.i++
		return p.createView(head, false)
	case t.isWord("materialized"):
		p.i++
		if !p.peek().isWord("view") {
			return nil, p.expected("VIEW after CREATE MATERIALIZED")
		}
		p.i++
		return p.createView(head, true)
	case t.isWord("sink"):
		p.i++
		return p.createSink(head)
	}
	if p.atEnd() {
		return nil, p.expected("SOURCE, VIEW, MATERIALIZED VIEW or SINK after CREATE")
	}
	return nil, p.errAt(t, "unsupported statement CREATE %s; a pipeline file holds only %s statements", strings.ToUpper(p.li.text(t)), supported)
}

func (p *stmtParser) createSource(head token) (*CreateSource, error) {
	name, _, err := p.name("a source name")
	if err != nil {
		return nil, err
	}
	cs := &CreateSource{Pos: p.li.pos(head.off), Name: name}
	if p.peek().isOp("(") {
		if cs.Columns, err = p.columnDefs(); err != nil {
			return nil, err
		}
	}
	if p.peek().isWord("with") {
		p.i++
		if cs.Options, err = p.options(); err != nil {
			return nil, err
		}
	}
	if !p.atEnd() {
		return nil, p.errAt(p.peek(), "unexpected %s after the source definition; expected a column list, WITH (...) or ';'", p.quote(p.peek()))
	}
	return cs, nil
}

func (p *stmtParser) createView(head token, materialized bool) (*CreateView, error) {
	name, _, err := p.name("a view name")
	if err != nil {
		return nil, err
	}
	cv := &CreateView{Pos: p.li.pos(head.off), Name: name, Materialized: materialized}
	if p.peek().isWord("with") {
		if !materialized {
			return nil, p.errAt(p.peek(), "WITH options are only allowed on a CREATE MATERIALIZED VIEW")
		}
		p.i++
		if cv.Options, err = p.options(); err != nil {
			return nil, err
		}
	}
	if !p.peek().isWord("as") {
		return nil, p.expected(fmt.Sprintf("AS after view name %q", name))
	}
	p.i++
	if p.atEnd() {
		return nil, p.expected("a SELECT query after AS")
	}
	q := p.toks[p.i:]
	cv.Text = string(p.li.src[q[0].off:q[len(q)-1].end])
	if cv.Query, err = parseQuery(p.li, q, p.end); err != nil {
		return nil, err
	}
	return cv, nil
}

func (p *stmtParser) createSink(head token) (*CreateSink, error) {
	name, _, err := p.name("a sink name")
	if err != nil {
		return nil, err
	}
	cs := &CreateSink{Pos: p.li.pos(head.off), Name: name}
	if !p.peek().isWord("from") {
		return nil, p.expected(fmt.Sprintf("FROM after sink name %q", name))
	}
	p.i++
	if cs.From, cs.FromPos, err = p.name("a view name after FROM"); err != nil {
		return nil, err
	}
	if !p.peek().isWord("with") {
		return nil, p.expected("WITH (connector = '...', ...) after the sink's view")
	}
	p.i++
	if cs.Options, err = p.options(); err != nil {
		return nil, err
	}
	if !p.atEnd() {
		return nil, p.errAt(p.peek(), "unexpected %s after the sink's WITH options; expected ';'", p.quote(p.peek()))
	}
	return cs, nil
}

// columnDefs parses "(name type, ...)".
func (p *stmtParser) columnDefs() ([]ColumnDef, error) {
	p.i++ // (
	var cols []ColumnDef
	seen := map[string]bool{}
	for {
		name, pos, err := p.name("a column name")
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, p.errAt(p.toks[p.i-1], "duplicate column %q", name)
		}
		seen[name] = true
		typ, err := p.typeName(false)
		if err != nil {
			return nil, err
		}
		cols = append(cols, ColumnDef{Pos: pos, Name: name, Type: typ})
		t := p.peek()
		switch {
		case t.isOp(","):
			p.i++
		case t.isOp(")"):
			p.i++
			return cols, nil
		case p.atEnd():
			return nil, p.expected("')' to close the column list")
		default:
			return nil, p.errAt(t, "unexpected %s after the type of column %q; expected ',' or ')' (column constraints are not supported)", p.quote(t), name)
		}
	}
}

// spateTypes are the column types of CREATE SOURCE and CAST.
var spateTypes = map[string]bool{
	"BIGINT": true, "INT": true, "INTEGER": true, "DOUBLE": true, "FLOAT": true,
	"DECIMAL": true, "VARCHAR": true, "TEXT": true, "BOOLEAN": true, "BOOL": true,
	"TIMESTAMP": true,
}

// castAliases are MySQL's CAST target names, normalised to spate's.
var castAliases = map[string]string{
	"SIGNED": "BIGINT", "CHAR": "VARCHAR", "DATETIME": "TIMESTAMP", "REAL": "DOUBLE", "DATE": "DATE",
}

const typeList = "BIGINT, INT, INTEGER, DOUBLE, FLOAT, DECIMAL(p,s), VARCHAR, TEXT, BOOLEAN, BOOL or TIMESTAMP"

// typeName parses a SQL type. In a CAST (cast=true) MySQL's target names
// SIGNED [INTEGER], CHAR[(n)], DATETIME, REAL and DATE are accepted too.
func (p *stmtParser) typeName(cast bool) (TypeName, error) {
	t := p.peek()
	if t.kind != tokIdent {
		if p.atEnd() {
			return TypeName{}, p.expected("a column type (" + typeList + ")")
		}
		return TypeName{}, p.errAt(t, "expected a type (%s), found %s", typeList, p.quote(t))
	}
	p.i++
	tn := TypeName{Pos: p.li.pos(t.off), Name: strings.ToUpper(t.val)}
	if cast {
		if alias, ok := castAliases[tn.Name]; ok {
			if tn.Name == "SIGNED" && (p.peek().isWord("integer") || p.peek().isWord("int")) {
				p.i++
			}
			tn.Name = alias
		}
	}
	if !spateTypes[tn.Name] && !(cast && tn.Name == "DATE") {
		return TypeName{}, p.errAt(t, "unknown type %s; expected %s", strings.ToUpper(p.li.text(t)), typeList)
	}
	switch tn.Name {
	case "DOUBLE":
		if p.peek().isWord("precision") {
			p.i++
		}
	case "DECIMAL":
		if p.peek().isOp("(") {
			p.i++
			prec, err := p.typeInt("the DECIMAL precision")
			if err != nil {
				return TypeName{}, err
			}
			scale := 0
			if p.peek().isOp(",") {
				p.i++
				if scale, err = p.typeInt("the DECIMAL scale"); err != nil {
					return TypeName{}, err
				}
			}
			if err := p.closeParen("DECIMAL("); err != nil {
				return TypeName{}, err
			}
			if prec < 1 || prec > 38 {
				return TypeName{}, p.errAt(t, "DECIMAL precision %d is out of range; it must be between 1 and 38", prec)
			}
			if scale > prec {
				return TypeName{}, p.errAt(t, "DECIMAL scale %d is larger than its precision %d", scale, prec)
			}
			tn.Precision, tn.Scale = prec, scale
		}
	case "VARCHAR":
		// The length is accepted for compatibility and not enforced.
		if p.peek().isOp("(") {
			p.i++
			if _, err := p.typeInt("the VARCHAR length"); err != nil {
				return TypeName{}, err
			}
			if err := p.closeParen("VARCHAR("); err != nil {
				return TypeName{}, err
			}
		}
	}
	return tn, nil
}

func (p *stmtParser) typeInt(what string) (int, error) {
	t := p.peek()
	if t.kind != tokNumber {
		return 0, p.expectedAt(t, what+" (a whole number)")
	}
	v, err := strconv.Atoi(t.val)
	if err != nil || v < 0 || v > 65535 {
		return 0, p.errAt(t, "%s must be a whole number between 0 and 65535", what)
	}
	p.i++
	return v, nil
}

func (p *stmtParser) closeParen(after string) error {
	if !p.peek().isOp(")") {
		return p.expectedAt(p.peek(), "')' to close "+after)
	}
	p.i++
	return nil
}

// options parses "(key = value, ...)" after WITH.
func (p *stmtParser) options() ([]Option, error) {
	if !p.peek().isOp("(") {
		return nil, p.expectedAt(p.peek(), "'(' after WITH")
	}
	p.i++
	var opts []Option
	seen := map[string]bool{}
	if p.peek().isOp(")") {
		p.i++
		return opts, nil
	}
	for {
		kt := p.peek()
		key, err := p.optionKey()
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, p.errAt(kt, "duplicate option %q", key)
		}
		seen[key] = true
		if !p.peek().isOp("=") {
			return nil, p.expectedAt(p.peek(), fmt.Sprintf("'=' after option key %q", key))
		}
		p.i++
		val, err := p.optionValue(key)
		if err != nil {
			return nil, err
		}
		opts = append(opts, Option{Pos: p.li.pos(kt.off), Key: key, Value: val})
		t := p.peek()
		switch {
		case t.isOp(","):
			p.i++
		case t.isOp(")"):
			p.i++
			return opts, nil
		default:
			return nil, p.expectedAt(t, fmt.Sprintf("',' or ')' after the value of option %q", key))
		}
	}
}

// optionKey accepts a word, a dotted word (properties.group.id) or a
// quoted string ('connector' = ..., as Flink writes it).
func (p *stmtParser) optionKey() (string, error) {
	t := p.peek()
	switch {
	case t.kind == tokString:
		p.i++
		if t.val == "" {
			return "", p.errAt(t, "option key must not be empty")
		}
		return strings.ToLower(t.val), nil
	case t.isName():
		p.i++
		key := t.val
		for p.peek().isOp(".") && p.i+1 < len(p.toks) && p.toks[p.i+1].isName() {
			key += "." + p.toks[p.i+1].val
			p.i += 2
		}
		return key, nil
	}
	return "", p.expectedAt(t, "an option key")
}

// optionValue accepts a quoted string, a number (optionally signed) or a
// bare word; the value is kept as text for catalog to validate.
func (p *stmtParser) optionValue(key string) (string, error) {
	t := p.peek()
	switch {
	case t.kind == tokString:
		p.i++
		return t.val, nil
	case t.kind == tokNumber:
		p.i++
		return t.val, nil
	case (t.isOp("-") || t.isOp("+")) && p.i+1 < len(p.toks) && p.toks[p.i+1].kind == tokNumber && p.toks[p.i+1].off == t.end:
		p.i += 2
		if t.val == "-" {
			return "-" + p.toks[p.i-1].val, nil
		}
		return p.toks[p.i-1].val, nil
	case t.kind == tokIdent:
		p.i++
		return string(p.li.src[t.off:t.end]), nil
	}
	return "", p.expectedAt(t, fmt.Sprintf("a value for option %q (a quoted string, a number or a word)", key))
}

// name parses a single (unqualified) identifier and lower-cases it.
func (p *stmtParser) name(what string) (string, Pos, error) {
	t := p.peek()
	if t.isWord("if") && p.i+1 < len(p.toks) && p.toks[p.i+1].isWord("not") {
		return "", Pos{}, p.errAt(t, "IF NOT EXISTS is not supported; every run compiles the pipeline file from scratch")
	}
	if !t.isName() {
		return "", Pos{}, p.expectedAt(t, what)
	}
	p.i++
	if p.peek().isOp(".") {
		return "", Pos{}, p.errAt(p.peek(), "qualified names are not supported; expected %s without a '.'", what)
	}
	if t.kind == tokIdent && reservedDDL[t.val] {
		return "", Pos{}, p.errAt(t, "expected %s, found the keyword %s", what, strings.ToUpper(t.val))
	}
	if t.val == "" {
		return "", Pos{}, p.errAt(t, "%s must not be empty", what)
	}
	return t.val, p.li.pos(t.off), nil
}

// reservedDDL are words that cannot be a name in the DDL heads because
// they would make the statement ambiguous (CREATE VIEW AS ...).
var reservedDDL = map[string]bool{
	"as": true, "with": true, "from": true, "select": true, "create": true,
	"view": true, "materialized": true, "source": true, "sink": true,
}

func (p *stmtParser) atEnd() bool { return p.i >= len(p.toks) }

func (p *stmtParser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return token{off: p.end, end: p.end}
}

func (p *stmtParser) quote(t token) string {
	if t.kind == 0 {
		return "end of statement"
	}
	return "'" + p.li.text(t) + "'"
}

func (p *stmtParser) errAt(t token, format string, args ...any) *Error {
	e := &Error{Pos: p.li.pos(t.off), Msg: fmt.Sprintf(format, args...)}
	if t.kind != 0 {
		e.Token = p.li.text(t)
	}
	return e
}

// expected reports that what was missing at the end of the statement.
func (p *stmtParser) expected(what string) *Error {
	return p.expectedAt(p.peek(), what)
}

func (p *stmtParser) expectedAt(t token, what string) *Error {
	if t.kind == 0 {
		return p.errAt(t, "expected %s, found end of statement", what)
	}
	return p.errAt(t, "expected %s", what)
}
