package expr

import (
	"go/build"
	"strings"
	"testing"
)

// TestDependencies keeps exec/expr at the bottom of the import graph: it
// may use Arrow and the standard library only.
func TestDependencies(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.Contains(imp, ".") && !strings.HasPrefix(imp, "github.com/apache/arrow-go/") {
			t.Errorf("exec/expr imports %s", imp)
		}
	}
}
