package planner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spate-sql/spate/parser"
)

// FuzzPlan feeds arbitrary pipeline text through the parser and the
// planner: nothing may panic, every plan that builds must satisfy the
// graph invariants, and EXPLAIN must render it. Seeds are the golden
// pipelines and the error cases.
func FuzzPlan(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sql")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(string(src))
		}
	}
	for _, c := range errorCases {
		f.Add(errPrelude + c.sql)
	}
	f.Fuzz(func(t *testing.T, src string) {
		script, err := parser.Parse("fuzz.sql", []byte(src))
		if err != nil {
			return
		}
		p, err := plan(t, src)
		if err != nil {
			return
		}
		if err := validateGraph(p, false); err != nil {
			t.Fatalf("invalid graph for %q: %v", src, err)
		}
		for _, format := range []string{"text", "dot"} {
			if _, err := p.Explain(format); err != nil {
				t.Fatalf("explain %s: %v", format, err)
			}
		}
		_ = script
	})
}
