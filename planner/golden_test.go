package planner

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden EXPLAIN files under testdata/")

// TestGoldenExplain plans every testdata/*.sql and compares its text
// EXPLAIN with testdata/*.explain (and the DOT output with *.dot when that
// file exists). Run with -rewrite to regenerate after an intended change,
// then review the diff.
func TestGoldenExplain(t *testing.T) {
	files, err := filepath.Glob("testdata/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden pipelines under testdata/")
	}

	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sql")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan(t, string(src))
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if err := validateGraph(p, true); err != nil {
				t.Fatalf("invalid graph: %v", err)
			}
			for _, format := range []string{"text", "dot"} {
				ext := ".explain"
				if format == "dot" {
					ext = ".dot"
				}
				golden := strings.TrimSuffix(f, ".sql") + ext
				if format == "dot" {
					if _, err := os.Stat(golden); err != nil && !*rewrite {
						continue
					}
					if *rewrite && !strings.Contains(string(src), "-- golden: dot") {
						continue
					}
				}
				got, err := p.Explain(format)
				if err != nil {
					t.Fatal(err)
				}
				if *rewrite {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -run TestGoldenExplain -rewrite to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from %s (rerun with -rewrite and review the diff):\n%s", format, golden, lineDiff(string(want), got))
				}
			}
		})
	}
}

// lineDiff shows the first differing lines.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var sb strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			sb.WriteString("line " + itoa(i+1) + ":\n  want: " + a + "\n  got:  " + b + "\n")
			if shown++; shown == 5 {
				break
			}
		}
	}
	return sb.String()
}
