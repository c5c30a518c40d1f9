package parser

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// tokKind classifies a token of spate's own tokenizer. The tokenizer sees
// the whole file: it splits statements, parses the DDL heads, and gives
// every token of a query a file offset so vitess nodes (which carry no
// positions) can be mapped back onto the source.
type tokKind uint8

const (
	tokIdent  tokKind = iota + 1 // bare word; val is lower-cased
	tokQuoted                    // `quoted identifier`; val is lower-cased contents
	tokString                    // 'x' or "x"; val is the unescaped contents
	tokNumber                    // 12, 1.5, .5, 1e3, 0x1f; val as written
	tokOp                        // punctuation or operator; val as written
)

type token struct {
	kind tokKind
	val  string
	off  int // byte offset of the first byte in the file
	end  int // byte offset just past the last byte
}

func (t token) isWord(w string) bool { return t.kind == tokIdent && t.val == w }
func (t token) isOp(op string) bool  { return t.kind == tokOp && t.val == op }

// isName reports whether t can name a column, table or option: a bare word
// or a backquoted identifier.
func (t token) isName() bool { return t.kind == tokIdent || t.kind == tokQuoted }

// lineIndex turns byte offsets into 1-based line:col positions. Columns
// count characters (runes), not bytes, so they match what editors show.
type lineIndex struct {
	file   string
	src    []byte
	starts []int // byte offset of the first byte of each line

	// Positions are mostly asked for in file order; remembering the last
	// answer keeps a long single-line query linear instead of quadratic.
	lastOff, lastLine, lastCol int
}

func newLineIndex(file string, src []byte) *lineIndex {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{file: file, src: src, starts: starts}
}

func (li *lineIndex) pos(off int) Pos {
	if off < 0 {
		off = 0
	}
	if off > len(li.src) {
		off = len(li.src)
	}
	line := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	var col int
	if li.lastLine == line+1 && li.lastOff <= off {
		col = li.lastCol + utf8.RuneCount(li.src[li.lastOff:off])
	} else {
		col = utf8.RuneCount(li.src[li.starts[line]:off]) + 1
	}
	li.lastOff, li.lastLine, li.lastCol = off, line+1, col
	return Pos{File: li.file, Line: line + 1, Col: col}
}

// text returns a token's source text, shortened for use in messages.
func (li *lineIndex) text(t token) string {
	s := string(li.src[t.off:t.end])
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i] + "..."
	}
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		s = string(r[:37]) + "..."
	}
	return s
}

// lexError is a tokenizer failure at a byte offset.
type lexError struct {
	off   int
	token string
	msg   string
}

// lex tokenizes a whole file. Comments (-- to end of line, /* */) are
// dropped; every byte not covered by a token is whitespace or comment, which
// lets the query text handed to vitess be rebuilt with comments blanked out.
func lex(src []byte) ([]token, *lexError) {
	var toks []token
	i := 0
	n := len(src)
	for i < n {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < n && src[i+1] == '-':
			// Standard SQL: "--" starts a comment even without a following
			// space (MySQL requires one; the blanked text keeps vitess in line).
			for i < n && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < n && src[i+1] == '*':
			end := strings.Index(string(src[i+2:]), "*/")
			if end < 0 {
				return nil, &lexError{off: i, token: "/*", msg: "unterminated /* comment"}
			}
			i += 2 + end + 2
		case c == '/' && i+1 < n && src[i+1] == '/':
			return nil, &lexError{off: i, token: "//", msg: "'//' is not an operator or a comment; comments start with -- or /*"}
		case c == '#':
			return nil, &lexError{off: i, token: "#", msg: "unexpected character '#'; comments start with -- or /*"}
		case c == '\'' || c == '"':
			val, end, ok := scanString(src, i)
			if !ok {
				return nil, &lexError{off: i, token: lineHead(src[i:], 12), msg: "unterminated string literal"}
			}
			toks = append(toks, token{kind: tokString, val: val, off: i, end: end})
			i = end
		case c == '`':
			val, end, ok := scanQuotedIdent(src, i)
			if !ok {
				return nil, &lexError{off: i, token: lineHead(src[i:], 12), msg: "unterminated quoted identifier"}
			}
			toks = append(toks, token{kind: tokQuoted, val: strings.ToLower(val), off: i, end: end})
			i = end
		case isDigit(c) || (c == '.' && i+1 < n && isDigit(src[i+1])):
			end, word := scanNumber(src, i)
			t := token{kind: tokNumber, val: string(src[i:end]), off: i, end: end}
			if word {
				t.kind = tokIdent
				t.val = strings.ToLower(t.val)
			}
			toks = append(toks, t)
			i = end
		case (c == 'N' || c == 'n') && i+1 < n && (src[i+1] == '\'' || src[i+1] == '"'):
			// N'national string', one token as in vitess.
			val, end, ok := scanString(src, i+1)
			if !ok {
				return nil, &lexError{off: i, token: lineHead(src[i:], 12), msg: "unterminated string literal"}
			}
			toks = append(toks, token{kind: tokString, val: val, off: i, end: end})
			i = end
		case (c == 'X' || c == 'x' || c == 'B' || c == 'b') && i+1 < n && src[i+1] == '\'':
			// X'1F' and B'101': hex and bit strings, refused later.
			end := strings.IndexByte(string(src[i+2:]), '\'')
			if end < 0 {
				return nil, &lexError{off: i, token: lineHead(src[i:], 12), msg: "unterminated string literal"}
			}
			end += i + 3
			toks = append(toks, token{kind: tokNumber, val: string(src[i:end]), off: i, end: end})
			i = end
		case isIdentByte(c):
			j := i + 1
			for j < n && (isIdentByte(src[j]) || isDigit(src[j])) {
				j++
			}
			toks = append(toks, token{kind: tokIdent, val: strings.ToLower(string(src[i:j])), off: i, end: j})
			i = j
		default:
			l := opLen(src[i:])
			toks = append(toks, token{kind: tokOp, val: string(src[i : i+l]), off: i, end: i + l})
			i += l
		}
	}
	return toks, nil
}

