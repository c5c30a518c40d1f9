package expr

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// LIKE follows DuckDB: % is any sequence, _ is one character (not byte),
// and there is no escape character unless one is given as a third
// argument (DuckDB's ESCAPE clause); a backslash is an ordinary character.
// ILIKE lower-cases both sides with the same Unicode mapping as lower().

type likeTokKind uint8

const (
	tokByte likeTokKind = iota
	tokAny              // _
	tokStar             // %
)

type likeTok struct {
	kind likeTokKind
	b    byte
}

func compileLikeInto(toks []likeTok, pat []byte, esc int) ([]likeTok, error) {
	toks = toks[:0]
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case esc >= 0 && int(c) == esc:
			if i+1 >= len(pat) {
				return nil, fmt.Errorf("LIKE pattern must not end with the escape character")
			}
			i++
			toks = append(toks, likeTok{kind: tokByte, b: pat[i]})
		case c == '%':
			if len(toks) == 0 || toks[len(toks)-1].kind != tokStar {
				toks = append(toks, likeTok{kind: tokStar})
			}
		case c == '_':
			toks = append(toks, likeTok{kind: tokAny})
		default:
			toks = append(toks, likeTok{kind: tokByte, b: c})
		}
	}
	return toks, nil
}

func runeLen(s []byte) int {
	if s[0] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRune(s)
	return n
}

// likeProg is a pattern split at its % wildcards into segments of fixed
// tokens. The first segment is anchored at the start, the last at the end
// (matched backwards), and each middle segment at its leftmost occurrence,
// which is always a correct choice for %; the search for a segment jumps
// with bytes.Index to its literal prefix.
type likeProg struct {
	toks        []likeTok
	segs        [][]likeTok
	lits        [][]byte // literal prefix of each segment
	litBuf      []byte
	bounds      []int
	lead, trail bool
	noStar      bool
}

func (p *likeProg) build(toks []likeTok) {
	p.toks = toks
	p.segs, p.lits, p.litBuf = p.segs[:0], p.lits[:0], p.litBuf[:0]
	p.lead = len(toks) > 0 && toks[0].kind == tokStar
	p.trail = len(toks) > 0 && toks[len(toks)-1].kind == tokStar
	p.noStar = true
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && toks[i].kind != tokStar {
			continue
		}
		if i < len(toks) {
			p.noStar = false
		}
		if i > start || (p.noStar && i == len(toks)) {
			p.segs = append(p.segs, toks[start:i])
		}
		start = i + 1
	}
	// Literal prefixes share one buffer; slice it only when it is final.
	bounds := p.bounds[:0]
	for _, seg := range p.segs {
		b := len(p.litBuf)
		for _, t := range seg {
			if t.kind != tokByte {
				break
			}
			p.litBuf = append(p.litBuf, t.b)
		}
		bounds = append(bounds, b, len(p.litBuf))
	}
	for k := range p.segs {
		p.lits = append(p.lits, p.litBuf[bounds[2*k]:bounds[2*k+1]])
	}
	p.bounds = bounds
}

func matchFwd(s []byte, pos int, seg []likeTok) (int, bool) {
	for _, t := range seg {
		if pos >= len(s) {
			return 0, false
		}
		if t.kind == tokByte {
			if s[pos] != t.b {
				return 0, false
			}
			pos++
		} else {
			pos += runeLen(s[pos:])
		}
	}
	return pos, true
}

func matchBack(s []byte, end int, seg []likeTok) (int, bool) {
	for k := len(seg) - 1; k >= 0; k-- {
		if end <= 0 {
			return 0, false
		}
		if t := seg[k]; t.kind == tokByte {
			if s[end-1] != t.b {
				return 0, false
			}
			end--
		} else {
			_, n := utf8.DecodeLastRune(s[:end])
			end -= n
		}
	}
	return end, true
}

// find returns the end of the leftmost match of seg in s at or after pos.
func find(s []byte, pos int, seg []likeTok, lit []byte) (int, bool) {
	for pos <= len(s) {
		if len(lit) > 0 {
			j := bytes.Index(s[pos:], lit)
			if j < 0 {
				return 0, false
			}
			pos += j
		}
		if e, ok := matchFwd(s, pos, seg); ok {
			return e, true
		}
		if pos >= len(s) {
			break
		}
		pos += runeLen(s[pos:])
	}
	return 0, false
}

func (p *likeProg) match(s []byte) bool {
	segs, lits := p.segs, p.lits
	if p.noStar {
		e, ok := matchFwd(s, 0, segs[0])
		return ok && e == len(s)
	}
	lo, hi := 0, len(s)
	if !p.lead && len(segs) > 0 {
		e, ok := matchFwd(s, 0, segs[0])
		if !ok {
			return false
		}
		lo = e
		segs, lits = segs[1:], lits[1:]
	}
	if !p.trail && len(segs) > 0 {
		st, ok := matchBack(s, hi, segs[len(segs)-1])
		if !ok || st < lo {
			return false
		}
		hi = st
		segs, lits = segs[:len(segs)-1], lits[:len(lits)-1]
	}
	for k, seg := range segs {
		e, ok := find(s[:hi], lo, seg, lits[k])
		if !ok {
			return false
		}
		lo = e
	}
	return true
}

