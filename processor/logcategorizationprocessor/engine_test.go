package logcategorizationprocessor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// outcome is what the engine does with one record: "dropped by <rule>", or
// its categories as "name=value ..." ("" for none).
func outcome(t testing.TB, e *engine, lr plog.LogRecord) string {
	t.Helper()
	sc := e.newScratch()
	res, dropRule := e.match(lr, sc)
	if dropRule >= 0 {
		return "dropped by " + e.rules[dropRule].name
	}
	if res == nil {
		return ""
	}
	var parts []string
	for _, kv := range res.attrs {
		parts = append(parts, strings.TrimPrefix(kv.key, CategoryAttributePrefix)+"="+kv.value)
	}
	return strings.Join(parts, " ")
}

func mustCompile(t testing.TB, cfg *Config) *engine {
	t.Helper()
	e, err := compile(cfg)
	require.NoError(t, err)
	return e
}

func newRecord(level, body string, attrs ...string) plog.LogRecord {
	lr := plog.NewLogRecord()
	lr.SetSeverityText(level)
	lr.Body().SetStr(body)
	for i := 0; i+1 < len(attrs); i += 2 {
		lr.Attributes().PutStr(attrs[i], attrs[i+1])
	}
	return lr
}

// catRule is a categorise rule giving cat=<value> with the given filters.
func catRule(value string, levels []string, filters ...FilterConfig) RuleConfig {
	return RuleConfig{
		Description: value,
		LogLevel:    levels,
		Action:      "categorise",
		Category:    []CategoryConfig{{Name: "cat", Value: value}},
		Filter:      filters,
	}
}

var warnError = []string{"warn", "error"}

func sw(v string) FilterConfig    { return FilterConfig{Type: "sw", Value: v} }
func ew(v string) FilterConfig    { return FilterConfig{Type: "ew", Value: v} }
func so(v string) FilterConfig    { return FilterConfig{Type: "so", Value: v} }
func regex(v string) FilterConfig { return FilterConfig{Type: "regex", Value: v} }

func TestFilterTypes(t *testing.T) {
	e := mustCompile(t, &Config{Rules: []RuleConfig{
		catRule("starts", warnError, sw("Access was denied")),
		catRule("ends", warnError, ew("FinishedFail")),
		catRule("contains", warnError, so("could not be opened")),
		catRule("regex", warnError, regex(`^Task .* aborted by user$`)),
	}})
	for body, want := range map[string]string{
		"Access was denied for User: 'CORP\\guest1'":             "cat=starts",
		"User: Access was denied":                                "",
		"Task finished with state FinishedFail":                  "cat=ends",
		"FinishedFail is not the end":                            "",
		"Document 5b81 could not be opened: access denied":       "cat=contains",
		"could not be opened":                                    "cat=contains",
		"Task was aborted by user":                               "cat=regex",
		"Task was aborted by user.":                              "",
		"Access was denied and the document could not be opened": "cat=starts,contains",
		"": "",
	} {
		assert.Equal(t, want, outcome(t, e, newRecord("WARN", body)), body)
	}
}

func TestFirstMatchingFilterAddsAllCategories(t *testing.T) {
	r := catRule("x", warnError, so("a"), so("b"), regex("c"))
	r.Category = append(r.Category, CategoryConfig{Name: "team", Value: "apps"})
	e := mustCompile(t, &Config{Rules: []RuleConfig{r}})
	for _, body := range []string{"a", "b", "c", "abc"} {
		assert.Equal(t, "cat=x team=apps", outcome(t, e, newRecord("ERROR", body)), body)
	}
	assert.Equal(t, "", outcome(t, e, newRecord("ERROR", "d")))
}

func TestMatchingIsCaseSensitiveByDefault(t *testing.T) {
	e := mustCompile(t, &Config{Rules: []RuleConfig{
		catRule("sw", warnError, sw("Access")),
		catRule("ew", warnError, ew("Fail")),
		catRule("so", warnError, so("denied")),
		catRule("regex", warnError, regex("Denied")),
	}})
	assert.Equal(t, "", outcome(t, e, newRecord("WARN", "ACCESS DENIED FAIL")))
	assert.Equal(t, "", outcome(t, e, newRecord("WARN", "access was fail")))
	assert.Equal(t, "cat=sw,ew,so", outcome(t, e, newRecord("WARN", "Access denied Fail")))
}

