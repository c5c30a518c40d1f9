package catalog

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the catalog below the planner and away from connector
// implementations: generator schemas come in through SchemaFunc.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/spate-sql/spate/catalog").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/spate-sql/spate/planner",
		"github.com/spate-sql/spate/connectors",
		"github.com/spate-sql/spate/cmd",
		"github.com/twmb/franz-go",
		"github.com/duckdb/duckdb-go",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range forbidden {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("catalog imports %s (forbidden: %s)", dep, bad)
			}
		}
	}
}
