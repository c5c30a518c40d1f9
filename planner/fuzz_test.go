package planner

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzPlan feeds arbitrary pipeline text through the parser and the
// planner: nothing may panic, every plan that builds must satisfy the
// graph invariants, and EXPLAIN must render it. Seeds are the planner's
// own test pipelines, every golden pipeline of the engine's suite, the
// Nexmark queries (when present) and the error cases; the corpus under
// testdata/fuzz/FuzzPlan adds what earlier fuzzing found.
func FuzzPlan(f *testing.F) {
	var files []string
	for _, pat := range []string{"testdata/*.sql", "../testdata/golden/*/pipeline.sql", "../testdata/nexmark/*.sql"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		f.Fatalf("only %d seed pipelines found; run from the planner directory", len(files))
	}
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(string(src))
		}
	}
	for _, c := range errorCases {
		f.Add(errPrelude + c.sql)
	}
	for _, c := range timelineErrorCases {
		f.Add(tlPrelude + c.sql)
	}
	f.Fuzz(func(t *testing.T, src string) {
		type result struct {
			p   *Pipeline
			err error
		}
		done := make(chan result, 1)
		go func() {
			// plan parses too: a parser hang is caught here as well.
			p, err := plan(t, src)
			done <- result{p, err}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("parsing and planning took over 5s: %q", src)
		}
		p, err := r.p, r.err
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
	})
}
