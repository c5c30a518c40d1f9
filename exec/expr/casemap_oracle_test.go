package expr

import (
	"database/sql"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	_ "github.com/duckdb/duckdb-go/v2"
)

// TestCaseMappingMatchesDuckDB compares lower() and upper() with DuckDB's
// for every code point of the scripts with case (Latin, Greek, Cyrillic,
// Armenian, Georgian, Cherokee, Glagolitic, fullwidth, Deseret, ...).
func TestCaseMappingMatchesDuckDB(t *testing.T) {
	var runes []rune
	for _, r := range [][2]rune{{0x80, 0x2af}, {0x370, 0x58f}, {0x10a0, 0x10ff}, {0x13a0, 0x13ff}, {0x1c80, 0x1cbf},
		{0x1e00, 0x1fff}, {0x2100, 0x218f}, {0x24b0, 0x24ff}, {0x2c00, 0x2d2f}, {0xa640, 0xa7ff}, {0xab70, 0xabbf},
		{0xff20, 0xff5f}, {0x10400, 0x1044f}} {
		for c := r[0]; c <= r[1]; c++ {
			if utf8.ValidRune(c) {
				runes = append(runes, c)
			}
		}
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sb strings.Builder
	sb.WriteString("SELECT lower(c), upper(c) FROM (VALUES ")
	for i, r := range runes {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(" + strconv.Itoa(i) + ", " + sqlString(string(r)) + ")")
	}
	sb.WriteString(") v(i, c) ORDER BY i")
	rows, err := db.Query(sb.String())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	bad := 0
	for i := 0; rows.Next(); i++ {
		var lo, up string
		if err := rows.Scan(&lo, &up); err != nil {
			t.Fatal(err)
		}
		s := []byte(string(runes[i]))
		gl, gu := string(appendLower(nil, s)), string(appendUpper(nil, s))
		if gl != lo || gu != up {
			bad++
			if bad <= 30 {
				t.Errorf("U+%04X %q: lower %q upper %q, DuckDB %q %q", runes[i], string(runes[i]), gl, gu, lo, up)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d code points differ", bad, len(runes))
	}
}
