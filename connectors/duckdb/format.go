package duckdb

import (
	"bufio"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Result is the answer of a read-only query.
//
// Rows hold, per value: nil (NULL), bool, int64, uint64, float64, string,
// []byte (BLOB), time.Time (UTC for TIMESTAMP), Number (DECIMAL and
// HUGEINT, exact) or json.RawMessage (LIST, STRUCT, MAP and other nested
// values, as JSON).
type Result struct {
	Columns []string
	Types   []string // DuckDB type names: BIGINT, DECIMAL(18,3), VARCHAR, ...
	Rows    [][]any
}

// Number is an exact decimal number as text ("12.50", "-3").
type Number string

// Formats lists the output formats of Format.
var Formats = []string{"table", "csv", "json", "jsonl"}

// Format writes r to w as:
//   - "table" (or ""): an aligned box like the DuckDB CLI, with the column
//     names and types on top and the row count below; numbers right-aligned.
//   - "csv": RFC 4180 with a header line; NULL is an empty field.
//   - "json": one JSON array of objects (column name -> value), one object
//     per line, so it is both valid JSON and easy to grep.
//   - "jsonl": one JSON object per line, no array.
//
// Timestamps are "2006-01-02 15:04:05[.ffffff]" in table and csv, and RFC
// 3339 UTC strings in JSON. DECIMAL values are exact JSON numbers; NaN and
// infinite doubles are JSON null; a BLOB is a JSON string when it is valid
// UTF-8, else base64.
func Format(w io.Writer, r *Result, format string) error {
	bw := bufio.NewWriter(w)
	var err error
	switch strings.ToLower(format) {
	case "", "table":
		err = formatTable(bw, r)
	case "csv":
		err = formatCSV(bw, r)
	case "json":
		err = formatJSON(bw, r, true)
	case "jsonl", "ndjson":
		err = formatJSON(bw, r, false)
	default:
		return fmt.Errorf("unknown output format %q (use %s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// text renders a value for table and csv output; ok is false for NULL.
func text(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case bool:
		return strconv.FormatBool(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case float64:
		return formatFloat(v), true
	case string:
		return v, true
	case Number:
		return string(v), true
	case []byte:
		if utf8.Valid(v) {
			return string(v), true
		}
		var b strings.Builder
		for _, c := range v {
			if c >= 0x20 && c < 0x7f && c != '\\' {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, `\x%02X`, c)
			}
		}
		return b.String(), true
	case time.Time:
		return v.Format("2006-01-02 15:04:05.999999"), true
	case json.RawMessage:
		return string(v), true
	}
	return fmt.Sprint(v), true
}

func formatFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	if a := math.Abs(v); a == 0 || (a >= 1e-4 && a < 1e15) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'e', -1, 64)
}

func isNumericType(t string) bool {
	t = strings.ToUpper(t)
	for _, p := range []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
		"UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

func formatTable(w *bufio.Writer, r *Result) error {
	n := len(r.Columns)
	cells := make([][]string, len(r.Rows))
	width := make([]int, n)
	types := make([]string, n)
	right := make([]bool, n)
	for i, c := range r.Columns {
		if i < len(r.Types) {
			types[i] = strings.ToLower(r.Types[i])
			right[i] = isNumericType(r.Types[i])
		}
		width[i] = max(utf8.RuneCountInString(c), utf8.RuneCountInString(types[i]))
	}
	esc := strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`)
	for ri, row := range r.Rows {
		cells[ri] = make([]string, n)
		for i := 0; i < n && i < len(row); i++ {
			s, ok := text(row[i])
			if !ok {
				s = "NULL"
			} else {
				s = esc.Replace(s)
			}
			cells[ri][i] = s
			width[i] = max(width[i], utf8.RuneCountInString(s))
		}
	}
	line := func(l, m, rt string) {
		w.WriteString(l)
		for i := range width {
			if i > 0 {
				w.WriteString(m)
			}
			w.WriteString(strings.Repeat("─", width[i]+2))
		}
		w.WriteString(rt)
		w.WriteByte('\n')
	}
	pad := func(s string, wd int, rightAlign, center bool) {
		gap := wd - utf8.RuneCountInString(s)
		switch {
		case center:
			w.WriteString(strings.Repeat(" ", gap/2))
			w.WriteString(s)
			w.WriteString(strings.Repeat(" ", gap-gap/2))
		case rightAlign:
			w.WriteString(strings.Repeat(" ", gap))
			w.WriteString(s)
		default:
			w.WriteString(s)
			w.WriteString(strings.Repeat(" ", gap))
		}
	}
	row := func(vals []string, center bool) {
		for i := range width {
			w.WriteString("│ ")
			pad(vals[i], width[i], right[i], center)
			w.WriteByte(' ')
		}
		w.WriteString("│\n")
	}
	if n == 0 {
		_, err := fmt.Fprintf(w, "(no columns) %d rows\n", len(r.Rows))
		return err
	}
	line("┌", "┬", "┐")
	row(r.Columns, true)
	row(types, true)
	line("├", "┼", "┤")
	for _, c := range cells {
		row(c, false)
	}
	line("└", "┴", "┘")
	if len(r.Rows) == 1 {
		_, err := w.WriteString("  1 row\n")
		return err
	}
	_, err := fmt.Fprintf(w, "  %d rows\n", len(r.Rows))
	return err
}

func formatCSV(w *bufio.Writer, r *Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(r.Columns); err != nil {
		return err
	}
	rec := make([]string, len(r.Columns))
	for _, row := range r.Rows {
		for i := range rec {
			rec[i] = ""
			if i < len(row) {
				rec[i], _ = text(row[i])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatJSON(w *bufio.Writer, r *Result, array bool) error {
	keys := make([][]byte, len(r.Columns))
	for i, c := range r.Columns {
		keys[i], _ = json.Marshal(c)
	}
	if array {
		w.WriteString("[")
	}
	var buf []byte
	for ri, row := range r.Rows {
		if array {
			if ri > 0 {
				w.WriteString(",")
			}
			w.WriteString("\n")
		}
		buf = append(buf[:0], '{')
		for i := range r.Columns {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, keys[i]...)
			buf = append(buf, ':')
			var v any
			if i < len(row) {
				v = row[i]
			}
			buf = appendJSONValue(buf, v)
		}
		buf = append(buf, '}')
		if !array {
			buf = append(buf, '\n')
		}
		w.Write(buf)
	}
	if array {
		if len(r.Rows) > 0 {
			w.WriteString("\n")
		}
		w.WriteString("]\n")
	}
	return nil
}

func appendJSONValue(buf []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(buf, "null"...)
	case bool:
		return strconv.AppendBool(buf, v)
	case int64:
		return strconv.AppendInt(buf, v, 10)
	case uint64:
		return strconv.AppendUint(buf, v, 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(buf, "null"...)
		}
		return strconv.AppendFloat(buf, v, 'g', -1, 64)
	case Number:
		return append(buf, v...)
	case string:
		b, _ := json.Marshal(v)
		return append(buf, b...)
	case []byte:
		var s string
		if utf8.Valid(v) {
			s = string(v)
		} else {
			s = base64.StdEncoding.EncodeToString(v)
		}
		b, _ := json.Marshal(s)
		return append(buf, b...)
	case time.Time:
		buf = append(buf, '"')
		buf = v.UTC().AppendFormat(buf, time.RFC3339Nano)
		return append(buf, '"')
	case json.RawMessage:
		return append(buf, v...)
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprint(v))
	}
	return append(buf, b...)
}
