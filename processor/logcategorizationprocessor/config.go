package logcategorizationprocessor // import "github.com/senseops/senseops-collector/processor/logcategorizationprocessor"

import (
	"errors"

	"go.opentelemetry.io/collector/confmap"
)

// Config is the processor's configuration. Its shape is Butler SOS's
// Butler-SOS.logEvents.categorise section: that section can be pasted under
// the processor as it is (Butler's camelCase keys logLevel and ruleDefault are
// accepted next to the snake_case log_level and rule_default).
type Config struct {
	// Enable turns the processor on; when false it passes every record on
	// unchanged. It is Butler SOS's categorise.enable, but defaults to true.
	Enable bool `mapstructure:"enable"`

	// CaseInsensitive makes every filter ignore case, unless the rule or the
	// filter says otherwise. Default false, as in Butler SOS.
	CaseInsensitive bool `mapstructure:"case_insensitive"`

	// Rules are all evaluated, in order, on every record.
	Rules []RuleConfig `mapstructure:"rules"`

	// RuleDefault gives the categories of a record that no rule matched.
	RuleDefault DefaultConfig `mapstructure:"rule_default"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// RuleConfig is one rule.
type RuleConfig struct {
	// Description names the rule in errors and in the dropped-records metric.
	Description string `mapstructure:"description"`

	// LogLevel lists the record levels the rule applies to, any case: fatal,
	// error, warn, info, debug, verbose, trace, silly; none for records
	// without a level (user events); any (or *) for every record.
	LogLevel []string `mapstructure:"log_level"`

	// Action is categorise (or categorize) to add the categories, drop to
	// remove the record. Any case.
	Action string `mapstructure:"action"`

	// Category lists the categories a matching record gets.
	Category []CategoryConfig `mapstructure:"category"`

	// Filter lists the tests; the rule matches when any one of them does.
	Filter []FilterConfig `mapstructure:"filter"`

	// CaseInsensitive overrides the processor's case_insensitive for this
	// rule's filters.
	CaseInsensitive *bool `mapstructure:"case_insensitive"`
}

// CategoryConfig is one category: the record gets the attribute
// qliksense.category.<name> = value.
type CategoryConfig struct {
	Name  string `mapstructure:"name"`
	Value string `mapstructure:"value"`
}

// FilterConfig is one test on the record's message or on one attribute.
type FilterConfig struct {
	// Type is sw (starts with), ew (ends with), so (contains) or regex (a Go
	// regular expression that matches somewhere in the text; anchor it with
	// ^ and $). Any case.
	Type string `mapstructure:"type"`

	// Value is the text (or the expression) to look for.
	Value string `mapstructure:"value"`

	// Attribute, when set, tests this log record attribute instead of the
	// message (the record's body). A record without the attribute does not
	// match.
	Attribute string `mapstructure:"attribute"`

	// CaseInsensitive overrides the rule's and the processor's setting.
	CaseInsensitive *bool `mapstructure:"case_insensitive"`
}

// DefaultConfig gives the categories of records that no rule matched.
type DefaultConfig struct {
	// Enable applies the default categories. Default true, as in Butler SOS.
	Enable bool `mapstructure:"enable"`

	// Category lists the default categories.
	Category []CategoryConfig `mapstructure:"category"`

	// LogLevel limits the default to records of these levels (same names as
	// a rule's). Empty (the default): every record that has a level, so user
	// events, which have none, are left alone as Butler SOS leaves them.
	LogLevel []string `mapstructure:"log_level"`
}

// Validate compiles the rules, so every error a rule could cause at start is
// reported here, each naming the rule (index and description) and the field.
func (cfg *Config) Validate() error {
	_, err := compile(cfg)
	return err
}

// Butler SOS spells two keys in camelCase. Config and RuleConfig decode
// through these twins, which have both spellings, and keep the one that is
// set; everything else decodes exactly as without them (expanded ${env:...}
// values, unknown-key errors).
type (
	plainConfig     Config
	plainRuleConfig RuleConfig

	configKeys struct {
		Config            plainConfig   `mapstructure:",squash"`
		ButlerRuleDefault DefaultConfig `mapstructure:"ruleDefault"`
	}
	ruleKeys struct {
		Rule           plainRuleConfig `mapstructure:",squash"`
		ButlerLogLevel []string        `mapstructure:"logLevel"`
	}
)

var _ confmap.Unmarshaler = (*Config)(nil)

// Unmarshal decodes the configuration, accepting Butler SOS's ruleDefault
// for rule_default.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	twin := configKeys{Config: plainConfig(*cfg), ButlerRuleDefault: cfg.RuleDefault}
	if err := conf.Unmarshal(&twin); err != nil {
		return err
	}
	*cfg = Config(twin.Config)
	if conf.IsSet("ruleDefault") {
		if conf.IsSet("rule_default") {
			return errors.New("ruleDefault and rule_default are the same setting: keep one")
		}
		cfg.RuleDefault = twin.ButlerRuleDefault
	}
	return nil
}

var _ confmap.Unmarshaler = (*RuleConfig)(nil)

// Unmarshal decodes one rule, accepting Butler SOS's logLevel for log_level.
func (r *RuleConfig) Unmarshal(conf *confmap.Conf) error {
	twin := ruleKeys{Rule: plainRuleConfig(*r)}
	if err := conf.Unmarshal(&twin); err != nil {
		return err
	}
	*r = RuleConfig(twin.Rule)
	if conf.IsSet("logLevel") {
		if conf.IsSet("log_level") {
			return errors.New("logLevel and log_level are the same setting: keep one")
		}
		r.LogLevel = twin.ButlerLogLevel
	}
	return nil
}
