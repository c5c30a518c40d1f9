package expr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// isASCII tests eight bytes at a time.
func isASCII(s []byte) bool {
	for len(s) >= 8 {
		if binary.LittleEndian.Uint64(s)&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

var asciiLower, asciiUpper [256]byte

func init() {
	for i := range asciiLower {
		c := byte(i)
		asciiLower[i], asciiUpper[i] = c, c
		if 'A' <= c && c <= 'Z' {
			asciiLower[i] = c + 'a' - 'A'
		}
		if 'a' <= c && c <= 'z' {
			asciiUpper[i] = c - ('a' - 'A')
		}
	}
}

// appendMapped appends s translated byte by byte through tab.
func appendMapped(dst, s []byte, tab *[256]byte) []byte {
	n := len(dst)
	dst = append(dst, s...)
	d := dst[n:]
	for i, c := range d {
		d[i] = tab[c]
	}
	return dst
}

// appendLower appends s lower-cased. ASCII bytes are mapped directly;
// other runes through unicode.ToLower (DuckDB's utf8proc mapping agrees on
// the simple case mappings).
func appendLower(dst, s []byte) []byte {
	if isASCII(s) {
		return appendMapped(dst, s, &asciiLower)
	}
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[0])
		} else {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
		s = s[n:]
	}
	return dst
}

func appendUpper(dst, s []byte) []byte {
	if isASCII(s) {
		return appendMapped(dst, s, &asciiUpper)
	}
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, s[0])
		case r == 'ß':
			// DuckDB maps ß to capital sharp s (U+1E9E); Go leaves it.
			dst = utf8.AppendRune(dst, 'ẞ')
		default:
			dst = utf8.AppendRune(dst, unicode.ToUpper(r))
		}
		s = s[n:]
	}
	return dst
}

func wantString(out arrow.DataType) error {
	if out.ID() != arrow.STRING {
		return fmt.Errorf("result type must be VARCHAR, got %s", out)
	}
	return nil
}

// strFunc is a NULL-propagating string function: its kernel is picked by
// op at compile time and runs over all rows of a batch at once.
type strFunc struct {
	run  func(n *strFunc, valid []byte, rows int, data []byte) ([]byte, []byte) // nil: length
	x    strArg                                                                 // first argument of this batch
	m    multiArg
	t    arrow.DataType
	sout strOut
	out  vec
	re   *regexp.Regexp

	rePrefix   []byte
	reComplete bool
}

func (n *strFunc) typ() arrow.DataType { return n.t }

func newStrFunc(op string, args []node, out arrow.DataType, types ...func(arrow.DataType) bool) (node, error) {
	if err := checkArgTypes(args, types...); err != nil {
		return nil, err
	}
	n := &strFunc{m: newMultiArg(args), t: out}
	switch op {
	case "lower":
		n.run = (*strFunc).runLower
	case "upper":
		n.run = (*strFunc).runUpper
	case "substring":
		n.run = (*strFunc).runSubstring
	case "substring_index":
		n.run = (*strFunc).runSubstringIndex
	case "replace":
		n.run = (*strFunc).runReplace
	case "split_part":
		n.run = (*strFunc).runSplitPart
	case "regexp_substr":
		n.run = (*strFunc).runRegexpSubstr
	}
	if n.m.anyNullLit() {
		return nullLit(out), nil
	}
	return n, nil
}

func newCaseMap(upper bool, args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return nil, err
	}
	if err := wantString(out); err != nil {
		return nil, err
	}
	op := "lower"
	if upper {
		op = "upper"
	}
	return newStrFunc(op, args, out, isStringType)
}

func newLength(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 1, 1); err != nil {
		return nil, err
	}
	if !isIntType(out) {
		return nil, fmt.Errorf("result type must be BIGINT or INT, got %s", out)
	}
	return newStrFunc("length", args, out, isStringType)
}