func TestCaseInsensitiveAtEveryLevel(t *testing.T) {
	yes, no := true, false
	bodies := []string{"ACCESS DENIED", "access denied", "Access Denied"}

	// processor-wide
	e := mustCompile(t, &Config{CaseInsensitive: true, Rules: []RuleConfig{
		catRule("sw", warnError, sw("access")),
		catRule("ew", warnError, ew("DENIED")),
		catRule("so", warnError, so("ss de")),
		catRule("regex", warnError, regex("^access denied$")),
	}})
	for _, b := range bodies {
		assert.Equal(t, "cat=sw,ew,so,regex", outcome(t, e, newRecord("WARN", b)), b)
	}

	// a rule turns it off again, and one of its filters back on
	r := catRule("rule", warnError, so("access"), FilterConfig{Type: "ew", Value: "DENIED", CaseInsensitive: &yes})
	r.CaseInsensitive = &no
	e = mustCompile(t, &Config{CaseInsensitive: true, Rules: []RuleConfig{r}})
	assert.Equal(t, "cat=rule", outcome(t, e, newRecord("WARN", "Access denied")), "via the filter's own setting")
	assert.Equal(t, "cat=rule", outcome(t, e, newRecord("WARN", "access ...")), "exact case")
	assert.Equal(t, "", outcome(t, e, newRecord("WARN", "ACCESS granted")))

	// per rule only
	r = catRule("rule", warnError, sw("access"))
	r.CaseInsensitive = &yes
	e = mustCompile(t, &Config{Rules: []RuleConfig{r, catRule("strict", warnError, sw("access"))}})
	assert.Equal(t, "cat=rule", outcome(t, e, newRecord("WARN", "ACCESS")))
	assert.Equal(t, "cat=rule,strict", outcome(t, e, newRecord("WARN", "access")))

	// per filter only, regex too
	e = mustCompile(t, &Config{Rules: []RuleConfig{
		catRule("f", warnError, FilterConfig{Type: "regex", Value: `denied for user \w+`, CaseInsensitive: &yes}),
	}})
	assert.Equal(t, "cat=f", outcome(t, e, newRecord("WARN", "Access DENIED FOR USER bob")))
}

func TestCaseInsensitiveUnicode(t *testing.T) {
	e := mustCompile(t, &Config{CaseInsensitive: true, Rules: []RuleConfig{
		catRule("ete", warnError, so("été")),
		catRule("kelvin", warnError, sw("kelvin")),
		catRule("strasse", warnError, ew("STRASSE")),
		catRule("greek", warnError, regex("σας")),
	}})
	for body, want := range map[string]string{
		"L'ÉTÉ est chaud":            "cat=ete",
		"l'été":                      "cat=ete",
		"l'Été":                      "cat=ete",
		"l'ete":                      "",
		"\u212Aelvin scale":          "cat=kelvin", // KELVIN SIGN
		"KELVIN":                     "cat=kelvin",
		"Hauptstraſſe":               "cat=strasse", // LONG S
		"Hauptstraße":                "",            // ß is not ss under simple folding
		"ΣΑΣ":                        "cat=greek",
		"Access was denied for Zoë ": "",
	} {
		assert.Equal(t, want, outcome(t, e, newRecord("ERROR", body)), body)
	}
}