// likeMatch is the plain backtracking matcher, kept as the reference the
// tests compare likeProg with.
func likeMatch(s []byte, p []likeTok) bool {
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch t := p[pi]; t.kind {
			case tokByte:
				if t.b == s[si] {
					si++
					pi++
					continue
				}
			case tokAny:
				si += runeLen(s[si:])
				pi++
				continue
			case tokStar:
				starP, starS = pi, si
				pi++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starS += runeLen(s[starS:])
		si, pi = starS, starP+1
	}
	for pi < len(p) && p[pi].kind == tokStar {
		pi++
	}
	return pi == len(p)
}

type likeKind uint8

const (
	likeGeneral likeKind = iota
	likeExact
	likePrefix
	likeSuffix
	likeContains
	likeAll
)

// classify recognises patterns that reduce to one byte-string test.
func classify(toks []likeTok) (likeKind, []byte) {
	if len(toks) == 1 && toks[0].kind == tokStar {
		return likeAll, nil
	}
	lo, hi := 0, len(toks)
	lead := lo < hi && toks[lo].kind == tokStar
	if lead {
		lo++
	}
	trail := hi > lo && toks[hi-1].kind == tokStar
	if trail {
		hi--
	}
	lit := make([]byte, 0, hi-lo)
	for _, t := range toks[lo:hi] {
		if t.kind != tokByte {
			return likeGeneral, nil
		}
		lit = append(lit, t.b)
	}
	switch {
	case lead && trail:
		return likeContains, lit
	case lead:
		return likeSuffix, lit
	case trail:
		return likePrefix, lit
	}
	return likeExact, lit
}

type likeNode struct {
	ilike bool
	x     node
	pat   node
	esc   int
	// literal pattern, compiled once
	litPat bool
	kind   likeKind
	lit    []byte
	toks   []likeTok
	prog   likeProg

	valid []byte
	lower []byte
	out   vec
}

func newLike(ilike bool, args []node, out arrow.DataType) (node, error) {
	if err := wantArgs(args, 2, 3); err != nil {
		return nil, err
	}
	if err := checkArgTypes(args, isStringType); err != nil {
		return nil, err
	}
	if out.ID() != arrow.BOOL {
		return nil, fmt.Errorf("result type must be BOOLEAN, got %s", out)
	}
	for _, a := range args {
		if isNullLit(a) || a.typ().ID() == arrow.NULL {
			return nullLit(out), nil
		}
	}
	n := &likeNode{ilike: ilike, x: args[0], pat: args[1], esc: -1}
	if len(args) == 3 {
		l, ok := args[2].(*litNode)
		if !ok || len(l.s) != 1 {
			return nil, fmt.Errorf("the escape character must be a one-character literal")
		}
		n.esc = int(l.s[0])
	}
	if l, ok := args[1].(*litNode); ok {
		p := l.s
		if ilike {
			p = appendLower(nil, p)
		}
		toks, err := compileLikeInto(nil, p, n.esc)
		if err != nil {
			return nil, err
		}
		n.litPat, n.toks = true, toks
		n.kind, n.lit = classify(toks)
		n.prog.build(toks)
	}
	return n, nil
}

func (n *likeNode) typ() arrow.DataType { return TypeBoolean }

func (n *likeNode) eval(b arrow.RecordBatch, rows int) (vec, error) {
	xv, err := n.x.eval(b, rows)
	if err != nil {
		return vec{}, err
	}
	var pv vec
	valid := xv.valid
	if !n.litPat {
		if pv, err = n.pat.eval(b, rows); err != nil {
			return vec{}, err
		}
		valid = andValid(&n.valid, xv.valid, pv.valid, rows)
	}
	out := &n.out
	out.bits = grow(out.bits, bitmapBytes(rows))
	clear(out.bits)
	out.valid = valid
	r := out.bits
	for i := 0; i < rows; i++ {
		s := xv.data[xv.offs[i]:xv.offs[i+1]]
		if n.ilike {
			n.lower = appendLower(n.lower[:0], s)
			s = n.lower
		}
		var hit bool
		if n.litPat {
			switch n.kind {
			case likeExact:
				hit = string(s) == string(n.lit)
			case likePrefix:
				hit = bytes.HasPrefix(s, n.lit)
			case likeSuffix:
				hit = bytes.HasSuffix(s, n.lit)
			case likeContains:
				hit = bytes.Contains(s, n.lit)
			case likeAll:
				hit = true
			default:
				hit = n.prog.match(s)
			}
		} else {
			if valid != nil && !getBit(valid, i) {
				continue
			}
			p := pv.data[pv.offs[i]:pv.offs[i+1]]
			if n.ilike {
				n.lit = appendLower(n.lit[:0], p)
				p = n.lit
			}
			toks, err := compileLikeInto(n.toks, p, n.esc)
			if err != nil {
				return vec{}, err
			}
			n.toks = toks
			n.prog.build(toks)
			hit = n.prog.match(s)
		}
		r[i>>3] |= b2u(hit) << (uint(i) & 7)
	}
	return *out, nil
}
