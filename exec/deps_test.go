package exec

import (
	osexec "os/exec"
	"strings"
	"testing"
)

// TestDeps keeps exec right of the planner and left of the connectors:
// operators and the runtime know Arrow and their own contracts, never the
// SQL front end, a Kafka client or DuckDB (tests may use DuckDB as an
// oracle; `go list -deps` without -test sees only the package itself).
func TestDeps(t *testing.T) {
	const pkg = "github.com/spate-sql/spate/exec"
	out, err := osexec.Command("go", "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	forbidden := []string{
		"vitess.io/vitess",
		"github.com/twmb/franz-go",
		"github.com/duckdb/duckdb-go",
		"github.com/spate-sql/spate/parser",
		"github.com/spate-sql/spate/catalog",
		"github.com/spate-sql/spate/planner",
		"github.com/spate-sql/spate/connectors",
		"github.com/spate-sql/spate/cmd",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range forbidden {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("%s imports %s (forbidden: %s)", pkg, dep, bad)
			}
		}
	}
}