func newSubstring(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 2, 3); err != nil {
		return nil, err
	}
	if err := wantString(out); err != nil {
		return nil, err
	}
	return newStrFunc("substring", args, out, isStringType, isIntType)
}

func newSubstringIndex(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 3, 3); err != nil {
		return nil, err
	}
	if err := wantString(out); err != nil {
		return nil, err
	}
	return newStrFunc("substring_index", args, out, isStringType, isStringType, isIntType)
}

func newReplace(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 3, 3); err != nil {
		return nil, err
	}
	if err := wantString(out); err != nil {
		return nil, err
	}
	return newStrFunc("replace", args, out, isStringType)
}

func newSplitPart(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 3, 3); err != nil {
		return nil, err
	}
	if err := wantString(out); err != nil {
		return nil, err
	}
	return newStrFunc("split_part", args, out, isStringType, isStringType, isIntType)
}

// newRegexpSubstr returns the first match of a literal RE2 pattern, or
// NULL when there is none (MySQL's REGEXP_SUBSTR).
func newRegexpSubstr(args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 2, 2); err != nil {
		return nil, err
	}
	if err := wantString(out); err != nil {
		return nil, err
	}
	l, ok := args[1].(*litNode)
	if !ok {
		return nil, fmt.Errorf("the pattern must be a literal")
	}
	if l.null {
		return nullLit(out), nil
	}
	re, err := regexp.Compile(string(l.s))
	if err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", l.s, err)
	}
	n, err := newStrFunc("regexp_substr", args, out, isStringType)
	if err != nil {
		return nil, err
	}
	if sf, ok := n.(*strFunc); ok {
		sf.re = re
		// LiteralPrefix reports "complete" for ^abc too; only a pattern
		// that is exactly a quoted literal may use a plain substring search.
		prefix, complete := re.LiteralPrefix()
		sf.rePrefix = []byte(prefix)
		sf.reComplete = complete && regexp.QuoteMeta(prefix) == string(l.s)
	}
	return n, nil
}

// newConcat skips NULL arguments (DuckDB, and the contract's concat) and
// turns non-string arguments into strings with the cast rules.
func newConcat(args []node, out arrow.DataType) (node, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("want at least one argument")
	}
	if err := wantString(out); err != nil {
		return nil, err
	}
	kept := make([]node, 0, len(args))
	for _, a := range args {
		if isNullLit(a) || a.typ().ID() == arrow.NULL {
			continue
		}
		if !isStringType(a.typ()) {
			c, err := newCast(a, TypeVarchar)
			if err != nil {
				return nil, err
			}
			a = c
		}
		kept = append(kept, a)
	}
	return &concatNode{args: kept, vecs: make([]vec, len(kept))}, nil
}

type concatNode struct {
	args []node
	vecs []vec
	sout strOut
}

func (n *concatNode) typ() arrow.DataType { return TypeVarchar }

func (n *concatNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	for i, a := range n.args {
		v, err := a.eval(b, rows)
		if err != nil {
			return vec{}, err
		}
		n.vecs[i] = v
	}
	o := &n.sout
	o.reset(rows)
	data := o.data
	for i := 0; i < rows; i++ {
		for k := range n.vecs {
			v := &n.vecs[k]
			if v.valid == nil || getBit(v.valid, i) {
				data = append(data, v.data[v.offs[i]:v.offs[i+1]]...)
			}
		}
		o.offs[i+1] = int32(len(data))
	}
	o.data = data
	return o.vec(nil), nil
}

func (n *strFunc) eval(b arrow.RecordBatch, rows int) (vec, error) {
	valid, err := n.m.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	x := n.m.str(0)
	if n.run == nil { // length
		out := &n.out
		out.valid = valid
		if n.t.ID() == arrow.INT32 {
			out.i32 = grow(out.i32, rows)
			for i := range out.i32 {
				out.i32[i] = int32(utf8.RuneCount(x.get(i)))
			}
		} else {
			out.i64 = grow(out.i64, rows)
			for i := range out.i64 {
				out.i64[i] = int64(utf8.RuneCount(x.get(i)))
			}
		}
		return *out, nil
	}
	o := &n.sout
	o.reset(rows)
	n.x = x
	data, valid := n.run(n, valid, rows, o.data)
	o.data = data
	return o.vec(valid), nil
}

