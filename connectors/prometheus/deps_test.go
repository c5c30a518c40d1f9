package prometheus

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps connectors/prometheus a leaf: it sees exec's contracts,
// never the SQL front end, the CLI, DuckDB or Kafka.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/spate-sql/spate/connectors/prometheus").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/spate-sql/spate/parser",
		"github.com/spate-sql/spate/catalog",
		"github.com/spate-sql/spate/planner",
		"github.com/spate-sql/spate/cmd",
		"vitess.io/vitess",
		"github.com/twmb/franz-go",
		"github.com/duckdb/duckdb-go",
		"github.com/spate-sql/spate/connectors/kafka",
		"github.com/spate-sql/spate/connectors/duckdb",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range forbidden {
			if dep == bad || strings.HasPrefix(dep, strings.TrimSuffix(bad, "/")+"/") {
				t.Errorf("connectors/prometheus imports %s (forbidden: %s)", dep, bad)
			}
		}
	}
}
