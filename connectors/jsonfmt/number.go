package jsonfmt

import (
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Numbers are converted from their text, digit by digit, so integers and
// decimals are exact (1e3 is the BIGINT 1000, 0.1 is the DECIMAL 0.1)
// rather than going through float64.

type numErr uint8

const (
	numOK numErr = iota
	numNotInteger
	numOutOfRange
)

// eachDigit calls fn with each digit of n and its power of ten, integer
// digits first, then fraction digits, until fn returns false.
func eachDigit(b []byte, n *numInfo, fn func(d byte, pow int) bool) {
	intLen := n.intEnd - n.intStart
	for k := n.intStart; k < n.intEnd; k++ {
		if !fn(b[k]-'0', intLen-1-(k-n.intStart)+n.exp) {
			return
		}
	}
	for k := n.fracStart; k < n.fracEnd; k++ {
		if !fn(b[k]-'0', -(k-n.fracStart)-1+n.exp) {
			return
		}
	}
}

// toInt64 converts n exactly; a value with a non-zero fraction is
// numNotInteger, one beyond [lo, hi] numOutOfRange.
func toInt64(b []byte, n *numInfo, lo, hi int64) (int64, numErr) {
	if n.plainInt() && n.intEnd-n.intStart <= 18 {
		var v int64
		for _, c := range b[n.intStart:n.intEnd] {
			v = v*10 + int64(c-'0')
		}
		if n.neg {
			v = -v
		}
		if v < lo || v > hi {
			return 0, numOutOfRange
		}
		return v, numOK
	}
	// General form: accumulate the digits at powers >= 0, then scale by
	// the lowest such power.
	var acc uint64
	var last = math.MinInt // power of the last accumulated digit
	res := numOK
	eachDigit(b, n, func(d byte, pow int) bool {
		if pow < 0 {
			if d != 0 {
				res = numNotInteger
				return false
			}
			return true
		}
		if acc != 0 || d != 0 {
			if last != math.MinInt {
				var ok bool
				if acc, ok = mulPow10(acc, last-pow); !ok {
					res = numOutOfRange
					return false
				}
			}
			var c uint64
			acc, c = bits.Add64(acc, uint64(d), 0)
			if c != 0 {
				res = numOutOfRange
				return false
			}
			last = pow
		}
		return true
	})
	if res == numOutOfRange {
		return 0, res
	}
	if acc != 0 && last > 0 {
		var ok bool
		if acc, ok = mulPow10(acc, last); !ok {
			return 0, numOutOfRange
		}
	}
	if res != numOK {
		return 0, res
	}
	if n.neg {
		if acc > uint64(-(lo+1))+1 {
			return 0, numOutOfRange
		}
		return int64(-acc), numOK
	}
	if acc > uint64(hi) {
		return 0, numOutOfRange
	}
	return int64(acc), numOK
}

func mulPow10(v uint64, e int) (uint64, bool) {
	for ; e > 0; e-- {
		hi, lo := bits.Mul64(v, 10)
		if hi != 0 {
			return 0, false
		}
		v = lo
	}
	return v, true
}

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

func (u u128) mul10() (u128, bool) {
	h1, l := bits.Mul64(u.lo, 10)
	h2, h := bits.Mul64(u.hi, 10)
	if h2 != 0 {
		return u, false
	}
	h, c := bits.Add64(h, h1, 0)
	if c != 0 {
		return u, false
	}
	return u128{h, l}, true
}

func (u u128) add(d uint64) (u128, bool) {
	l, c := bits.Add64(u.lo, d, 0)
	h, c2 := bits.Add64(u.hi, 0, c)
	return u128{h, l}, c2 == 0
}

func (u u128) less(v u128) bool { return u.hi < v.hi || (u.hi == v.hi && u.lo < v.lo) }

func (u u128) isZero() bool { return u.hi == 0 && u.lo == 0 }

// divmod10 divides by 10.
func (u u128) divmod10() (u128, uint64) {
	qh, r := u.hi/10, u.hi%10
	ql, r2 := bits.Div64(r, u.lo, 10)
	return u128{qh, ql}, r2
}

// pow10u128[p] = 10^p for p in [0, 38].
var pow10u128 = func() (t [39]u128) {
	t[0] = u128{0, 1}
	for i := 1; i < len(t); i++ {
		t[i], _ = t[i-1].mul10()
	}
	return t
}()

// toDecimal converts n to the unscaled value of DECIMAL(prec, scale),
// rounding half away from zero beyond the scale (as DuckDB's cast from text
// does) and failing when the result needs more than prec digits.
func toDecimal(b []byte, n *numInfo, prec, scale int32) (decimal128.Num, numErr) {
	var acc u128
	last := math.MinInt
	round := byte(0)
	over := false
	s := int(scale)
	eachDigit(b, n, func(d byte, pow int) bool {
		p := pow + s
		if p == -1 {
			round = d
			return false
		}
		if p < -1 {
			return false
		}
		if acc.isZero() && d == 0 {
			return true
		}
		if last != math.MinInt {
			for k := last - p; k > 0; k-- {
				var ok bool
				if acc, ok = acc.mul10(); !ok {
					over = true
					return false
				}
			}
		}
		var ok bool
		if acc, ok = acc.add(uint64(d)); !ok {
			over = true
			return false
		}
		last = p
		return true
	})
	if over {
		return decimal128.Num{}, numOutOfRange
	}
	if !acc.isZero() && last > 0 {
		if last > 40 {
			return decimal128.Num{}, numOutOfRange
		}
		for k := last; k > 0; k-- {
			var ok bool
			if acc, ok = acc.mul10(); !ok {
				return decimal128.Num{}, numOutOfRange
			}
		}
	}
	if round >= 5 {
		var ok bool
		if acc, ok = acc.add(1); !ok {
			return decimal128.Num{}, numOutOfRange
		}
	}
	if !acc.less(pow10u128[prec]) {
		return decimal128.Num{}, numOutOfRange
	}
	v := decimal128.New(int64(acc.hi), acc.lo)
	if n.neg {
		v = v.Negate()
	}
	return v, numOK
}

// appendDecimal appends the exact text of the unscaled v at scale s.
func appendDecimal(dst []byte, v decimal128.Num, s int32) []byte {
	if v.Sign() < 0 {
		dst = append(dst, '-')
		v = v.Negate()
	}
	u := u128{uint64(v.HighBits()), v.LowBits()}
	var buf [48]byte
	i := len(buf)
	nd := 0
	for !u.isZero() || nd <= int(s) {
		var r uint64
		u, r = u.divmod10()
		i--
		buf[i] = byte('0' + r)
		nd++
		if nd == int(s) {
			i--
			buf[i] = '.'
		}
	}
	return append(dst, buf[i:]...)
}
