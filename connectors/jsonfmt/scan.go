package jsonfmt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// maxDepth bounds the nesting of skipped values, so a hostile record cannot
// exhaust the stack.
const maxDepth = 512

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// strPlain marks bytes that can appear unescaped in a JSON string and need
// no further look: printable ASCII except '"' and '\\'.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// isWS is the JSON whitespace set.
var isWS = func() (t [256]bool) {
	t[' '], t['\t'], t['\n'], t['\r'] = true, true, true, true
	return t
}()

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS[b[i]] {
		i++
	}
	return i
}

// syntaxError is malformed JSON; pos is a byte offset into the record.
func syntaxError(b []byte, pos int, what string) error {
	if pos >= len(b) {
		return fmt.Errorf("invalid JSON: unexpected end of input at byte %d (%s)", len(b), what)
	}
	return fmt.Errorf("invalid JSON at byte %d: %s, found %s", pos, what, quoteByte(b[pos]))
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// strInfo describes a scanned string: b[start:end] is its content between
// the quotes.
type strInfo struct {
	start, end int
	escaped    bool // holds a backslash escape: content must be unescaped
	nonASCII   bool
}

// scanString validates the string starting at the quote b[i] and returns
// the position after its closing quote. It checks escapes, control
// characters and UTF-8, so a string it accepts can be unescaped without
// further checks.
func scanString(b []byte, i int) (strInfo, int, error) {
	si := strInfo{start: i + 1}
	j := i + 1
	for {
		// Eight bytes at a time while none of them needs a look: no
		// quote, backslash, control character or non-ASCII byte.
		for j+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[j:])
			q := x ^ 0x2222222222222222
			bs := x ^ 0x5c5c5c5c5c5c5c5c
			special := (x - 0x2020202020202020) | (q-lsb)&^q | (bs-lsb)&^bs | x
			if special&msb != 0 {
				break
			}
			j += 8
		}
		for j < len(b) && strPlain[b[j]] {
			j++
		}
		if j >= len(b) {
			return si, j, syntaxError(b, j, "unterminated string")
		}
		c := b[j]
		switch {
		case c == '"':
			si.end = j
			return si, j + 1, nil
		case c == '\\':
			si.escaped = true
			if j+1 >= len(b) {
				return si, j, syntaxError(b, j+1, "unterminated escape")
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				r, n, err := readEscapedRune(b, j)
				if err != nil {
					return si, j, err
				}
				if r >= 0x80 {
					si.nonASCII = true
				}
				j += n
			default:
				return si, j, fmt.Errorf("invalid JSON at byte %d: invalid escape \\%c in string", j, b[j+1])
			}
		case c < 0x20:
			return si, j, fmt.Errorf("invalid JSON at byte %d: control character 0x%02x in string must be escaped", j, c)
		default: // >= 0x80
			si.nonASCII = true
			r, n := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && n <= 1 {
				return si, j, fmt.Errorf("invalid UTF-8 in string at byte %d", j)
			}
			j += n
		}
	}
}

// readEscapedRune decodes the \uXXXX escape at b[j] (a backslash), joining
// a UTF-16 surrogate pair. It returns the rune and the escape's length.
func readEscapedRune(b []byte, j int) (rune, int, error) {
	r1, ok := hex4(b, j+2)
	if !ok {
		return 0, 0, fmt.Errorf("invalid JSON at byte %d: \\u must be followed by 4 hex digits", j)
	}
	if r1 < 0xD800 || r1 > 0xDFFF {
		return r1, 6, nil
	}
	if r1 >= 0xDC00 {
		return 0, 0, fmt.Errorf("invalid JSON at byte %d: unpaired UTF-16 surrogate \\u%04x in string", j, r1)
	}
	if j+7 < len(b) && b[j+6] == '\\' && b[j+7] == 'u' {
		if r2, ok := hex4(b, j+8); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
			return 0x10000 + (r1-0xD800)<<10 + (r2 - 0xDC00), 12, nil
		}
	}
	return 0, 0, fmt.Errorf("invalid JSON at byte %d: unpaired UTF-16 surrogate \\u%04x in string", j, r1)
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// appendUnescaped appends the content of a string scanString accepted,
// with its escapes decoded.
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] != '\\' {
			j++
		}
		dst = append(dst, s[i:j]...)
		if j >= len(s) {
			break
		}
		switch c := s[j+1]; c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, n, _ := readEscapedRune(s, j)
			dst = utf8.AppendRune(dst, r)
			i = j + n
			continue
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
		i = j + 2
	}
	return dst
}

// numInfo describes a scanned JSON number: the integer digits are
// b[intStart:intEnd], the fraction digits b[fracStart:fracEnd] (empty when
// absent) and exp is the decimal exponent (saturated far beyond any
// representable range).
type numInfo struct {
	neg                bool
	intStart, intEnd   int
	fracStart, fracEnd int
	exp                int
	start, end         int // the whole number text
}

