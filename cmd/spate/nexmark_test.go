//go:build duckdb_arrow

package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// TestGenNexmark checks the JSONL of `spate gen nexmark`: exactly each
// table's columns (SPEC §6), the 1:3:46 mix, the interleaved order without
// --table, and that one table alone is the same rows as its lines in the
// interleaved output.
func TestGenNexmark(t *testing.T) {
	cols := map[string]string{
		"person":  "city,credit_card,date_time,email_address,extra,id,name,state",
		"auction": "category,date_time,description,expires,extra,id,initial_bid,item_name,reserve,seller",
		"bid":     "auction,bidder,channel,date_time,extra,price,url",
	}
	kindOf := func(m map[string]any) string {
		switch {
		case m["bidder"] != nil:
			return "bid"
		case m["seller"] != nil:
			return "auction"
		}
		return "person"
	}
	keys := func(m map[string]any) string {
		var k []string
		for x := range m {
			k = append(k, x)
		}
		sort.Strings(k)
		return strings.Join(k, ",")
	}
	code, all, stderr := spate(t, "", "gen", "nexmark", "--events", "1000", "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
	if len(lines) != 1000 {
		t.Fatalf("%d lines, want 1000", len(lines))
	}
	byTable := map[string][]string{}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		k := kindOf(m)
		want := "person"
		if o := i % 50; o >= 4 {
			want = "bid"
		} else if o >= 1 {
			want = "auction"
		}
		if k != want {
			t.Fatalf("line %d is a %s, want a %s (1 person, 3 auctions, 46 bids per 50 events)", i+1, k, want)
		}
		if got := keys(m); got != cols[k] {
			t.Fatalf("line %d (%s) has columns %s, want %s", i+1, k, got, cols[k])
		}
		if ts, _ := m["date_time"].(string); len(ts) != len("2015-07-15T00:00:00.000Z") || !strings.HasPrefix(ts, "2015-07-15T") {
			t.Fatalf("line %d: date_time %q is not RFC 3339 with milliseconds from 2015-07-15", i+1, ts)
		}
		byTable[k] = append(byTable[k], l)
	}
	for table, want := range byTable {
		code, out, stderr := spate(t, "", "gen", "nexmark", "--events", "1000", "--seed", "3", "--table", table)
		if code != 0 {
			t.Fatalf("--table %s: exit %d: %s", table, code, stderr)
		}
		if out != strings.Join(want, "\n")+"\n" {
			t.Errorf("--table %s differs from its lines of the interleaved output", table)
		}
	}
	for _, args := range [][]string{{"gen", "nexmark"}, {"gen", "nexmark", "--events", "10", "--table", "bids"}} {
		if code, _, stderr := spate(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

// TestBenchNexmark runs a small benchmark of each source kind and reads
// the JSON line of SPEC §6.
func TestBenchNexmark(t *testing.T) {
	for _, source := range []string{"generator", "kafka"} {
		code, out, stderr := spate(t, "", "bench", "nexmark", "--query", "q2", "--events", "20000", "--source", source, "--json", "--duckdb")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", source, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		var r map[string]any
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
			t.Fatalf("%s: last line is not JSON: %v\n%s", source, err, out)
		}
		for _, k := range []string{"query", "events", "seconds", "cpu_seconds", "events_per_sec", "events_per_core_sec", "peak_rss_bytes"} {
			if _, ok := r[k]; !ok {
				t.Errorf("%s: the JSON line has no %q: %s", source, k, lines[len(lines)-1])
			}
		}
		// 18,400 bids; every 123rd auction id (about 1/123 of them).
		if r["query"] != "q2" || r["events"] != float64(20000) || r["rows_out"].(float64) < 50 || r["duckdb_seconds"] == nil {
			t.Errorf("%s: unexpected result %v", source, r)
		}
	}
	if code, _, stderr := spate(t, "", "bench", "nexmark", "--query", "q99", "--events", "10"); code != 2 || !strings.Contains(stderr, "q22") {
		t.Errorf("unknown query: exit %d, stderr %q (want 2, listing the queries)", code, stderr)
	}
}
