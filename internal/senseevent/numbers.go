package senseevent

import (
	"math"
	"strconv"
	"strings"
)

// pow10 holds the powers of ten that are exact in a float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// atoi reads an optionally signed decimal integer without allocating. It
// is small enough to be inlined.
func atoi(s string) (int64, bool) {
	sign := int64(1)
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		sign = ',' - int64(s[0]) // 1 for '+', -1 for '-'
		s = s[1:]
	}
	if uint(len(s)-1) >= 18 { // 18 digits cannot overflow int64
		return 0, false
	}
	var v int64
	for _, d := range []byte(s) {
		if d -= '0'; d > 9 {
			return 0, false
		}
		v = v*10 + int64(d)
	}
	return v * sign, true
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

// shortFloat reads a number of n bytes at the top of w, up to eight digits
// with at most one '.', as atof would; ok is false for anything else, which
// atof must read. It goes without a loop, which would mispredict where the
// digits end on most numbers, and the result is atof's: the same mantissa
// over the same power of ten, or ten times both.
func shortFloat(w uint64, n int) (v float64, ok bool) {
	if uint(n-1) >= 8 {
		return 0, false
	}
	w = keepTop(w, n) // the bytes before the number made '0'
	dot := zeroBytes(w ^ '.'*ones)
	// A sign or another byte, a second '.', or a '.' alone: none of them
	// is read here. (Zeros and a '.', "0.", look alike and are left to
	// atof too.)
	if notDigit(w)&^dot|dot&(dot-1) != 0 || w == lonePoint {
		return 0, false
	}
	// Move the digits after the '.' down over it and append a '0' (a
	// digit, which the OR leaves alone, if there is no '.'): the mantissa
	// gains a factor ten, and so does the divisor below.
	below := dot>>7 - 1 // all of w without a '.'
	w = w&below | w>>8&^below | '0'<<56
	// The bytes from the '.' up, 8-p for a '.' at byte p: the product puts
	// byte 7-p of the constant in the top byte, and is 0 without a '.'.
	frac := dot >> 7 * 0x0807060504030201 >> 56
	return float64(eightDigits(w)) / pow10[frac&15], true // (&15: no bounds check)
}

// lonePoint is shortFloat's w for ".".
const lonePoint = '0'*ones&^(0xff<<56) | '.'<<56

// keepTop keeps the top n bytes of w, 1 <= n <= 8, and makes the others '0'.
func keepTop(w uint64, n int) uint64 {
	fill := allBytes >> 8 >> (8 * (n - 1) & 63)
	return w&^fill | '0'*ones&fill
}

// eightDigits reads the eight ASCII digits of w, the first in the low byte
// (Lemire's SWAR conversion: pairs, then fours, then all eight).
func eightDigits(w uint64) uint64 {
	w -= '0' * ones
	w = w*10 + w>>8
	return (w&0x000000ff000000ff*(100+1000000<<32) + w>>16&0x000000ff000000ff*(1+10000<<32)) >> 32
}