func (n *numInfo) plainInt() bool { return n.fracStart == n.fracEnd && n.exp == 0 }

// scanNumber scans the number at b[i] following the JSON grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? .
func scanNumber(b []byte, i int) (numInfo, int, error) {
	n := numInfo{start: i}
	if i < len(b) && b[i] == '-' {
		n.neg = true
		i++
	}
	n.intStart = i
	if i < len(b) && b[i] == '0' {
		i++
	} else {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	n.intEnd = i
	if n.intEnd == n.intStart {
		return n, i, syntaxError(b, i, "expected a digit")
	}
	n.fracStart, n.fracEnd = i, i
	if i < len(b) && b[i] == '.' {
		i++
		n.fracStart = i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		n.fracEnd = i
		if n.fracEnd == n.fracStart {
			return n, i, syntaxError(b, i, "expected a digit after the decimal point")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		s := i
		e := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if e < 1_000_000 {
				e = e*10 + int(b[i]-'0')
			}
			i++
		}
		if i == s {
			return n, i, syntaxError(b, i, "expected a digit in the exponent")
		}
		if eneg {
			e = -e
		}
		n.exp = e
	}
	n.end = i
	return n, i, nil
}

// skipValue validates and skips the JSON value at b[i].
func skipValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, syntaxError(b, i, "expected a value")
	}
	switch c := b[i]; {
	case c == '"':
		_, j, err := scanString(b, i)
		return j, err
	case c == '-' || (c >= '0' && c <= '9'):
		_, j, err := scanNumber(b, i)
		return j, err
	case c == '{':
		if depth >= maxDepth {
			return i, fmt.Errorf("invalid JSON at byte %d: nested deeper than %d levels", i, maxDepth)
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return i, syntaxError(b, i, "expected a string key")
			}
			_, j, err := scanString(b, i)
			if err != nil {
				return j, err
			}
			i = skipWS(b, j)
			if i >= len(b) || b[i] != ':' {
				return i, syntaxError(b, i, "expected ':' after an object key")
			}
			i, err = skipValue(b, skipWS(b, i+1), depth+1)
			if err != nil {
				return i, err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				return i + 1, nil
			}
			return i, syntaxError(b, i, "expected ',' or '}' in an object")
		}
	case c == '[':
		if depth >= maxDepth {
			return i, fmt.Errorf("invalid JSON at byte %d: nested deeper than %d levels", i, maxDepth)
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		for {
			var err error
			i, err = skipValue(b, i, depth+1)
			if err != nil {
				return i, err
			}
			i = skipWS(b, i)
			if i < len(b) && b[i] == ',' {
				i = skipWS(b, i+1)
				continue
			}
			if i < len(b) && b[i] == ']' {
				return i + 1, nil
			}
			return i, syntaxError(b, i, "expected ',' or ']' in an array")
		}
	case c == 't':
		return skipLiteral(b, i, "true")
	case c == 'f':
		return skipLiteral(b, i, "false")
	case c == 'n':
		return skipLiteral(b, i, "null")
	default:
		return i, syntaxError(b, i, "expected a value")
	}
}

func skipLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), nil
	}
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) || b[i+k] != lit[k] {
			return i + k, syntaxError(b, i+k, "invalid literal (expected "+lit+")")
		}
	}
	return i + len(lit), nil
}

// Valid reports why b is not exactly one JSON value (surrounding
// whitespace allowed), or nil when it is.
func Valid(b []byte) error {
	i := skipWS(b, 0)
	if i >= len(b) {
		return errors.New("invalid JSON: empty input")
	}
	j, err := skipValue(b, i, 0)
	if err != nil {
		return err
	}
	if j = skipWS(b, j); j < len(b) {
		return fmt.Errorf("invalid JSON at byte %d: unexpected data after the value", j)
	}
	return nil
}

// Field finds the top-level field name (exact, case-sensitive match) of
// the JSON object b and returns its value as key bytes: a string's
// unescaped content, or the JSON text of any other value; nil when the
// field is absent or null. b must be valid JSON (see Valid).
func Field(b []byte, name string) ([]byte, error) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, errors.New("not a JSON object")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil, nil
	}
	var found []byte
	for i < len(b) {
		si, j, err := scanString(b, i)
		if err != nil {
			return nil, err
		}
		key := b[si.start:si.end]
		if si.escaped {
			key = appendUnescaped(nil, key)
		}
		i = skipWS(b, skipWS(b, j)+1) // past ':'
		vstart := i
		if i, err = skipValue(b, i, 1); err != nil {
			return nil, err
		}
		if string(key) == name {
			v := b[vstart:i]
			switch {
			case v[0] == '"':
				vi, _, _ := scanString(b, vstart)
				found = appendUnescaped(nil, b[vi.start:vi.end])
				if found == nil {
					found = []byte{}
				}
			case string(v) == "null":
				found = nil
			default:
				found = append([]byte(nil), v...)
			}
		}
		i = skipWS(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
			continue
		}
		break
	}
	return found, nil
}
