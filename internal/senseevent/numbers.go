package senseevent

import (
	"math"
	"strconv"
	"strings"
)

// pow10 holds the powers of ten that are exact in a float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// atoi reads an optionally signed decimal integer without allocating.
func atoi(s string) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 18 { // 18 digits cannot overflow int64
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// atof reads a plain decimal such as "812.4" or "-0.25" exactly as strconv
// would, without its overhead: a mantissa below 2^53 divided by an exact
// power of ten is correctly rounded (Clinger's fast path). Anything else
// (exponents, long mantissas, a comma separator) goes to strconv.
func atof(s string) (float64, bool) {
	t := s
	neg := false
	if len(t) > 0 && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	var mant uint64
	digits, frac, dot := 0, 0, false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return atofSlow(s)
		}
	}
	if digits == 0 || digits > 15 {
		return atofSlow(s)
	}
	v := float64(mant) / pow10[frac]
	if neg {
		v = -v
	}
	return v, true
}

func atofSlow(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	v, err := strconv.ParseFloat(t, 64)
	if err != nil && strings.IndexByte(t, ',') >= 0 && strings.IndexByte(t, '.') < 0 {
		// A comma decimal separator, as servers with some regional settings write.
		v, err = strconv.ParseFloat(strings.Replace(t, ",", ".", 1), 64)
	}
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || t == "" || t[0] == 'i' || t[0] == 'I' || t[0] == 'n' || t[0] == 'N' {
		return 0, false
	}
	return v, true
}
