package kafka

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps connectors/kafka below the SQL front end: it sees exec's
// contracts and jsonfmt, never the parser, catalog, planner, CLI or DuckDB.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/spate-sql/spate/connectors/kafka").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/spate-sql/spate/parser",
		"github.com/spate-sql/spate/catalog",
		"github.com/spate-sql/spate/planner",
		"github.com/spate-sql/spate/cmd",
		"github.com/spate-sql/spate/connectors/duckdb",
		"vitess.io/vitess",
		"github.com/duckdb/duckdb-go",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range forbidden {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("connectors/kafka imports %s (forbidden: %s)", dep, bad)
			}
		}
	}
}
