package jsonfmt

// Timestamps are parsed and printed by hand: time.Parse is several times
// slower, allocates on error and knows nothing of the space-separated SQL
// form. Calendar math is Howard Hinnant's days_from_civil / civil_from_days
// (proleptic Gregorian, no leap seconds, like Arrow and DuckDB).

const msPerDay = 86_400_000

// daysFromCivil returns the days since 1970-01-01 of y-m-d.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := m + 9
	if m > 2 {
		mp = m - 3
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// d2 reads the two digits at s[i:i+2]; the caller checked the length.
func d2(s []byte, i int) (int64, bool) {
	a, b := s[i]-'0', s[i+1]-'0'
	return int64(a)*10 + int64(b), a <= 9 && b <= 9
}

func digits(s []byte, i, n int) (int64, bool) {
	if i+n > len(s) {
		return 0, false
	}
	var v int64
	for _, c := range s[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// parseTimestamp reads "YYYY-MM-DD[T| ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]"
// (RFC 3339, its lower-case and space-separated variants, and the SQL form
// without an offset, read as UTC) and returns epoch milliseconds. Digits
// beyond milliseconds are truncated.
// The timestamps the decoder accepts: 0000-01-01T00:00:00.000Z to
// 9999-12-31T23:59:59.999Z, what RFC 3339 can write. DuckDB's TIMESTAMP
// (microseconds) holds them all, and so does every window computation
// in exec without overflowing int64.
const (
	MinTimestampMs = -62167219200000
	MaxTimestampMs = 253402300799999
)

func parseTimestamp(s []byte) (int64, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return 0, false
	}
	y1, ok1 := d2(s, 0)
	y2, ok2 := d2(s, 2)
	mo, ok3 := d2(s, 5)
	d, ok4 := d2(s, 8)
	h, ok5 := d2(s, 11)
	mi, ok6 := d2(s, 14)
	sec, ok7 := d2(s, 17)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return 0, false
	}
	y := y1*100 + y2
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	i := 19
	var ms int64
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if i-start < 3 {
				ms = ms*10 + int64(s[i]-'0')
			}
			i++
		}
		n := i - start
		if n == 0 {
			return 0, false
		}
		for ; n < 3; n++ {
			ms *= 10
		}
	}
	var off int64 // minutes east of UTC
	if i < len(s) {
		switch s[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			oh, ok := digits(s, i+1, 2)
			if !ok {
				return 0, false
			}
			j := i + 3
			if j < len(s) && s[j] == ':' {
				j++
			}
			om, ok := digits(s, j, 2)
			if !ok || oh > 23 || om > 59 {
				return 0, false
			}
			off = oh*60 + om
			if s[i] == '-' {
				off = -off
			}
			i = j + 2
		default:
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	days := daysFromCivil(y, mo, d)
	return days*msPerDay + ((h*60+mi-off)*60+sec)*1000 + ms, true
}

// appendTimestamp appends ms as "2015-07-15T00:00:00.000Z".
func appendTimestamp(dst []byte, ms int64) []byte {
	days := ms / msPerDay
	rem := ms % msPerDay
	if rem < 0 {
		rem += msPerDay
		days--
	}
	y, m, d := civilFromDays(days)
	if y < 0 || y > 9999 {
		// Outside RFC 3339; keep the value readable rather than wrong.
		if y < 0 {
			dst = append(dst, '-')
			y = -y
		}
		dst = appendPadded(dst, y, 4)
	} else {
		dst = appendPadded(dst, y, 4)
	}
	dst = append(dst, '-')
	dst = appendPadded(dst, m, 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, d, 2)
	dst = append(dst, 'T')
	dst = appendPadded(dst, rem/3_600_000, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, rem/60_000%60, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, rem/1000%60, 2)
	dst = append(dst, '.')
	dst = appendPadded(dst, rem%1000, 3)
	return append(dst, 'Z')
}

func appendPadded(dst []byte, v int64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v >= 10 || width > 1 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	i--
	buf[i] = byte('0' + v)
	return append(dst, buf[i:]...)
}
