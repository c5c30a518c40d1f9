package parser

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLargeInputs guards against super-linear paths (position lookups on a
// long line, cursor searches, nesting): each input must parse quickly.
func TestLargeInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	many := func(n int, f func(i int) string, sep string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, sep)
	}
	cases := []struct {
		name string
		src  string
	}{
		{"wide select on one line", "CREATE VIEW v AS SELECT " + many(20000, func(i int) string { return fmt.Sprintf("c%d + 'é'", i) }, ", ") + " FROM t"},
		{"deep parentheses", "CREATE VIEW v AS SELECT " + strings.Repeat("(", 3000) + "a" + strings.Repeat(")", 3000) + " FROM t"},
		{"long AND chain", "CREATE VIEW v AS SELECT a FROM t WHERE " + many(5000, func(i int) string { return fmt.Sprintf("c%d = %d", i, i) }, " AND ")},
		{"nested calls", "CREATE VIEW v AS SELECT " + strings.Repeat("lower(", 1000) + "a" + strings.Repeat(")", 1000) + " FROM t"},
		{"nested casts", "CREATE VIEW v AS SELECT " + strings.Repeat("CAST(", 500) + "a" + strings.Repeat(" AS BIGINT)", 500) + " FROM t"},
		{"many statements", many(5000, func(i int) string { return fmt.Sprintf("CREATE VIEW v%d AS SELECT a, b FROM t WHERE c = %d", i, i) }, ";\n")},
		{"wide source", "CREATE SOURCE s (" + many(20000, func(i int) string { return fmt.Sprintf("c%d BIGINT", i) }, ", ") + ") WITH (x = 'y')"},
		{"unknown names everywhere", "CREATE VIEW v AS SELECT " + many(5000, func(i int) string { return fmt.Sprintf("f%d(x) OVER (PARTITION BY y ORDER BY z)", i) }, ", ") + " FROM t"},
	}
	for _, c := range cases {
		start := time.Now()
		_, err := Parse("big.sql", []byte(c.src))
		d := time.Since(start)
		if err != nil && !strings.Contains(c.name, "unknown") {
			t.Errorf("%s: %v", c.name, err)
		}
		// Generous: the machine is shared; quadratic behaviour takes minutes.
		if d > 10*time.Second {
			t.Errorf("%s: %d bytes took %v", c.name, len(c.src), d)
		}
		t.Logf("%s: %d bytes in %v", c.name, len(c.src), d)
	}
}
