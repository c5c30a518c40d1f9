// Package nexmarkqueries embeds the Nexmark queries of this directory
// (qN.sql in spate's dialect, qN.duckdb.sql their DuckDB twins; see
// README.md), so that `spate bench nexmark` carries them in the binary and
// the engine's tests read the same bytes.
package nexmarkqueries

import (
	"embed"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Names lists the queries present (q0, q1, ...), in numeric order.
func Names() []string {
	ents, _ := files.ReadDir(".")
	var out []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasSuffix(n, ".sql") && !strings.HasSuffix(n, ".duckdb.sql") {
			out = append(out, strings.TrimSuffix(n, ".sql"))
		}
	}
	sort.Slice(out, func(a, b int) bool { return num(out[a]) < num(out[b]) })
	return out
}

func num(q string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(q, "q"))
	return n
}

// Spate returns the pipeline text of query q (e.g. "q5").
func Spate(q string) ([]byte, error) {
	b, err := files.ReadFile(q + ".sql")
	if err != nil {
		return nil, fmt.Errorf("no nexmark query %q (have %s)", q, strings.Join(Names(), ", "))
	}
	return b, nil
}

// DuckDB returns the DuckDB twin of query q: one SELECT over tables
// person, auction and bid (plus a seq column: the row's position in its
// table's stream).
func DuckDB(q string) ([]byte, error) {
	b, err := files.ReadFile(q + ".duckdb.sql")
	if err != nil {
		return nil, fmt.Errorf("nexmark query %q has no DuckDB twin", q)
	}
	return b, nil
}

var eventsOpt = regexp.MustCompile(`events\s*=\s*'\d+'`)

// WithEvents returns the pipeline with every nexmark source's events
// option set to n.
func WithEvents(src []byte, n int64) []byte {
	return eventsOpt.ReplaceAll(src, []byte(fmt.Sprintf("events = '%d'", n)))
}

// SourceLine matches a query's source statements, each on one line:
// CREATE SOURCE name WITH (connector = 'nexmark', table = 'T', events = 'N');
var SourceLine = regexp.MustCompile(`(?m)^CREATE SOURCE (\w+) WITH \(connector = 'nexmark', table = '(\w+)', events = '\d+'\);$`)
