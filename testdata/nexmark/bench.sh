#!/usr/bin/env bash
# Runs every Nexmark query through `spate bench nexmark` (generator source,
# blackhole sinks, one lane) and DuckDB's twin over the same events, and
# prints the table of BENCHMARKS.md. Usage, from the repository root:
#
#   testdata/nexmark/bench.sh [EVENTS] [QUERIES...]      # default 10000000, all
#
# Raw JSON lines go to $OUT (default /tmp/spate-nexmark-bench.jsonl).
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-10000000}
shift || true
queries=${*:-$(ls testdata/nexmark/q*.duckdb.sql | sed 's#.*/\(q[0-9]*\)\.duckdb\.sql#\1#' | sort -V | tr '\n' ' ')}
out=${OUT:-/tmp/spate-nexmark-bench.jsonl}
go build -tags duckdb_arrow -o /tmp/spate-bench ./cmd/spate
: >"$out"
for q in $queries; do
  /tmp/spate-bench bench nexmark --query "$q" --events "$events" --json 2>/dev/null | tail -1 >>"$out"
done
/tmp/spate-bench bench nexmark --duckdb-only --query "$(echo $queries | tr ' ' ',')" --events "$events" 2>/dev/null >>"$out"
python3 - "$out" <<'PY'
import json, sys
anchors = {  # published per-core events/s: Flink 2.0 harness, RisingWave 1.0 (Kafka JSON)
    "q0": (379e3, 170e3), "q1": (395e3, None), "q2": (414e3, None),
    "q5": (75e3, 11e3), "q7": (23e3, 37e3), "q8": (162e3, None)}
spate, duck = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    (duck if "duckdb_seconds" in r and "seconds" not in r else spate)[r["query"]] = r
k = lambda v: "" if v is None else f"{v/1e3:,.0f}k"
print("| query | spate events/s/core | events/s (wall) | CPU s | peak RSS MiB | rows out | Flink 2.0 /core | x Flink | RisingWave /vCPU | DuckDB twin s | DuckDB events/s |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for q in sorted(spate, key=lambda q: int(q[1:])):
    r = spate[q]; f, rw = anchors.get(q, (None, None)); d = duck.get(q, {}).get("duckdb_seconds")
    x = f"{r['events_per_core_sec']/f:.1f}x" if f else ""
    print(f"| {q} | {k(r['events_per_core_sec'])} | {k(r['events_per_sec'])} | {r['cpu_seconds']:.2f} | {r['peak_rss_bytes']/2**20:.0f} | {r['rows_out']} | {k(f)} | {x} | {k(rw)} | "
          + (f"{d:.2f} | {k(r['events']/d)} |" if d else " | |"))
PY
