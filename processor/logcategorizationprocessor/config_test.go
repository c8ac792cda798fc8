package logcategorizationprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

func TestLoadDefaultConfig(t *testing.T) {
	cfg := loadConfig(t, "")
	assert.Equal(t, createDefaultConfig(), cfg)
	assert.True(t, cfg.Enable)
	assert.True(t, cfg.RuleDefault.Enable)
	require.NoError(t, confmap.Validate(cfg))
}

// TestButlerPasteDecodesLikeSnakeCase: Butler SOS's categorise section,
// pasted with its camelCase keys, is the same configuration as the
// documented snake_case form.
func TestButlerPasteDecodesLikeSnakeCase(t *testing.T) {
	butler := loadConfig(t, "butler")
	snake := loadConfig(t, "snake")
	require.NoError(t, confmap.Validate(butler))
	assert.Equal(t, snake, butler)

	// and it is what the file says
	require.Len(t, butler.Rules, 7)
	assert.Equal(t, RuleConfig{
		Description: "Deny access to Qlik Sense",
		LogLevel:    []string{"warn", "error"},
		Action:      "categorise",
		Category:    []CategoryConfig{{Name: "qs_log_category", Value: "access-denied"}},
		Filter: []FilterConfig{
			{Type: "sw", Value: "Access was denied for User:"},
			{Type: "so", Value: "access denied for user"},
		},
	}, butler.Rules[0])
	assert.Equal(t, []string{"WARN"}, butler.Rules[6].LogLevel)
	assert.Equal(t, "SO", butler.Rules[6].Filter[0].Type)
	assert.Equal(t, DefaultConfig{Enable: true, Category: []CategoryConfig{{Name: "qs_log_category", Value: "unknown"}}}, butler.RuleDefault)
}

func TestLoadExtendedConfig(t *testing.T) {
	cfg := loadConfig(t, "extended")
	require.NoError(t, confmap.Validate(cfg))
	assert.True(t, cfg.CaseInsensitive)
	assert.True(t, cfg.RuleDefault.Enable, "rule_default.enable keeps its default when only category is given")
	f := false
	assert.Equal(t, &f, cfg.Rules[1].Filter[0].CaseInsensitive)
	assert.Equal(t, &f, cfg.Rules[2].CaseInsensitive)
	assert.Equal(t, "qliksense.subsystem", cfg.Rules[2].Filter[0].Attribute)
}

func unmarshal(t *testing.T, m map[string]any) (*Config, error) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	return cfg, confmap.NewFromStringMap(m).Unmarshal(cfg)
}

func TestUnmarshalRejectsBothSpellings(t *testing.T) {
	_, err := unmarshal(t, map[string]any{
		"ruleDefault":  map[string]any{"enable": false},
		"rule_default": map[string]any{"enable": false},
	})
	assert.ErrorContains(t, err, "ruleDefault and rule_default are the same setting")

	_, err = unmarshal(t, map[string]any{"rules": []any{map[string]any{
		"logLevel": []any{"warn"}, "log_level": []any{"error"},
	}}})
	assert.ErrorContains(t, err, "logLevel and log_level are the same setting")
}

func TestUnmarshalRejectsUnknownKeys(t *testing.T) {
	_, err := unmarshal(t, map[string]any{"rules": []any{map[string]any{"logLevels": []any{"warn"}}}})
	assert.ErrorContains(t, err, "logLevels")
	_, err = unmarshal(t, map[string]any{"rule_defaults": map[string]any{}})
	assert.ErrorContains(t, err, "rule_defaults")
	_, err = unmarshal(t, map[string]any{"rules": []any{map[string]any{"filter": []any{map[string]any{"typ": "sw"}}}}})
	assert.ErrorContains(t, err, "typ")
}

// TestUnmarshalNamesAnUnquotedNumber: the README tells users pasting Butler
// SOS rules to quote values YAML reads as numbers, as the loader names them.
func TestUnmarshalNamesAnUnquotedNumber(t *testing.T) {
	_, err := unmarshal(t, map[string]any{"rules": []any{map[string]any{"filter": []any{map[string]any{"type": "so", "value": 403}}}}})
	assert.ErrorContains(t, err, "'filter[0].value' expected type 'string'")
	_, err = unmarshal(t, map[string]any{"rules": []any{map[string]any{"category": []any{map[string]any{"name": "http", "value": 403}}}}})
	assert.ErrorContains(t, err, "'category[0].value' expected type 'string'")
	cfg, err := unmarshal(t, map[string]any{"rules": []any{map[string]any{"filter": []any{map[string]any{"type": "so", "value": "403"}}}}})
	require.NoError(t, err)
	assert.Equal(t, "403", cfg.Rules[0].Filter[0].Value)
}

func TestUnmarshalButlerDefaultDisabled(t *testing.T) {
	cfg, err := unmarshal(t, map[string]any{"ruleDefault": map[string]any{"enable": false}})
	require.NoError(t, err)
	assert.False(t, cfg.RuleDefault.Enable)
}

func validRule() RuleConfig {
	return RuleConfig{
		Description: "Access denied",
		LogLevel:    []string{"warn", "error"},
		Action:      "categorise",
		Category:    []CategoryConfig{{Name: "qs_log_category", Value: "access-denied"}},
		Filter:      []FilterConfig{{Type: "sw", Value: "Access was denied"}},
	}
}

