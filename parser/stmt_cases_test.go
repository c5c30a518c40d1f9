package parser

// stmtCases are whole files; want is stmtString of each statement, joined
// by newlines.
var stmtCases = []struct{ name, in, want string }{
	{"source with columns and options", `CREATE SOURCE heartbeats (
  session_id VARCHAR, ts TIMESTAMP, player VARCHAR, bitrate DOUBLE
) WITH (connector = 'kafka', topic = 'heartbeats', format = 'json',
        event_time = 'ts', watermark_delay = '5s', on_error = 'dead_letter');`, "(source@1:1 heartbeats (cols session_id:VARCHAR@2:3/2:14 ts:TIMESTAMP@2:23/2:26 player:VARCHAR@2:37/2:44 bitrate:DOUBLE@2:53/2:61) (with connector=\"kafka\"@3:9 topic=\"heartbeats\"@3:30 format=\"json\"@3:52 event_time=\"ts\"@4:9 watermark_delay=\"5s\"@4:28 on_error=\"dead_letter\"@4:52))"},
	{"source without columns", `CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', events = '1000000');`, "(source@1:1 bid (with connector=\"nexmark\"@1:25 table=\"bid\"@1:48 events=\"1000000\"@1:63))"},
	{"source every type", `create source s (a BIGINT, b INT, c INTEGER, d DOUBLE, e FLOAT, f DECIMAL(10,2), g DECIMAL(5), h DECIMAL,
 i VARCHAR, j VARCHAR(255), k TEXT, l BOOLEAN, m BOOL, n TIMESTAMP, o double precision)`, "(source@1:1 s (cols a:BIGINT@1:18/1:20 b:INT@1:28/1:30 c:INTEGER@1:35/1:37 d:DOUBLE@1:46/1:48 e:FLOAT@1:56/1:58 f:DECIMAL(10,2)@1:65/1:67 g:DECIMAL(5,0)@1:82/1:84 h:DECIMAL@1:96/1:98 i:VARCHAR@2:2/2:4 j:VARCHAR@2:13/2:15 k:TEXT@2:29/2:31 l:BOOLEAN@2:37/2:39 m:BOOL@2:48/2:50 n:TIMESTAMP@2:56/2:58 o:DOUBLE@2:69/2:71))"},
	{"source names are case-insensitive", "CREATE SOURCE `My Src` (`Col A` bigint, B int) WITH (Connector = 'x')", "(source@1:1 my src (cols col a:BIGINT@1:25/1:33 b:INT@1:41/1:43) (with connector=\"x\"@1:54))"},
	{"source without options", "CREATE SOURCE s (a BIGINT)", "(source@1:1 s (cols a:BIGINT@1:18/1:20))"},
	{"option values", "CREATE SOURCE s WITH (events = 1000, rate = -5, start_offset = latest, 'group_id' = 'g', properties.group.id = 'p', x = \"dq\", e = '')", "(source@1:1 s (with events=\"1000\"@1:23 rate=\"-5\"@1:38 start_offset=\"latest\"@1:49 group_id=\"g\"@1:72 properties.group.id=\"p\"@1:90 x=\"dq\"@1:117 e=\"\"@1:127))"},
	{"empty options", "CREATE SOURCE s WITH ()", "(source@1:1 s)"},
	{"view", "CREATE VIEW plays AS SELECT * FROM heartbeats WHERE player IS NOT NULL", "(view@1:1 plays (select@1:22 *@1:29 (from heartbeats@1:36) (where (is-not-null@1:53 player@1:53))))"},
	{"materialized view", "CREATE MATERIALIZED VIEW m AS SELECT a FROM t", "(mview@1:1 m (select@1:31 a@1:38 (from t@1:45)))"},
	{"materialized view with options", "create materialized view m with (timeline_ttl = '90s') as select a from t", "(mview@1:1 m (with timeline_ttl=\"90s\"@1:34) (select@1:59 a@1:66 (from t@1:73)))"},
	{"sink", "CREATE SINK alerts FROM cdn_minute WITH (connector = 'kafka', topic = 'alerts', format = 'json');", "(sink@1:1 alerts from cdn_minute@1:25 (with connector=\"kafka\"@1:42 topic=\"alerts\"@1:63 format=\"json\"@1:81))"},
	{"several statements, comments, empty statements", `-- leading comment
;;
CREATE SOURCE s (a BIGINT) /* inline ; not a separator */ WITH (c = 'x;y');  -- trailing ; comment
/* block
   comment */
CREATE VIEW v AS SELECT a -- the column
  FROM s;
;
CREATE SINK k FROM v WITH (connector = 'stdout')
-- end of file`, "(source@3:1 s (cols a:BIGINT@3:18/3:20) (with c=\"x;y\"@3:65))\n(view@6:1 v (select@6:18 a@6:25 (from s@7:8)))\n(sink@9:1 k from v@9:20 (with connector=\"stdout\"@9:28))"},
	{"no trailing semicolon, trailing whitespace", "CREATE VIEW v AS SELECT 1 \n\n\t ", "(view@1:1 v (select@1:18 1@1:25))"},
	{"empty file", "", ""},
	{"only comments", "-- nothing\n/* here */ ;", ""},
	{"crlf line endings", "CREATE VIEW v AS\r\nSELECT a,\r\n  b FROM t", "(view@1:1 v (select@2:1 a@2:8 b@3:3 (from t@3:10)))"},
	{"multibyte text before a node", "CREATE VIEW v AS SELECT 'héllo', `é_b` FROM t", "(view@1:1 v (select@1:18 \"héllo\"@1:25 é_b@1:34 (from t@1:45)))"},
}

