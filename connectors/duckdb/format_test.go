package duckdb

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	r := &Result{
		Columns: []string{"cdn", "events", "avg", "amount", "ts"},
		Types:   []string{"VARCHAR", "BIGINT", "DOUBLE", "DECIMAL(10,2)", "TIMESTAMP"},
		Rows: [][]any{
			{"C1", int64(12), 1.5, Number("3.10"), time.Date(2015, 7, 15, 0, 0, 0, 123e6, time.UTC)},
			{nil, int64(-3), math.NaN(), nil, time.Date(2015, 7, 15, 0, 1, 0, 0, time.UTC)},
			{"a,\"b\"\nc", int64(0), 1e20, Number("-0.5"), nil},
		},
	}
	cases := map[string]string{
		"table": `┌──────────┬────────┬────────┬───────────────┬─────────────────────────┐
│   cdn    │ events │  avg   │    amount     │           ts            │
│ varchar  │ bigint │ double │ decimal(10,2) │        timestamp        │
├──────────┼────────┼────────┼───────────────┼─────────────────────────┤
│ C1       │     12 │    1.5 │          3.10 │ 2015-07-15 00:00:00.123 │
│ NULL     │     -3 │    nan │          NULL │ 2015-07-15 00:01:00     │
│ a,"b"\nc │      0 │  1e+20 │          -0.5 │ NULL                    │
└──────────┴────────┴────────┴───────────────┴─────────────────────────┘
  3 rows
`,
		"csv": `cdn,events,avg,amount,ts
C1,12,1.5,3.10,2015-07-15 00:00:00.123
,-3,nan,,2015-07-15 00:01:00
"a,""b""
c",0,1e+20,-0.5,
`,
		"json": `[
{"cdn":"C1","events":12,"avg":1.5,"amount":3.10,"ts":"2015-07-15T00:00:00.123Z"},
{"cdn":null,"events":-3,"avg":null,"amount":null,"ts":"2015-07-15T00:01:00Z"},
{"cdn":"a,\"b\"\nc","events":0,"avg":1e+20,"amount":-0.5,"ts":null}
]
`,
		"jsonl": `{"cdn":"C1","events":12,"avg":1.5,"amount":3.10,"ts":"2015-07-15T00:00:00.123Z"}
{"cdn":null,"events":-3,"avg":null,"amount":null,"ts":"2015-07-15T00:01:00Z"}
{"cdn":"a,\"b\"\nc","events":0,"avg":1e+20,"amount":-0.5,"ts":null}
`,
	}
	for f, want := range cases {
		var b bytes.Buffer
		if err := Format(&b, r, f); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("%s:\n%s\nwant\n%s", f, b.String(), want)
		}
	}
	var arr []map[string]any
	var b bytes.Buffer
	Format(&b, r, "json")
	if err := json.Unmarshal(b.Bytes(), &arr); err != nil || len(arr) != 3 {
		t.Fatalf("json output is not a valid array: %v", err)
	}
	b.Reset()
	Format(&b, &Result{Columns: []string{"a"}, Types: []string{"INTEGER"}}, "json")
	if b.String() != "[]\n" {
		t.Fatalf("empty json: %q", b.String())
	}
	if err := Format(&b, r, "xml"); err == nil || !strings.Contains(err.Error(), "unknown output format") {
		t.Fatalf("want format error, got %v", err)
	}
}
