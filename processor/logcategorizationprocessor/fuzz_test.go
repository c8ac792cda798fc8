package logcategorizationprocessor

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// Naive reference implementations: what the automata and the engine must
// agree with.

// runeBounds lists the byte offsets of s where a rune starts, and len(s).
func runeBounds(s string) []int {
	var b []int
	for i := range s {
		b = append(b, i)
	}
	return append(b, len(s))
}

func naiveMatch(typ, text, p string, fold bool) bool {
	if typ == filterRegex {
		if fold {
			p = "(?i)" + p
		}
		return regexp.MustCompile(p).MatchString(text)
	}
	if !fold {
		switch typ {
		case filterStartsWith:
			return strings.HasPrefix(text, p)
		case filterEndsWith:
			return strings.HasSuffix(text, p)
		}
		return strings.Contains(text, p)
	}
	bounds := runeBounds(text)
	for _, i := range bounds {
		switch typ {
		case filterStartsWith:
			if strings.EqualFold(text[:i], p) {
				return true
			}
		case filterEndsWith:
			if strings.EqualFold(text[i:], p) {
				return true
			}
		default:
			for _, j := range bounds {
				if j-i > 4*len(p) { // more runes than p has
					break
				}
				if j >= i && strings.EqualFold(text[i:j], p) {
					return true
				}
			}
		}
	}
	return false
}

// naiveOutcome applies cfg to one record the slow, obvious way, in the
// format of outcome().
func naiveOutcome(cfg *Config, severity, body string, attrs map[string]string) string {
	lvl := strings.ToLower(severity)
	switch lvl {
	case "":
		lvl = "none"
	case "warning":
		lvl = "warn"
	case "finest":
		lvl = "verbose"
	case "fatal", "error", "warn", "info", "debug", "verbose", "trace", "silly":
	default:
		lvl = "other"
	}
	applies := func(levels []string) bool {
		for _, l := range levels {
			l = strings.ToLower(strings.TrimSpace(l))
			if l == lvl || l == "any" || l == "*" {
				return true
			}
		}
		return false
	}
	matches := func(r RuleConfig) bool {
		for _, f := range r.Filter {
			fold := cfg.CaseInsensitive
			if r.CaseInsensitive != nil {
				fold = *r.CaseInsensitive
			}
			if f.CaseInsensitive != nil {
				fold = *f.CaseInsensitive
			}
			text := body
			if f.Attribute != "" {
				v, ok := attrs[f.Attribute]
				if !ok {
					continue
				}
				text = v
			}
			if naiveMatch(strings.ToLower(f.Type), text, f.Value, fold) {
				return true
			}
		}
		return false
	}
	for i, r := range cfg.Rules {
		if strings.EqualFold(r.Action, "drop") && applies(r.LogLevel) && matches(r) {
			name := r.Description
			if name == "" {
				name = fmt.Sprintf("rules[%d]", i)
			}
			return "dropped by " + name
		}
	}
	var cats []CategoryConfig
	for _, r := range cfg.Rules {
		if !strings.EqualFold(r.Action, "drop") && applies(r.LogLevel) && matches(r) {
			cats = append(cats, r.Category...)
		}
	}
	if len(cats) == 0 && cfg.RuleDefault.Enable && lvl != "none" {
		cats = cfg.RuleDefault.Category
	}
	var names []string
	values := map[string][]string{}
	for _, c := range cats {
		if !slices.Contains(names, c.Name) {
			names = append(names, c.Name)
		}
		if !slices.Contains(values[c.Name], c.Value) {
			values[c.Name] = append(values[c.Name], c.Value)
		}
	}
	var parts []string
	for _, n := range names {
		parts = append(parts, n+"="+strings.Join(values[n], ","))
	}
	return strings.Join(parts, " ")
}

var fuzzTypes = []string{filterStartsWith, filterEndsWith, filterContains, filterRegex}

// fuzzConfig builds four rules from four patterns; the bits of kinds pick
// each filter's type, the bits of flags case options, levels, actions and
// targets.
func fuzzConfig(p [4]string, kinds, flags uint16) *Config {
	yes, no := true, false
	levelSets := [][]string{{"warn"}, {"ERROR", "fatal"}, {"any"}, {"none", "Warn"}}
	cfg := &Config{
		CaseInsensitive: flags&1 != 0,
		RuleDefault:     DefaultConfig{Enable: flags&2 != 0, Category: []CategoryConfig{{Name: "c", Value: "default"}}},
	}
	for i := range 4 {
		r := RuleConfig{
			Description: fmt.Sprintf("r%d", i),
			LogLevel:    levelSets[(int(flags)>>(2+i))&3],
			Action:      "categorise",
			Category:    []CategoryConfig{{Name: "c", Value: fmt.Sprintf("v%d", i%3)}},
		}
		if i == 2 {
			r.Category = append(r.Category, CategoryConfig{Name: "d", Value: "x"})
		}
		if i == 3 && flags&(1<<6) != 0 {
			r.Action = "drop"
		}
		switch (flags >> 7) & 3 {
		case 1:
			r.CaseInsensitive = &yes
		case 2:
			r.CaseInsensitive = &no
		}
		// two filters per rule: its own pattern and the next rule's
		for j, pi := range []int{i, (i + 1) % 4} {
			f := FilterConfig{Type: fuzzTypes[(kinds>>(2*pi))&3], Value: p[pi]}
			if f.Type == filterRegex {
				if _, err := regexp.Compile(f.Value); err != nil {
					f.Value = regexp.QuoteMeta(f.Value)
				}
				if !utf8.ValidString(f.Value) { // not an expression at all
					f.Type = filterContains
				}
			}
			if j == 1 && flags&(1<<(9+i)) != 0 {
				f.Attribute = "attr"
			}
			if j == 0 && flags&(1<<13) != 0 {
				f.CaseInsensitive = &yes
			}
			r.Filter = append(r.Filter, f)
		}
		cfg.Rules = append(cfg.Rules, r)
	}
	return cfg
}