// lineHead is the start of b up to the end of its line, at most n bytes,
// for naming an unterminated token.
func lineHead(b []byte, n int) string {
	if i := strings.IndexAny(string(b), "\r\n"); i >= 0 {
		b = b[:i]
	}
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdentByte accepts ASCII letters, '_', '$' and any non-ASCII byte, so a
// word with accents stays one token (vitess then rejects it with a
// position inside that word).
func isIdentByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$' || c >= 0x80
}

func isHexDigit(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanNumber mirrors vitess's scanner token for token, so both sides
// agree on where a number ends: 0x/0b prefixes, decimals, an exponent
// (even without digits: vitess reads "0E" as a float), and digits running
// into letters make a word (MySQL allows "1abc" as a name).
func scanNumber(src []byte, i int) (end int, word bool) {
	n := len(src)
	j := i
	digits := func(ok func(byte) bool) {
		for j < n && ok(src[j]) {
			j++
		}
	}
	isFloat := false
	switch {
	case src[j] == '.':
		isFloat = true
		j++
		digits(isDigit)
		j = exponent(src, j)
	case src[j] == '0' && j+1 < n && (src[j+1] == 'x' || src[j+1] == 'X'):
		j += 2
		digits(isHexDigit)
	case src[j] == '0' && j+1 < n && (src[j+1] == 'b' || src[j+1] == 'B'):
		j += 2
		digits(func(c byte) bool { return c == '0' || c == '1' })
	default:
		digits(isDigit)
		if j < n && src[j] == '.' {
			isFloat = true
			j++
			digits(isDigit)
		}
		if k := exponent(src, j); k != j {
			isFloat, j = true, k
		}
	}
	if !isFloat && j < n && isASCIILetter(src[j]) {
		digits(func(c byte) bool { return isASCIILetter(c) || isDigit(c) })
		return j, true
	}
	return j, false
}

// exponent scans "e[+-]digits" at j, digits optional as in vitess.
func exponent(src []byte, j int) int {
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		j++
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		for j < len(src) && isDigit(src[j]) {
			j++
		}
	}
	return j
}

// isASCIILetter is vitess's isLetter: the bytes that continue a word.
func isASCIILetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$'
}

// scanString reads a MySQL string literal: a doubled delimiter or a
// backslash escape stands for one character.
func scanString(src []byte, i int) (val string, end int, ok bool) {
	delim := src[i]
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch {
		case c == delim:
			if j+1 < len(src) && src[j+1] == delim {
				b.WriteByte(delim)
				j += 2
				continue
			}
			return b.String(), j + 1, true
		case c == '\\':
			if j+1 >= len(src) {
				return "", 0, false
			}
			b.WriteString(unescape(src[j+1]))
			j += 2
		default:
			b.WriteByte(c)
			j++
		}
	}
	return "", 0, false
}

// unescape mirrors MySQL's backslash escapes; \% and \_ stay escaped
// because they only mean something inside LIKE patterns.
func unescape(c byte) string {
	switch c {
	case '0':
		return "\x00"
	case 'b':
		return "\b"
	case 'n':
		return "\n"
	case 'r':
		return "\r"
	case 't':
		return "\t"
	case 'Z':
		return "\x1a"
	case '%', '_':
		return "\\" + string(c)
	}
	return string(c)
}

func scanQuotedIdent(src []byte, i int) (val string, end int, ok bool) {
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		if src[j] == '`' {
			if j+1 < len(src) && src[j+1] == '`' {
				b.WriteByte('`')
				j += 2
				continue
			}
			return b.String(), j + 1, true
		}
		b.WriteByte(src[j])
		j++
	}
	return "", 0, false
}

// multiOps are the operators longer than one byte, longest first.
var multiOps = []string{"<=>", "->>", "<=", ">=", "<>", "!=", "||", "&&", "<<", ">>", "->", ":="}

func opLen(b []byte) int {
	for _, op := range multiOps {
		if len(b) >= len(op) && string(b[:len(op)]) == op {
			return len(op)
		}
	}
	// A stray byte of a broken UTF-8 sequence is still one token.
	return 1
}
