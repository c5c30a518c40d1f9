package expr

import (
	"math"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Text forms of values, matching DuckDB's CAST(... AS VARCHAR), and the
// string parsers of CAST(VARCHAR AS ...). All append into caller scratch.

// bstr views b as a string without copying; the string must not outlive
// the call it is passed to.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// appendDouble writes f the way DuckDB prints a DOUBLE: the shortest
// round-trip digits, positional with at least one decimal for exponents in
// [-4, 16), scientific (e+XX) otherwise; nan, inf, -inf.
func appendDouble(dst []byte, f float64) []byte {
	switch {
	case f != f:
		if math.Signbit(f) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	// e is [-]d[.ddd]e±XX
	mant := e
	exp := 0
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] == 'e' {
			mant = e[:i]
			x, _ := strconv.Atoi(bstr(e[i+1:]))
			exp = x
			break
		}
	}
	if exp >= -4 && exp < 16 {
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		for _, c := range dst[start:] {
			if c == '.' {
				return dst
			}
		}
		return append(dst, ".0"...)
	}
	dst = append(dst, mant...)
	dst = append(dst, 'e')
	if exp < 0 {
		dst = append(dst, '-')
		exp = -exp
	} else {
		dst = append(dst, '+')
	}
	if exp < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(exp), 10)
}

// appendDecimal writes v scaled by 10^scale with exactly scale decimals.
func appendDecimal(dst []byte, v decimal128.Num, scale int32) []byte {
	neg := v.Sign() < 0
	if neg {
		v = v.Negate()
		dst = append(dst, '-')
	}
	var tmp [48]byte
	var digits []byte
	if v.HighBits() == 0 {
		digits = strconv.AppendUint(tmp[:0], v.LowBits(), 10)
	} else {
		digits = v.BigInt().Append(tmp[:0], 10)
	}
	if scale <= 0 {
		return append(dst, digits...)
	}
	s := int(scale)
	if len(digits) <= s {
		dst = append(dst, '0', '.')
		for i := len(digits); i < s; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-s]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-s:]...)
}

// Civil calendar conversions (proleptic Gregorian, days since 1970-01-01),
// after Howard Hinnant's algorithms; no time.Time per row.

func civilFromDays(z int64) (y int64, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return
}

func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mm := int64(m)
	var mp int64
	if mm > 2 {
		mp = mm - 3
	} else {
		mp = mm + 9
	}
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int64, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

const msPerDay = 86400000

func floorDivMod(a, b int64) (int64, int64) {
	q, r := a/b, a%b
	if r < 0 {
		q--
		r += b
	}
	return q, r
}

// tsParts splits epoch milliseconds into calendar fields.
type tsParts struct {
	year                 int64
	month, day           int
	hour, minute, second int
	ms                   int
	days                 int64 // days since epoch
}

// dayCache remembers the calendar date of the last day converted: rows of
// a batch mostly share a day, and the date is the costly part.
type dayCache struct {
	days  int64
	y     int64
	m, d  int
	valid bool
}

func (c *dayCache) civil(days int64) (int64, int, int) {
	if !c.valid || c.days != days {
		c.y, c.m, c.d = civilFromDays(days)
		c.days, c.valid = days, true
	}
	return c.y, c.m, c.d
}

func splitTS(ms int64, c *dayCache) tsParts {
	days, rem := floorDivMod(ms, msPerDay)
	y, m, d := c.civil(days)
	r := int(rem)
	return tsParts{year: y, month: m, day: d, hour: r / 3600000, minute: r / 60000 % 60,
		second: r / 1000 % 60, ms: r % 1000, days: days}
}

func append2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }

