package parser

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestPrintExprCases prints the current output of exprCases in Go syntax,
// for reviewing by hand when a case is added (PRINT_CASES=1).
func TestPrintExprCases(t *testing.T) {
	if os.Getenv("PRINT_CASES") == "" {
		t.Skip("set PRINT_CASES=1 to print")
	}
	for _, c := range exprCases {
		src := "CREATE VIEW v AS SELECT " + c.in + " FROM t"
		s, err := Parse("t.sql", []byte(src))
		if err != nil {
			fmt.Printf("\t{%q, %q},\n", c.in, "ERR "+err.Error())
			continue
		}
		sel := s.Statements[0].(*CreateView).Query.(*Select)
		fmt.Printf("\t{%q, %q},\n", c.in, sexpr(sel.Items[0].Expr, false))
	}
}

func TestPrintStmtCases(t *testing.T) {
	if os.Getenv("PRINT_CASES") == "" {
		t.Skip("set PRINT_CASES=1 to print")
	}
	for _, c := range stmtCases {
		s, err := Parse("t.sql", []byte(c.in))
		if err != nil {
			fmt.Printf("%s\n\tERR %v\n", c.name, err)
			continue
		}
		var out []string
		for _, st := range s.Statements {
			out = append(out, stmtString(st))
		}
		fmt.Printf("%s\n\t%q\n", c.name, strings.Join(out, "\n"))
	}
	for _, c := range queryCases {
		s, err := Parse("t.sql", []byte("CREATE VIEW v AS "+c.in))
		if err != nil {
			fmt.Printf("\t{%q, %q},\n", c.in, "ERR "+err.Error())
			continue
		}
		fmt.Printf("\t{%q, %q},\n", c.in, sexpr(s.Statements[0].(*CreateView).Query, true))
	}
}

func TestPrintErrorCases(t *testing.T) {
	if os.Getenv("PRINT_CASES") == "" {
		t.Skip("set PRINT_CASES=1 to print")
	}
	for _, c := range errorCases {
		_, err := Parse("t.sql", []byte(c.in))
		if err == nil {
			fmt.Printf("%s\n\t%q\n", c.name, "NO ERROR")
			continue
		}
		fmt.Printf("%s\n\t%q\n", c.name, err.Error())
	}
}