func TestAttributeFilters(t *testing.T) {
	e := mustCompile(t, &Config{Rules: []RuleConfig{
		catRule("security", []string{"any"}, FilterConfig{Type: "sw", Attribute: "qliksense.subsystem", Value: "Security."}),
		catRule("reload-app", warnError, FilterConfig{Type: "regex", Attribute: "qliksense.task.name", Value: `^Reload .+`}),
		catRule("message", warnError, so("Security.")),
	}})
	assert.Equal(t, "cat=security", outcome(t, e, newRecord("WARN", "Client certificate was not trusted", "qliksense.subsystem", "Security.Proxy.Proxy.Core")))
	assert.Equal(t, "cat=message", outcome(t, e, newRecord("WARN", "Security.Proxy", "qliksense.subsystem", "System.Proxy")), "the body and the attribute are different texts")
	assert.Equal(t, "", outcome(t, e, newRecord("WARN", "no attributes")))
	assert.Equal(t, "cat=reload-app", outcome(t, e, newRecord("ERROR", "Task failed", "qliksense.task.name", "Reload Sales")))

	// a number attribute is read as its text
	lr := newRecord("WARN", "x")
	lr.Attributes().PutInt("qliksense.result_code", 403)
	e = mustCompile(t, &Config{Rules: []RuleConfig{catRule("forbidden", warnError, FilterConfig{Type: "so", Attribute: "qliksense.result_code", Value: "403"})}})
	assert.Equal(t, "cat=forbidden", outcome(t, e, lr))

	// an empty pattern matches whenever the attribute is there
	e = mustCompile(t, &Config{Rules: []RuleConfig{catRule("has-app", warnError, FilterConfig{Type: "sw", Attribute: "qliksense.app.id"})}})
	assert.Equal(t, "cat=has-app", outcome(t, e, newRecord("WARN", "x", "qliksense.app.id", "")))
	assert.Equal(t, "", outcome(t, e, newRecord("WARN", "x")))
}

func TestSeveralRulesJoinValues(t *testing.T) {
	r3 := catRule("c", warnError, so("x"))
	r3.Category = []CategoryConfig{{Name: "team", Value: "ops"}, {Name: "cat", Value: "a"}}
	e := mustCompile(t, &Config{Rules: []RuleConfig{
		catRule("a", warnError, so("x")),
		catRule("b", warnError, so("xy")),
		r3,
		catRule("a", warnError, so("z")),
	}})
	assert.Equal(t, "cat=a", outcome(t, e, newRecord("WARN", "z")))
	assert.Equal(t, "cat=a,b team=ops", outcome(t, e, newRecord("WARN", "xy")), "values in rule order, duplicates removed")
	assert.Equal(t, "cat=a,b team=ops", outcome(t, e, newRecord("WARN", "xyz")))
	assert.Equal(t, "cat=a team=ops", outcome(t, e, newRecord("WARN", "x")))

	// the merged result is cached and stays right
	for range 3 {
		assert.Equal(t, "cat=a,b team=ops", outcome(t, e, newRecord("WARN", "xy")))
	}
	// within one rule too
	r := catRule("one", warnError, so("x"))
	r.Category = append(r.Category, CategoryConfig{Name: "cat", Value: "two"}, CategoryConfig{Name: "cat", Value: "one"})
	e = mustCompile(t, &Config{Rules: []RuleConfig{r}})
	assert.Equal(t, "cat=one,two", outcome(t, e, newRecord("WARN", "x")))
}

func TestResultCacheBound(t *testing.T) {
	var rules []RuleConfig
	for i := range 14 {
		rules = append(rules, catRule(string(rune('a'+i)), warnError, so(string(rune('a'+i)))))
	}
	e := mustCompile(t, &Config{Rules: rules})
	// 2^14 combinations: more than the cache keeps; every one is still right
	for combo := 1; combo < 1<<14; combo += 3 {
		var body, want []string
		for i := range 14 {
			if combo&(1<<i) != 0 {
				body = append(body, string(rune('a'+i)))
				want = append(want, string(rune('a'+i)))
			}
		}
		require.Equal(t, "cat="+strings.Join(want, ","), outcome(t, e, newRecord("WARN", strings.Join(body, " "))))
	}
	assert.Len(t, *e.cache.published.Load(), maxCachedResults)
}