func appendPad(dst []byte, v int64, width int) []byte {
	if width == 4 && v >= 0 && v <= 9999 {
		x := int(v)
		return append(dst, byte('0'+x/1000), byte('0'+x/100%10), byte('0'+x/10%10), byte('0'+x%10))
	}
	var tmp [24]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendTimestamp writes DuckDB's TIMESTAMP text: YYYY-MM-DD HH:MM:SS and
// the milliseconds with trailing zeros dropped when not zero.
func appendTimestamp(dst []byte, ms int64, c *dayCache) []byte {
	p := splitTS(ms, c)
	y := p.year
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	dst = appendPad(dst, y, 4)
	dst = append(dst, '-')
	dst = append2(dst, p.month)
	dst = append(dst, '-')
	dst = append2(dst, p.day)
	if bc {
		dst = append(dst, " (BC)"...)
	}
	dst = append(dst, ' ')
	dst = append2(dst, p.hour)
	dst = append(dst, ':')
	dst = append2(dst, p.minute)
	dst = append(dst, ':')
	dst = append2(dst, p.second)
	if p.ms != 0 {
		dst = append(dst, '.', byte('0'+p.ms/100))
		if p.ms%100 != 0 {
			dst = append(dst, byte('0'+p.ms/10%10))
			if p.ms%10 != 0 {
				dst = append(dst, byte('0'+p.ms%10))
			}
		}
	}
	return dst
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func trimSpace(s []byte) []byte {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// digits reads 1..max decimal digits.
func digits(s []byte, i, max int) (v, j int, ok bool) {
	j = i
	for j < len(s) && j-i < max && s[j] >= '0' && s[j] <= '9' {
		v = v*10 + int(s[j]-'0')
		j++
	}
	return v, j, j > i
}

// parseTimestamp accepts what DuckDB's TIMESTAMP cast accepts in practice:
// YYYY-MM-DD, optionally followed by T or space and H:MM[:SS[.fraction]],
// then an optional zone (Z, ±HH[:MM], UTC) that is read and ignored, as
// DuckDB does for TIMESTAMP. Digits below the millisecond are dropped, so
// hour(), minute() and date_format agree with DuckDB's microsecond
// TIMESTAMP of the same text.
func parseTimestamp(s []byte) (int64, bool) {
	s = trimSpace(s)
	year, i, ok := digits(s, 0, 9)
	if !ok || i < 4 || i >= len(s) || s[i] != '-' {
		return 0, false
	}
	month, i, ok := digits(s, i+1, 2)
	if !ok || i >= len(s) || s[i] != '-' {
		return 0, false
	}
	day, i, ok := digits(s, i+1, 2)
	if !ok || month < 1 || month > 12 || day < 1 || day > daysIn(int64(year), month) {
		return 0, false
	}
	var hour, minute, sec, micros int
	if i < len(s) {
		if s[i] != 'T' && s[i] != ' ' {
			return 0, false
		}
		i++
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if hour, i, ok = digits(s, i, 2); !ok || i >= len(s) || s[i] != ':' {
			return 0, false
		}
		if minute, i, ok = digits(s, i+1, 2); !ok {
			return 0, false
		}
		if i < len(s) && s[i] == ':' {
			if sec, i, ok = digits(s, i+1, 2); !ok {
				return 0, false
			}
			if i < len(s) && s[i] == '.' {
				i++
				scale := 100000
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					micros += int(s[i]-'0') * scale
					scale /= 10
					i++
				}
			}
		}
		if i = skipZone(s, i); i < 0 {
			return 0, false
		}
		if minute > 59 || sec > 59 || hour > 24 || (hour == 24 && (minute|sec|micros) != 0) {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	days := daysFromCivil(int64(year), month, day)
	ms := micros / 1000
	return days*msPerDay + int64(hour)*3600000 + int64(minute)*60000 + int64(sec)*1000 + int64(ms), true
}

func skipZone(s []byte, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i == len(s) {
		return i
	}
	switch c := s[i]; {
	case c == 'Z' || c == 'z':
		return i + 1
	case c == '+' || c == '-':
		_, j, ok := digits(s, i+1, 2)
		if !ok {
			return -1
		}
		if j < len(s) && s[j] == ':' {
			if _, j, ok = digits(s, j+1, 2); !ok {
				return -1
			}
		} else if _, k, ok := digits(s, j, 2); ok {
			j = k
		}
		return j
	case len(s)-i == 3 && (string(s[i:]) == "UTC" || string(s[i:]) == "GMT"):
		return len(s)
	}
	return -1
}

// parseNumber reads [sign] digits [. digits] [e [sign] digits] (with _
// between digits) as mantissa × 10^exp.
func parseNumber(s []byte) (m decimal128.Num, exp int32, ok bool) {
	s = trimSpace(s)
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	i, nd, sig := 0, 0, 0
	ten := decimal128.FromU64(10)
	addDigit := func(c byte) {
		if sig >= 38 {
			exp++ // beyond 38 significant digits the rest only scale
			return
		}
		m = m.Mul(ten).Add(decimal128.FromU64(uint64(c - '0')))
		if m.Sign() != 0 {
			sig++
		}
	}
	prevDigit := false
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			addDigit(c)
			nd++
			prevDigit = true
		} else if c == '_' && prevDigit && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			continue
		} else {
			break
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if sig < 38 {
				addDigit(s[i])
				exp--
			}
			nd++
		}
	}
	if nd == 0 {
		return m, 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		e, j, ok := digits(s, i, 5)
		if !ok {
			return m, 0, false
		}
		i = j
		if eneg {
			e = -e
		}
		exp += int32(e)
	}
	if i != len(s) {
		return m, 0, false
	}
	if neg {
		m = m.Negate()
	}
	return m, exp, true
}

// scaleNumber returns m × 10^e rounded half away from zero to an integer,
// or false if it needs more than 38 digits.
func scaleNumber(m decimal128.Num, e int32) (decimal128.Num, bool) {
	switch {
	case e > 0:
		if e > 38 {
			return m, m.Sign() == 0
		}
		return decMulExact(m, decimal128.GetScaleMultiplier(int(e)))
	case e < 0:
		if e < -38 {
			return decimal128.Num{}, true
		}
		return decDivRound(m, -e), true
	}
	return m, true
}

// parseInt parses a string for CAST(... AS BIGINT/INT) like DuckDB:
// surrounding spaces, a sign, 0x / 0b prefixes, _ separators, and a
// fraction or exponent that is rounded half away from zero.
func parseInt(s []byte) (int64, bool) {
	t := trimSpace(s)
	neg := false
	u := t
	if len(u) > 0 && (u[0] == '+' || u[0] == '-') {
		neg = u[0] == '-'
		u = u[1:]
	}
	if len(u) > 2 && u[0] == '0' && (u[1] == 'x' || u[1] == 'X' || u[1] == 'b' || u[1] == 'B') {
		base := uint64(16)
		if u[1] == 'b' || u[1] == 'B' {
			base = 2
		}
		var v uint64
		for _, c := range u[2:] {
			var d uint64
			switch {
			case c >= '0' && c <= '9':
				d = uint64(c - '0')
			case c >= 'a' && c <= 'f':
				d = uint64(c-'a') + 10
			case c >= 'A' && c <= 'F':
				d = uint64(c-'A') + 10
			case c == '_':
				continue
			default:
				return 0, false
			}
			if d >= base || v > (math.MaxUint64-d)/base {
				return 0, false
			}
			v = v*base + d
		}
		if neg {
			if v > 1<<63 {
				return 0, false
			}
			return -int64(v), true
		}
		if v > math.MaxInt64 {
			return 0, false
		}
		return int64(v), true
	}
	m, e, ok := parseNumber(t)
	if !ok {
		return 0, false
	}
	r, ok := scaleNumber(m, e)
	if !ok || !fitsInt64(r) {
		return 0, false
	}
	return int64(r.LowBits()), true
}

// parseDouble accepts what DuckDB's DOUBLE cast accepts: spaces around,
// _ between digits, inf/infinity/nan with a sign; no hex.
func parseDouble(s []byte, scratch *[]byte) (float64, bool) {
	t := trimSpace(s)
	if len(t) == 0 {
		return 0, false
	}
	clean := t
	for _, c := range t {
		if c == '_' || c == 'x' || c == 'X' || c == 'p' || c == 'P' {
			if c != '_' {
				return 0, false
			}
			// Drop separators that sit between digits.
			buf := (*scratch)[:0]
			for j, d := range t {
				if d == '_' {
					if j == 0 || j == len(t)-1 || t[j-1] < '0' || t[j-1] > '9' || t[j+1] < '0' || t[j+1] > '9' {
						return 0, false
					}
					continue
				}
				buf = append(buf, d)
			}
			*scratch = buf
			clean = buf
			break
		}
	}
	str := bstr(clean)
	f, err := strconv.ParseFloat(str, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		if len(clean) == 4 && (clean[0] == '-' || clean[0] == '+') && (str[1:] == "nan" || str[1:] == "NaN" || str[1:] == "NAN") {
			sign := 1.0
			if clean[0] == '-' {
				sign = -1
			}
			return math.Copysign(math.NaN(), sign), true
		}
		return 0, false
	}
	return f, true
}

// parseBool accepts true/t/yes/1 and false/f/no/0, any case, no spaces.
func parseBool(s []byte) (bool, bool) {
	switch len(s) {
	case 1:
		switch s[0] {
		case 't', 'T', '1':
			return true, true
		case 'f', 'F', '0':
			return false, true
		}
	case 2:
		if s[0]|0x20 == 'n' && s[1]|0x20 == 'o' {
			return false, true
		}
	case 3:
		if s[0]|0x20 == 'y' && s[1]|0x20 == 'e' && s[2]|0x20 == 's' {
			return true, true
		}
	case 4:
		if s[0]|0x20 == 't' && s[1]|0x20 == 'r' && s[2]|0x20 == 'u' && s[3]|0x20 == 'e' {
			return true, true
		}
	case 5:
		if s[0]|0x20 == 'f' && s[1]|0x20 == 'a' && s[2]|0x20 == 'l' && s[3]|0x20 == 's' && s[4]|0x20 == 'e' {
			return false, true
		}
	}
	return false, false
}
