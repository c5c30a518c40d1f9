package catalog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// unitMillis maps every accepted duration unit to its length in ms.
var unitMillis = map[string]int64{
	"ms": 1, "msec": 1, "msecs": 1, "millisecond": 1, "milliseconds": 1,
	"s": 1000, "sec": 1000, "secs": 1000, "second": 1000, "seconds": 1000,
	"m": 60_000, "min": 60_000, "mins": 60_000, "minute": 60_000, "minutes": 60_000,
	"h": 3_600_000, "hr": 3_600_000, "hrs": 3_600_000, "hour": 3_600_000, "hours": 3_600_000,
	"d": 86_400_000, "day": 86_400_000, "days": 86_400_000,
}

// ParseDuration reads a duration as SPEC §3 writes them — '500ms', '10s',
// '1m', '1h', '1d', '10 seconds', '1 minute', '2 hours', '1.5s' — and
// returns it in milliseconds. A bare '0' is zero. Negative durations and
// fractions of a millisecond are errors. The error text is meant to follow
// "invalid duration 'x': ".
func ParseDuration(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return 0, fmt.Errorf("empty duration (write e.g. '10s', '1m' or '500ms')")
	}
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	if num == "" {
		if strings.HasPrefix(t, "-") {
			return 0, fmt.Errorf("a duration cannot be negative")
		}
		return 0, fmt.Errorf("a duration starts with a number (write e.g. '10s', '1m' or '500ms')")
	}
	if unit == "" {
		if v, err := strconv.ParseFloat(num, 64); err == nil && v == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("missing unit (one of ms, s, m, h, d or their names, e.g. '10 seconds')")
	}
	per, ok := unitMillis[unit]
	if !ok {
		return 0, fmt.Errorf("unknown unit '%s' (one of ms, s, m, h, d or their names, e.g. '10 seconds')", unit)
	}
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64/per {
			return 0, fmt.Errorf("number %s is out of range", num)
		}
		return n * per, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %s", num)
	}
	ms := f * float64(per)
	if ms > math.MaxInt64/2 {
		return 0, fmt.Errorf("number %s is out of range", num)
	}
	if ms != math.Trunc(ms) {
		return 0, fmt.Errorf("durations are whole milliseconds")
	}
	return int64(ms), nil
}

// FormatDuration writes ms in the largest unit that divides it exactly
// ("90s", "5m", "250ms"), for EXPLAIN and messages.
func FormatDuration(ms int64) string {
	if ms == 0 {
		return "0s"
	}
	for _, u := range []struct {
		n string
		v int64
	}{{"d", 86_400_000}, {"h", 3_600_000}, {"m", 60_000}, {"s", 1000}} {
		if ms%u.v == 0 {
			return strconv.FormatInt(ms/u.v, 10) + u.n
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}