func TestDefault(t *testing.T) {
	cfg := &Config{
		Rules:       []RuleConfig{catRule("known", warnError, so("known"))},
		RuleDefault: DefaultConfig{Enable: true, Category: []CategoryConfig{{Name: "cat", Value: "unknown"}}},
	}
	e := mustCompile(t, cfg)
	assert.Equal(t, "cat=known", outcome(t, e, newRecord("WARN", "known")))
	assert.Equal(t, "cat=unknown", outcome(t, e, newRecord("WARN", "other")))
	assert.Equal(t, "cat=unknown", outcome(t, e, newRecord("INFO", "known")), "no rule at this level")
	assert.Equal(t, "cat=unknown", outcome(t, e, newRecord("NOTICE", "known")), "any level")
	assert.Equal(t, "", outcome(t, e, newRecord("", "known")), "but not records without a level")

	cfg.RuleDefault.LogLevel = []string{"any"}
	e = mustCompile(t, cfg)
	assert.Equal(t, "cat=unknown", outcome(t, e, newRecord("", "known")))

	cfg.RuleDefault.LogLevel = []string{"error"}
	e = mustCompile(t, cfg)
	assert.Equal(t, "", outcome(t, e, newRecord("WARN", "other")))
	assert.Equal(t, "cat=unknown", outcome(t, e, newRecord("ERROR", "other")))

	cfg.RuleDefault.Enable = false
	e = mustCompile(t, cfg)
	assert.Equal(t, "", outcome(t, e, newRecord("ERROR", "other")))
}

func TestLevels(t *testing.T) {
	e := mustCompile(t, &Config{Rules: []RuleConfig{
		catRule("fatal", []string{"fatal"}, so("x")),
		catRule("warn", []string{"WARN"}, so("x")),
		catRule("info", []string{" Info "}, so("x")),
		catRule("none", []string{"none"}, so("x")),
		catRule("any", []string{"*"}, so("x")),
	}})
	for level, want := range map[string]string{
		"FATAL":   "cat=fatal,any",
		"fatal":   "cat=fatal,any",
		"Warn":    "cat=warn,any",
		"INFO":    "cat=info,any",
		"ERROR":   "cat=any",
		"NOTICE":  "cat=any",
		"WARNING": "cat=warn,any",
		"warning": "cat=warn,any",
		"":        "cat=none,any",
	} {
		assert.Equal(t, want, outcome(t, e, newRecord(level, "x")), level)
	}

	// no severity text: the severity number decides
	lr := newRecord("", "x")
	lr.SetSeverityNumber(plog.SeverityNumberFatal)
	assert.Equal(t, "cat=fatal,any", outcome(t, e, lr))
	lr.SetSeverityNumber(plog.SeverityNumberWarn3)
	assert.Equal(t, "cat=warn,any", outcome(t, e, lr))
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	assert.Equal(t, "cat=info,any", outcome(t, e, lr))
	// log4net's FINEST is its VERBOSE, whatever the number (the receiver
	// gives both TRACE)
	v := mustCompile(t, &Config{Rules: []RuleConfig{catRule("verbose", []string{"verbose"}, so("x"))}})
	for _, text := range []string{"VERBOSE", "FINEST", "finest"} {
		lr := newRecord(text, "x")
		lr.SetSeverityNumber(plog.SeverityNumberTrace)
		assert.Equal(t, "cat=verbose", outcome(t, v, lr), text)
	}
	// severity text wins over the number
	lr.SetSeverityText("FATAL")
	assert.Equal(t, "cat=fatal,any", outcome(t, e, lr))
	// a text no rule can name falls back to the number when there is one
	// (the qliksense_events receiver sets both: WARNING is SeverityNumberWarn)
	lr.SetSeverityText("Warnung")
	lr.SetSeverityNumber(plog.SeverityNumberWarn)
	assert.Equal(t, "cat=warn,any", outcome(t, e, lr))
	lr.SetSeverityText("NOTICE")
	lr.SetSeverityNumber(plog.SeverityNumberUnspecified)
	assert.Equal(t, "cat=any", outcome(t, e, lr))
}

// TestInvalidSeverityNumber: a severity number outside OpenTelemetry's 1-24
// is a level no rule can name, like 25 and up, not "no level": the record is
// not a user event, so it gets the default and is not seen by none rules.
func TestInvalidSeverityNumber(t *testing.T) {
	e := mustCompile(t, &Config{
		Rules: []RuleConfig{
			catRule("none", []string{"none"}, so("x")),
			catRule("any", []string{"any"}, so("y")),
		},
		RuleDefault: DefaultConfig{Enable: true, Category: []CategoryConfig{{Name: "cat", Value: "unknown"}}},
	})
	for _, tt := range []struct {
		text   string
		number plog.SeverityNumber
		want   string
	}{
		{"", -1, "cat=unknown"},
		{"", -24, "cat=unknown"},
		{"NOTICE", -1, "cat=unknown"},
		{"", 25, "cat=unknown"},
		{"", plog.SeverityNumberUnspecified, "cat=none"},
	} {
		lr := newRecord(tt.text, "x")
		lr.SetSeverityNumber(tt.number)
		assert.Equal(t, tt.want, outcome(t, e, lr), "%q %d", tt.text, tt.number)
	}
}

