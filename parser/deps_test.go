package parser

import (
	"go/build"
	"strings"
	"testing"
)

// TestDeps keeps parser the leftmost package: it imports vitess and the
// standard library, and nothing else of spate.
func TestDeps(t *testing.T) {
	pkg, err := build.Default.Import("github.com/spate-sql/spate/parser", ".", 0)
	if err != nil {
		t.Fatal(err)
	}
	sawVitess := false
	for _, imp := range pkg.Imports {
		sawVitess = sawVitess || strings.HasPrefix(imp, "vitess.io/vitess/")
		if strings.HasPrefix(imp, "github.com/spate-sql/spate") {
			t.Errorf("parser imports %s; parser is the leftmost package and must not import any other spate package", imp)
		}
		if strings.Contains(imp, ".") && !strings.HasPrefix(imp, "vitess.io/vitess/") {
			t.Errorf("parser imports %s; only vitess and the standard library are allowed", imp)
		}
	}
	if !sawVitess {
		t.Errorf("import list %v does not show vitess; the check is not reading parser's imports", pkg.Imports)
	}
}
