package jsonfmt

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps jsonfmt a leaf on Arrow: no spate package, no Kafka, no
// encoding/json (the decoder is hand-written for speed; tests may use
// encoding/json as an oracle).
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/spate-sql/spate/connectors/jsonfmt").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/spate-sql/spate/connectors/jsonfmt" {
			continue
		}
		if strings.HasPrefix(dep, "github.com/spate-sql/spate/") || strings.HasPrefix(dep, "github.com/twmb/") {
			t.Errorf("jsonfmt imports %s", dep)
		}
	}
	out, err = exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", "github.com/spate-sql/spate/connectors/jsonfmt").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, imp := range strings.Fields(string(out)) {
		if imp == "encoding/json" || imp == "reflect" {
			t.Errorf("jsonfmt imports %s directly", imp)
		}
	}
}
