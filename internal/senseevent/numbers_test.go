package senseevent

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestAtofMatchesStrconv: the fast path returns exactly what strconv does.
func TestAtofMatchesStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []string{"0", "0.0", "812.4", "797.1", "0.6", "91234.0", "-0.25", "+3", "1.", ".5", "123456789012345",
		"0.1", "0.3", "4180.2", "999999999999999.9", "1,5", "1e3", "NaN", "Inf", "-", ".", "", "1.2.3", "12a"}
	for i := 0; i < 20000; i++ {
		prec := r.IntN(4)
		cases = append(cases, strconv.FormatFloat(r.Float64()*math.Pow(10, float64(r.IntN(8))), 'f', prec, 64))
	}
	for _, c := range cases {
		got, ok := atof(c)
		want, err := strconv.ParseFloat(c, 64)
		wantOK := err == nil && !math.IsNaN(want) && !math.IsInf(want, 0)
		if c == "1,5" {
			want, wantOK = 1.5, true
		}
		if ok != wantOK || (ok && got != want) {
			t.Errorf("atof(%q) = %v, %v; strconv says %v, %v", c, got, ok, want, wantOK)
		}
	}
}

func TestAtoi(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{{"0", 0, true}, {"9999", 9999, true}, {"-1", -1, true}, {"+7", 7, true}, {"", 0, false}, {"-", 0, false},
		{"1.5", 0, false}, {"12a", 0, false}, {"999999999999999999", 999999999999999999, true}, {"9999999999999999999", 0, false}} {
		got, ok := atoi(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("atoi(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