// queryCases are queries, parsed as "CREATE VIEW v AS <in>"; want is the
// query's S-expression with positions (line 1, the query starts at col 18).
var queryCases = []struct{ in, want string }{
	{"SELECT * FROM t", "(select@1:18 *@1:25 (from t@1:32))"},
	{"SELECT t.*, u.* FROM t, u", "(select@1:18 t.*@1:25 u.*@1:30 (from (cross-join@1:39 t@1:39 u@1:42)))"},
	{"SELECT DISTINCT a AS x, b y, c AS 'z' FROM t", "(select@1:18 distinct a@1:34 as x b@1:42 as y c@1:47 as z (from t@1:61))"},
	{"SELECT 1", "(select@1:18 1@1:25)"},
	{"SELECT a FROM t AS x", "(select@1:18 a@1:25 (from t as x@1:32))"},
	{"SELECT a FROM t x", "(select@1:18 a@1:25 (from t as x@1:32))"},
	{"SELECT a FROM t JOIN u ON t.k = u.k", "(select@1:18 a@1:25 (from (inner-join@1:32 t@1:32 u@1:39 (on (=@1:44 t.k@1:44 u.k@1:50)))))"},
	{"SELECT a FROM t INNER JOIN u ON t.k = u.k", "(select@1:18 a@1:25 (from (inner-join@1:32 t@1:32 u@1:45 (on (=@1:50 t.k@1:50 u.k@1:56)))))"},
	{"SELECT a FROM t LEFT JOIN u ON t.k = u.k", "(select@1:18 a@1:25 (from (left-join@1:32 t@1:32 u@1:44 (on (=@1:49 t.k@1:49 u.k@1:55)))))"},
	{"SELECT a FROM t LEFT OUTER JOIN u ON t.k = u.k", "(select@1:18 a@1:25 (from (left-join@1:32 t@1:32 u@1:50 (on (=@1:55 t.k@1:55 u.k@1:61)))))"},
	{"SELECT a FROM t RIGHT JOIN u ON t.k = u.k", "(select@1:18 a@1:25 (from (right-join@1:32 t@1:32 u@1:45 (on (=@1:50 t.k@1:50 u.k@1:56)))))"},
	{"SELECT a FROM t FULL JOIN u ON t.k = u.k", "(select@1:18 a@1:25 (from (full-join@1:32 t@1:32 u@1:44 (on (=@1:49 t.k@1:49 u.k@1:55)))))"},
	{"SELECT a FROM t FULL OUTER JOIN u ON t.k = u.k", "(select@1:18 a@1:25 (from (full-join@1:32 t@1:32 u@1:50 (on (=@1:55 t.k@1:55 u.k@1:61)))))"},
	{"SELECT a FROM t CROSS JOIN u", "(select@1:18 a@1:25 (from (cross-join@1:32 t@1:32 u@1:45)))"},
	{"SELECT a FROM t JOIN u USING (k, j)", "(select@1:18 a@1:25 (from (inner-join@1:32 t@1:32 u@1:39 (using k j))))"},
	{"SELECT a FROM t, u, w WHERE t.k = u.k", "(select@1:18 a@1:25 (from (cross-join@1:32 (cross-join@1:32 t@1:32 u@1:35) w@1:38)) (where (=@1:46 t.k@1:46 u.k@1:52)))"},
	{"SELECT a FROM t JOIN u ON t.k = u.k LEFT JOIN w ON w.k = u.k", "(select@1:18 a@1:25 (from (left-join@1:32 (inner-join@1:32 t@1:32 u@1:39 (on (=@1:44 t.k@1:44 u.k@1:50))) w@1:64 (on (=@1:69 w.k@1:69 u.k@1:75)))))"},
	{"SELECT a FROM (t JOIN u ON t.k = u.k)", "(select@1:18 a@1:25 (from (inner-join@1:33 t@1:33 u@1:40 (on (=@1:45 t.k@1:45 u.k@1:51)))))"},
	{"SELECT d.a FROM (SELECT a FROM t) AS d", "(select@1:18 d.a@1:25 (from (derived@1:34 (select@1:35 a@1:42 (from t@1:49)) as d)))"},
	{"SELECT a FROM t WHERE a > 1 GROUP BY a, b HAVING count(*) > 2 ORDER BY a DESC, b ASC LIMIT 10", "(select@1:18 a@1:25 (from t@1:32) (where (>@1:40 a@1:40 1@1:44)) (group a@1:55 b@1:58) (having (>@1:67 (count@1:67 *) 2@1:78)) (order a@1:89 desc b@1:97) (limit 10@1:109))"},
	{"SELECT a FROM t ORDER BY a NULLS FIRST, b DESC NULLS LAST", "(select@1:18 a@1:25 (from t@1:32) (order a@1:43 nulls-first b@1:58 desc nulls-last))"},
	{"SELECT a FROM t UNION SELECT b FROM u", "(union@1:18 (select@1:18 a@1:25 (from t@1:32)) (select@1:40 b@1:47 (from u@1:54)))"},
	{"SELECT a FROM t UNION ALL SELECT b FROM u UNION SELECT c FROM w ORDER BY 1 LIMIT 3", "(union@1:18 (union all@1:18 (select@1:18 a@1:25 (from t@1:32)) (select@1:44 b@1:51 (from u@1:58))) (select@1:66 c@1:73 (from w@1:80)) (order 1@1:91) (limit 3@1:99))"},
	{"(SELECT a FROM t) UNION ALL (SELECT b FROM u)", "(union all@1:19 (select@1:19 a@1:26 (from t@1:33)) (select@1:47 b@1:54 (from u@1:61)))"},
	{"SELECT a AS minute, minute FROM t", "(select@1:18 a@1:25 as minute minute@1:38 (from t@1:50))"},
	{"SELECT a AS 'x', x FROM t", "(select@1:18 a@1:25 as x x@1:35 (from t@1:42))"},
	{"SELECT ts - INTERVAL 1 MINUTE, minute FROM t", "(select@1:18 (-@1:25 ts@1:25 60000ms@1:30) minute@1:49 (from t@1:61))"},
	{"SELECT a IS NULL, NULL FROM t", "(select@1:18 (is-null@1:25 a@1:25) NULL@1:36 (from t@1:46))"},
	{"SELECT CASE WHEN end > 1 THEN 1 END, end FROM t", "(select@1:18 (case@1:25 (when (>@1:35 end@1:35 1@1:41) 1@1:48)) end@1:55 (from t@1:64))"},
	{"SELECT a FROM t WHERE b.ts BETWEEN a.ts - INTERVAL 10 SECOND AND a.ts", "(select@1:18 a@1:25 (from t@1:32) (where (between@1:40 b.ts@1:40 (-@1:53 a.ts@1:53 10000ms@1:60) a.ts@1:83)))"},
	{"SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY a ORDER BY c DESC) AS rn FROM t) AS x WHERE rn <= 3", "(select@1:18 *@1:25 (from (derived@1:32 (select@1:33 *@1:40 (row_number@1:43 (over (partition a@1:75) (order c@1:86 desc))) as rn (from t@1:105)) as x)) (where (<=@1:119 rn@1:119 3@1:125)))"},
	{"SELECT a - -5, - a FROM t", "(select@1:18 (-@1:25 a@1:25 -5@1:29) (-@1:33 a@1:35) (from t@1:42))"},
	{"SELECT CAST(text AS TEXT), text FROM t", "(select@1:18 (cast@1:25 text@1:30 TEXT) text@1:45 (from t@1:55))"},
}