func TestValidateNamesTheRuleAndField(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"unknown action", func(c *Config) { c.Rules[0].Action = "keep" },
			[]string{`rules[0] ("Access denied"): action: "keep" is not categorise or drop`}},
		{"no action", func(c *Config) { c.Rules[0].Action = "" },
			[]string{`rules[0] ("Access denied"): action: must be set`}},
		{"unknown filter type", func(c *Config) { c.Rules[0].Filter = append(c.Rules[0].Filter, FilterConfig{Type: "eq", Value: "x"}) },
			[]string{`rules[0] ("Access denied"): filter[1].type: "eq" is not sw, ew, so or regex`}},
		{"no filter type", func(c *Config) { c.Rules[0].Filter[0].Type = "" },
			[]string{`rules[0] ("Access denied"): filter[0].type: must be set`}},
		{"empty category name", func(c *Config) { c.Rules[0].Category[0].Name = " " },
			[]string{`rules[0] ("Access denied"): category[0].name: is empty`}},
		{"empty category value", func(c *Config) { c.Rules[0].Category[0].Value = "" },
			[]string{`rules[0] ("Access denied"): category[0].value: is empty`}},
		{"no categories", func(c *Config) { c.Rules[0].Category = nil },
			[]string{`rules[0] ("Access denied"): category: must list at least one`}},
		{"no filters", func(c *Config) { c.Rules[0].Filter = nil },
			[]string{`rules[0] ("Access denied"): filter: must list at least one filter`}},
		{"no levels", func(c *Config) { c.Rules[0].LogLevel = nil },
			[]string{`rules[0] ("Access denied"): log_level: must list at least one level`}},
		{"unknown level", func(c *Config) { c.Rules[0].LogLevel = []string{"warn", "warning"} },
			[]string{`rules[0] ("Access denied"): log_level[1]: "warning" is not a level`}},
		{"bad regex", func(c *Config) { c.Rules[0].Filter[0] = FilterConfig{Type: "regex", Value: "access (denied"} },
			[]string{`rules[0] ("Access denied"): filter[0].value: invalid regular expression: error parsing regexp: missing closing )`}},
		{"bad regex, case-insensitive: the expression as written", func(c *Config) {
			c.CaseInsensitive = true
			c.Rules[0].Filter[0] = FilterConfig{Type: "regex", Value: "access (denied"}
		},
			[]string{"filter[0].value: invalid regular expression: error parsing regexp: missing closing ): `access (denied`"}},
		{"rule without description", func(c *Config) { c.Rules[0].Description = ""; c.Rules[0].Action = "x" },
			[]string{`rules[0]: action: "x" is not categorise or drop`}},
		{"second rule", func(c *Config) {
			c.Rules = append(c.Rules, validRule())
			c.Rules[1].Description = "Two"
			c.Rules[1].LogLevel = []string{"loud"}
		},
			[]string{`rules[1] ("Two"): log_level[0]: "loud" is not a level`}},
		{"default category", func(c *Config) { c.RuleDefault.Category = []CategoryConfig{{Name: "qs_log_category"}} },
			[]string{`rule_default.category[0].value: is empty`}},
		{"default category checked when off", func(c *Config) {
			c.RuleDefault.Enable = false
			c.RuleDefault.Category = []CategoryConfig{{Value: "x"}}
		}, []string{`rule_default.category[0].name: is empty`}},
		{"default level", func(c *Config) { c.RuleDefault.LogLevel = []string{"warn", "eror"} },
			[]string{`rule_default.log_level[1]: "eror" is not a level`}},
		{"every problem at once", func(c *Config) {
			c.Rules[0].Action = "keep"
			c.Rules[0].Filter[0].Type = "contains"
			c.Rules = append(c.Rules, RuleConfig{Description: "Empty"})
		}, []string{
			`rules[0] ("Access denied"): action:`,
			`rules[0] ("Access denied"): filter[0].type:`,
			`rules[1] ("Empty"): log_level:`,
			`rules[1] ("Empty"): action:`,
			`rules[1] ("Empty"): category:`,
			`rules[1] ("Empty"): filter:`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.Rules = []RuleConfig{validRule()}
			require.NoError(t, cfg.Validate())
			tt.mutate(cfg)
			err := cfg.Validate()
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestValidateAcceptsButlerSpellingsAndMore(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	r := validRule()
	r.LogLevel = []string{" WARN ", "Error", "fatal", "INFO", "debug", "verbose", "silly", "trace", "none", "any", "*"}
	r.Action = "CATEGORISE"
	r.Filter = []FilterConfig{{Type: "SW", Value: "a"}, {Type: " Ew", Value: "b"}, {Type: "So", Value: ""}, {Type: "REGEX", Value: "^x"}}
	drop := validRule()
	drop.Action = "Drop"
	drop.Category = nil // a drop rule needs no categories
	// Butler SOS's schema asks a drop rule for categories, which it never
	// uses, and allows empty ones: pasted as they are, they are ignored too.
	dropWithEmpty := validRule()
	dropWithEmpty.Action = "drop"
	dropWithEmpty.Category = []CategoryConfig{{Name: "qs_log_category", Value: ""}, {}}
	american := validRule()
	american.Action = "categorize"
	cfg.Rules = []RuleConfig{r, drop, dropWithEmpty, american}
	require.NoError(t, cfg.Validate())
}