func (n *strFunc) runLower(valid []byte, rows int, data []byte) ([]byte, []byte) {
	o, x := &n.sout, &n.x
	for i := 0; i < rows; i++ {
		data = appendLower(data, x.get(i))
		o.offs[i+1] = int32(len(data))
	}
	return data, valid
}

func (n *strFunc) runUpper(valid []byte, rows int, data []byte) ([]byte, []byte) {
	o, x := &n.sout, &n.x
	for i := 0; i < rows; i++ {
		data = appendUpper(data, x.get(i))
		o.offs[i+1] = int32(len(data))
	}
	return data, valid
}

func (n *strFunc) runSubstring(valid []byte, rows int, data []byte) ([]byte, []byte) {
	o, x := &n.sout, &n.x
	from := n.m.int(1)
	var length intArg
	hasLen := len(n.m.args) == 3
	if hasLen {
		length = n.m.int(2)
	}
	for i := 0; i < rows; i++ {
		if valid == nil || getBit(valid, i) {
			l := int64(math.MaxUint32)
			if hasLen {
				l = length.get(i)
			}
			data = append(data, substring(x.get(i), from.get(i), l)...)
		}
		o.offs[i+1] = int32(len(data))
	}
	return data, valid
}

func (n *strFunc) runSubstringIndex(valid []byte, rows int, data []byte) ([]byte, []byte) {
	o, x := &n.sout, &n.x
	delim, count := n.m.str(1), n.m.int(2)
	for i := 0; i < rows; i++ {
		if valid == nil || getBit(valid, i) {
			data = append(data, substringIndex(x.get(i), delim.get(i), count.get(i))...)
		}
		o.offs[i+1] = int32(len(data))
	}
	return data, valid
}

func (n *strFunc) runReplace(valid []byte, rows int, data []byte) ([]byte, []byte) {
	o, x := &n.sout, &n.x
	from, to := n.m.str(1), n.m.str(2)
	for i := 0; i < rows; i++ {
		data = appendReplace(data, x.get(i), from.get(i), to.get(i))
		o.offs[i+1] = int32(len(data))
	}
	return data, valid
}

func (n *strFunc) runSplitPart(valid []byte, rows int, data []byte) ([]byte, []byte) {
	o, x := &n.sout, &n.x
	delim, idx := n.m.str(1), n.m.int(2)
	for i := 0; i < rows; i++ {
		if valid == nil || getBit(valid, i) {
			data = append(data, splitPart(x.get(i), delim.get(i), idx.get(i))...)
		}
		o.offs[i+1] = int32(len(data))
	}
	return data, valid
}

func (n *strFunc) runRegexpSubstr(valid []byte, rows int, data []byte) ([]byte, []byte) {
	o, x := &n.sout, &n.x
	// A row without a match becomes NULL.
	var own []byte
	for i := 0; i < rows; i++ {
		if valid == nil || getBit(valid, i) {
			s := x.get(i)
			lo, hi := n.findRegexp(s)
			if lo >= 0 {
				data = append(data, s[lo:hi]...)
			} else {
				if own == nil {
					own = ownValid(&n.m.valid, valid, rows)
					valid = own
				}
				clearBit(own, i)
			}
		}
		o.offs[i+1] = int32(len(data))
	}
	return data, valid
}

// findRegexp locates the first match. Go's regexp allocates the result
// of every successful search, so a literal pattern uses bytes.Index and a
// pattern with a literal prefix skips rows that lack the prefix.
func (n *strFunc) findRegexp(s []byte) (int, int) {
	if n.reComplete {
		if j := bytes.Index(s, n.rePrefix); j >= 0 {
			return j, j + len(n.rePrefix)
		}
		return -1, -1
	}
	if len(n.rePrefix) > 0 && !bytes.Contains(s, n.rePrefix) {
		return -1, -1
	}
	if loc := n.re.FindIndex(s); loc != nil {
		return loc[0], loc[1]
	}
	return -1, -1
}