// TestResultCacheAddsAKeyOnce: a combination added again after it was
// published (two records racing past get) is not built and counted again,
// which would fill the cache's bound with duplicates.
func TestResultCacheAddsAKeyOnce(t *testing.T) {
	var c resultCache
	builds := 0
	build := func() *result { builds++; return &result{} }
	first := c.add([]byte{1}, build)
	require.NotNil(t, c.get([]byte{1}), "published")
	assert.Same(t, first, c.add([]byte{1}, build))
	assert.Equal(t, 1, builds)
	assert.Equal(t, 1, c.size)
}

func TestDropTakesPrecedence(t *testing.T) {
	drop := RuleConfig{Description: "noise", LogLevel: []string{"warn"}, Action: "drop", Filter: []FilterConfig{ew("due to inactivity")}}
	e := mustCompile(t, &Config{
		Rules: []RuleConfig{
			catRule("session", warnError, sw("Session")),
			drop,
		},
		RuleDefault: DefaultConfig{Enable: true, Category: []CategoryConfig{{Name: "cat", Value: "unknown"}}},
	})
	assert.Equal(t, "dropped by noise", outcome(t, e, newRecord("WARN", "Session 1 was terminated due to inactivity")), "even though an earlier categorise rule matches")
	assert.Equal(t, "cat=session", outcome(t, e, newRecord("ERROR", "Session 1 was terminated due to inactivity")), "the drop rule is for warn only")
	assert.Equal(t, "cat=unknown", outcome(t, e, newRecord("WARN", "Engine stopped")))

	// the first matching drop rule is the one counted
	e = mustCompile(t, &Config{Rules: []RuleConfig{
		{LogLevel: []string{"warn"}, Action: "drop", Filter: []FilterConfig{so("b")}},
		{Description: "second", LogLevel: []string{"warn"}, Action: "DROP", Filter: []FilterConfig{so("a")}},
	}})
	assert.Equal(t, "dropped by second", outcome(t, e, newRecord("WARN", "a")))
	assert.Equal(t, "dropped by rules[0]", outcome(t, e, newRecord("WARN", "ab")))
}

func TestApplyWritesAttributes(t *testing.T) {
	e := mustCompile(t, loadConfig(t, "butler"))
	sc := e.newScratch()
	lr := newRecord("ERROR", "Professional access allocation failed: no available access passes", "qliksense.source", "qseow-repository")
	assert.False(t, e.apply(lr, sc))
	assert.Equal(t, map[string]any{
		"qliksense.source":                   "qseow-repository",
		"qliksense.category.qs_log_category": "resource-limit,license",
		"qliksense.category.qs_log_team":     "platform",
	}, lr.Attributes().AsRaw())
	// applying again overwrites rather than duplicates
	assert.False(t, e.apply(lr, sc))
	assert.Equal(t, 3, lr.Attributes().Len())
}

func TestRegexPrefilter(t *testing.T) {
	for _, tc := range []struct {
		expr, lit string
		fold, ok  bool
	}{
		{`access denied`, "access denied", false, true},
		{`^Task (\w+) failed after \d+ retries$`, " failed after ", false, true},
		{`(?i)Access Denied`, "access denied", true, true},
		{`(?i)ÉTÉ`, "ÉtÉ", true, true},
		{`(?:abc)+x`, "abc", false, true},
		{`(abc){2,}`, "abc", false, true},
		{`a|b`, "", false, false},
		{`(abc)?d`, "d", false, true},
		{`(abc)*`, "", false, false},
		{`.*`, "", false, false},
		{"\uFFFD", "", false, false},
	} {
		lit, fold, ok := requiredLiteral(tc.expr)
		assert.Equal(t, tc.ok, ok, tc.expr)
		if tc.ok {
			assert.Equal(t, tc.lit, lit, tc.expr)
			assert.Equal(t, tc.fold, fold, tc.expr)
		}
	}
}

