package planner

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the import direction of ARCHITECTURE.md: the planner
// knows the AST, the catalog and exec's plan contract, never a Kafka
// client, DuckDB or a connector.
func TestDeps(t *testing.T) {
	checkDeps(t, "github.com/spate-sql/spate/planner", []string{
		"github.com/twmb/franz-go",
		"github.com/duckdb/duckdb-go",
		"github.com/spate-sql/spate/connectors",
		"github.com/spate-sql/spate/cmd",
	})
}

func checkDeps(t *testing.T, pkg string, forbidden []string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range forbidden {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("%s imports %s (forbidden: %s)", pkg, dep, bad)
			}
		}
	}
}