// runeIndex returns the byte offset of character k of s (len(s) if s is
// shorter).
func runeIndex(s []byte, k int64) int {
	i := 0
	for ; k > 0 && i < len(s); k-- {
		i += runeLen(s[i:])
	}
	return i
}

func satAdd(a, b int64) int64 {
	s := a + b
	if (a^s)&(b^s) < 0 {
		if a < 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return s
}

// substring follows DuckDB: 1-based; start 0 begins one character before
// the first; a negative start counts from the end; a negative length takes
// the characters before start. Positions are characters, not bytes.
func substring(s []byte, offset, length int64) []byte {
	ascii := isASCII(s)
	var size int64
	if ascii {
		size = int64(len(s))
	} else {
		size = int64(utf8.RuneCount(s))
	}
	var start, end int64
	switch {
	case offset > 0:
		start = offset - 1
	case offset < 0:
		start = satAdd(size, offset)
	default:
		length--
		if length <= 0 {
			return nil
		}
	}
	if length > 0 {
		end = satAdd(start, length)
	} else {
		end = start
		start = satAdd(start, length)
	}
	start = min(max(start, 0), size)
	end = min(max(end, 0), size)
	if start >= end {
		return nil
	}
	if ascii {
		return s[start:end]
	}
	bs := runeIndex(s, start)
	be := bs + runeIndex(s[bs:], end-start)
	return s[bs:be]
}

// substringIndex is MySQL's SUBSTRING_INDEX: the part before the count-th
// delimiter (from the right when count < 0); the whole string when there
// are fewer delimiters.
func substringIndex(s, delim []byte, count int64) []byte {
	if count == 0 || len(delim) == 0 {
		return nil
	}
	if count > 0 {
		pos := 0
		for ; count > 0; count-- {
			j := bytes.Index(s[pos:], delim)
			if j < 0 {
				return s
			}
			pos += j
			if count > 1 {
				pos += len(delim)
			}
		}
		return s[:pos]
	}
	end := len(s)
	for ; count < 0; count++ {
		j := bytes.LastIndex(s[:end], delim)
		if j < 0 {
			return s
		}
		end = j
	}
	return s[end+len(delim):]
}

func appendReplace(dst, s, from, to []byte) []byte {
	if len(from) == 0 {
		return append(dst, s...)
	}
	for {
		j := bytes.Index(s, from)
		if j < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:j]...)
		dst = append(dst, to...)
		s = s[j+len(from):]
	}
}

// splitPart is DuckDB's split_part: 1-based, negative counts from the end,
// out of range (or 0) is the empty string; an empty delimiter splits into
// characters.
func splitPart(s, delim []byte, idx int64) []byte {
	if idx == 0 {
		return nil
	}
	if len(delim) == 0 {
		if idx > 0 {
			start := runeIndex(s, idx-1)
			if start >= len(s) {
				return nil
			}
			return s[start : start+runeLen(s[start:])]
		}
		n := int64(utf8.RuneCount(s))
		k := n + idx
		if k < 0 {
			return nil
		}
		start := runeIndex(s, k)
		return s[start : start+runeLen(s[start:])]
	}
	if idx > 0 {
		for ; idx > 1; idx-- {
			j := bytes.Index(s, delim)
			if j < 0 {
				return nil
			}
			s = s[j+len(delim):]
		}
		if j := bytes.Index(s, delim); j >= 0 {
			return s[:j]
		}
		return s
	}
	for ; idx < -1; idx++ {
		j := bytes.LastIndex(s, delim)
		if j < 0 {
			return nil
		}
		s = s[:j]
	}
	if j := bytes.LastIndex(s, delim); j >= 0 {
		return s[j+len(delim):]
	}
	return s
}
