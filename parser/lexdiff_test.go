package parser

import (
	"fmt"
	"strings"
	"testing"

	"vitess.io/vitess/go/vt/sqlparser"
)

// lexAgreement compares where spate's tokenizer and vitess's end their
// tokens on the comment-blanked text. The translator finds nodes by
// spate's tokens and maps vitess's error offsets onto them, so both must
// split the text the same way. Inputs with forms that are refused anyway
// and that the two tokenizers split differently (bind variables ":x",
// "@x", non-ASCII words) are skipped.
func lexAgreement(src string) error {
	if strings.ContainsAny(src, ":@\x00") || strings.ContainsFunc(src, func(r rune) bool { return r >= 0x80 }) {
		return nil
	}
	toks, lerr := lex([]byte(src))
	if lerr != nil || len(toks) == 0 {
		return nil
	}
	b := []byte(src)
	covered := make([]bool, len(b))
	var mine []int
	for _, t := range toks {
		for k := t.off; k < t.end; k++ {
			covered[k] = true
		}
		mine = append(mine, t.end)
	}
	for k := range b {
		if !covered[k] && b[k] != '\n' {
			b[k] = ' '
		}
	}
	vp, err := vitess()
	if err != nil {
		return err
	}
	tk := vp.NewStringTokenizer(string(b))
	var theirs []int
	for {
		typ, _ := tk.Scan()
		if typ == 0 || typ == sqlparser.LEX_ERROR {
			break
		}
		theirs = append(theirs, tk.Pos)
	}
	for i := range theirs {
		if i >= len(mine) || mine[i] != theirs[i] {
			return fmt.Errorf("token %d: spate ends tokens at %v, vitess at %v (text %q)", i, mine[:min(i+1, len(mine))], theirs[:i+1], b)
		}
	}
	return nil
}

func TestLexAgreement(t *testing.T) {
	var inputs []string
	for _, c := range exprCases {
		inputs = append(inputs, "SELECT "+c.in+" FROM t")
	}
	for _, c := range queryCases {
		inputs = append(inputs, c.in)
	}
	for _, c := range stmtCases {
		inputs = append(inputs, c.in)
	}
	for _, c := range errorCases {
		inputs = append(inputs, c.in)
	}
	inputs = append(inputs, "SELECT 0E, 1e, 1e+, .5e-3, 0x, 0x1f, 0b101, 0b2, 1abc, 1.5abc, 12e3x, a.5, t.1e3",
		"SELECT N'x', n\"y\", X'1f', x'', B'101', b'1', Nx, xy, 'a\\'b', \"q\"\"q\", `b``q`")
	for _, in := range inputs {
		if err := lexAgreement(in); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func FuzzLexAgreement(f *testing.F) {
	for _, s := range specExamples {
		f.Add(s)
	}
	for _, c := range exprCases {
		f.Add("SELECT " + c.in + " FROM t")
	}
	f.Add("SELECT 0E, 1e, .5e-3, 0x, 0b101, 1abc")
	f.Fuzz(func(t *testing.T, src string) {
		if err := lexAgreement(src); err != nil {
			t.Fatal(err)
		}
	})
}