// TestMixedCaseInOneGroup: case-sensitive and case-insensitive patterns on
// the same text share automata; the case-sensitive ones must still match
// exactly, for every filter type and also when the text is not ASCII.
func TestMixedCaseInOneGroup(t *testing.T) {
	yes := true
	ci := func(f FilterConfig) FilterConfig { f.CaseInsensitive = &yes; return f }
	var rules []RuleConfig
	for i := range 6 { // more so patterns than are searched one by one
		rules = append(rules, catRule(fmt.Sprintf("pad%d", i), warnError, so(fmt.Sprintf("pad%d", i))))
	}
	rules = append(rules,
		catRule("sw-exact", warnError, sw("Access")),
		catRule("ew-exact", warnError, ew("FAIL")),
		catRule("so-exact", warnError, so("Denied")),
		catRule("so-fold", warnError, ci(so("été"))),
		catRule("sw-fold", warnError, ci(sw("access"))),
		catRule("symbols", warnError, so(":4747")),
		// Case-sensitive patterns without an ASCII letter: the folded copy
		// of a non-ASCII text must not match them (ö folds to Ö).
		catRule("sw-exact-unicode", warnError, sw("Ö")),
		catRule("ew-exact-unicode", warnError, ew("ÄÖ")),
		catRule("so-exact-unicode", warnError, so("ДОСТУП")),
	)
	e := mustCompile(t, &Config{Rules: rules})
	for body, want := range map[string]string{
		"Access Denied FAIL":      "cat=sw-exact,ew-exact,so-exact,sw-fold",
		"ACCESS DENIED fail":      "cat=sw-fold",
		"access denied Fail":      "cat=sw-fold",
		"Access Denied à l'ÉTÉ":   "cat=sw-exact,so-exact,so-fold,sw-fold",
		"ACCESS Denied, Été FAIL": "cat=ew-exact,so-exact,so-fold,sw-fold",
		"host:4747":               "cat=symbols",
		"öffentlich: доступ äö":   "",
		"Öffentlich: ДОСТУП ÄÖ":   "cat=sw-exact-unicode,ew-exact-unicode,so-exact-unicode",
		"access été ö доступ":     "cat=so-fold,sw-fold",
	} {
		assert.Equal(t, want, outcome(t, e, newRecord("WARN", body)), body)
	}
}

// TestNonStringText: what a filter reads when the body (or the attribute) is
// not a string. Bytes are read as the text they hold (the qliksense_events
// receiver keeps a datagram that is not valid UTF-8 as a bytes body), not as
// their base64 form; other values as their string form.
func TestNonStringText(t *testing.T) {
	e := mustCompile(t, &Config{Rules: []RuleConfig{
		catRule("denied", []string{"any"}, so("Access denied")),
		catRule("engine", []string{"any"}, sw("/qseow-engine/")),
		catRule("forbidden", []string{"any"}, FilterConfig{Type: "ew", Attribute: "raw", Value: "403"}),
		catRule("json", []string{"any"}, so(`"message":"x"`)),
		catRule("empty", []string{"any"}, ew("")),
	}})
	for _, tt := range []struct {
		desc string
		set  func(lr plog.LogRecord)
		want string
	}{
		{"no body", func(plog.LogRecord) {}, "cat=empty"},
		{"bytes body", func(lr plog.LogRecord) {
			lr.Body().SetEmptyBytes().FromRaw([]byte("/qseow-engine/;host;Access denied \xff"))
		}, "cat=denied,engine,empty"},
		{"empty bytes body", func(lr plog.LogRecord) { lr.Body().SetEmptyBytes() }, "cat=empty"},
		{"bytes attribute", func(lr plog.LogRecord) {
			lr.Body().SetStr("x")
			lr.Attributes().PutEmptyBytes("raw").FromRaw([]byte("status 403"))
		}, "cat=forbidden,empty"},
		{"map body, read as JSON", func(lr plog.LogRecord) { lr.Body().SetEmptyMap().PutStr("message", "x") }, "cat=json,empty"},
		{"int body", func(lr plog.LogRecord) { lr.Body().SetInt(403) }, "cat=empty"},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			lr := plog.NewLogRecord()
			tt.set(lr)
			assert.Equal(t, tt.want, outcome(t, e, lr))
		})
	}
}