// FuzzRules checks the engine against naiveOutcome and that it never
// panics.
func FuzzRules(f *testing.F) {
	f.Add("Access was denied for User: 'CORP\\guest1'", "Access was denied", "guest1'", "denied for", `User: '\w+`, "System.Proxy", uint16(0x00e4), uint16(0), uint8(0))
	f.Add("KELVIN \u212Aelvin ſtraße ÉTÉ", "kelvin", "STRASSE", "été", "(?i)été", "été", uint16(0x1b1b), uint16(0x3fff), uint8(1))
	f.Add("aaa", "a", "aa", "aaa", "a+", "", uint16(0xffff), uint16(0x0202), uint8(2))
	f.Add("", "", "x", "", "", "", uint16(0), uint16(0x2000), uint8(3))
	f.Add("bad \xff utf8 \xfe", "\xff", "\xfe", " utf8", "utf8", "\xff", uint16(0x5555), uint16(0x1c), uint8(4))
	levels := []string{"WARN", "error", "FATAL", "", "NOTICE", "Warn", "WARNING", "FINEST"}
	f.Fuzz(func(t *testing.T, body, p0, p1, p2, p3, attr string, kinds, flags uint16, level uint8) {
		if len(body)+len(attr) > 1024 || len(p0+p1+p2+p3) > 256 {
			t.Skip() // keep the naive reference quick
		}
		cfg := fuzzConfig([4]string{p0, p1, p2, p3}, kinds, flags)
		folds := cfg.CaseInsensitive || flags&(1<<13) != 0 || (flags>>7)&3 == 1
		if folds && !(utf8.ValidString(body) && utf8.ValidString(attr) &&
			utf8.ValidString(p0) && utf8.ValidString(p1) && utf8.ValidString(p2) && utf8.ValidString(p3)) {
			// Folding reads invalid bytes as themselves, strings.EqualFold
			// as U+FFFD: they differ on purpose.
			t.Skip()
		}
		e, err := compile(cfg)
		require.NoError(t, err)
		sev := levels[int(level)%len(levels)]
		attrs := map[string]string{"attr": attr}
		lr := newRecord(sev, body, "attr", attr)
		if flags&(1<<14) != 0 { // no attribute
			attrs = nil
			lr.Attributes().Clear()
		}
		want := naiveOutcome(cfg, sev, body, attrs)
		require.Equal(t, want, outcome(t, e, lr), "config %+v", cfg)
	})
}

// FuzzGroup checks a group's matching (automata or plain search, exact
// checks of case-sensitive patterns in a folding automaton, the Unicode
// fallback) against the strings functions.
func FuzzGroup(f *testing.F) {
	f.Add("ushers", "he", "she", "his", "hers", uint8(0xaa), uint8(0))
	f.Add("abcx", "abcd", "bc", "bcx", "c", uint8(0xff), uint8(0x5))
	f.Add("ACCESS denied", "access", "DENIED", "ss d", "Access", uint8(0x60), uint8(0x3))
	f.Add("\u212Aelvin ſtraße", "kelvin", "K", "\u212A", "STRASSE", uint8(0x9c), uint8(0xb))
	f.Fuzz(func(t *testing.T, text, p0, p1, p2, p3 string, kinds, folds uint8) {
		// Each pattern on its own: "\xc5" is invalid alone but valid joined to
		// a "\xbf", and a config cannot hold it (see FuzzRules).
		if folds&0xf != 0 && !(utf8.ValidString(text) && utf8.ValidString(p0) && utf8.ValidString(p1) &&
			utf8.ValidString(p2) && utf8.ValidString(p3)) {
			t.Skip()
		}
		if len(text) > 1024 || len(p0+p1+p2+p3) > 256 {
			t.Skip() // keep the naive reference quick
		}
		types := []string{filterStartsWith, filterEndsWith, filterContains, filterContains}
		c := &compiler{groups: map[string]*groupBuild{}}
		pats := []string{p0, p1, p2, p3}
		for i, p := range pats {
			c.addPattern("", types[(kinds>>(2*i))&3], p, folds&(1<<i) != 0, int32(i))
		}
		for _, maxSearch := range []int{0, maxSearchPatterns} {
			g := c.order[0].build(maxSearch)
			marks := make([]uint64, 1)
			var buf []byte
			g.match(text, marks, &buf)
			for i, p := range pats {
				typ := types[(kinds>>(2*i))&3]
				want := naiveMatch(typ, text, p, folds&(1<<i) != 0)
				require.Equal(t, want, hasMark(marks, int32(i)), "%s %q (fold %v) in %q", typ, p, folds&(1<<i) != 0, text)
			}
		}
	})
}
