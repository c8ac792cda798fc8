package useragentprocessor // import "github.com/senseops/senseops-collector/processor/useragentprocessor"

import (
	"errors"
	"fmt"
	"strings"
)

// Config is the processor's configuration.
type Config struct {
	// SourceAttribute is the log record attribute that holds the raw
	// User-Agent string. Records without it, or with a non-string or empty
	// value, pass through unchanged.
	SourceAttribute string `mapstructure:"source_attribute"`

	// Overwrite replaces target attributes (user_agent.name, ...) that a
	// record already has. When false, existing attributes are kept and only
	// the missing ones are added.
	Overwrite bool `mapstructure:"overwrite"`

	// CacheSize is how many distinct User-Agent strings are kept parsed, in a
	// least-recently-used cache shared by all pipelines of this processor
	// instance. 0 disables the cache (every record is parsed).
	CacheSize int `mapstructure:"cache_size"`

	// prevent unkeyed literal initialization
	_ struct{}
}

const maxCacheSize = 1_000_000

// Validate checks the configuration and names every bad field.
func (cfg *Config) Validate() error {
	var errs []error
	switch src := cfg.SourceAttribute; {
	case src == "":
		errs = append(errs, errors.New("source_attribute: must be set, e.g. user_agent.original"))
	case strings.TrimSpace(src) != src:
		errs = append(errs, fmt.Errorf("source_attribute: %q has leading or trailing spaces", src))
	case isTarget(src):
		errs = append(errs, fmt.Errorf("source_attribute: %q is one of the attributes this processor writes", src))
	}
	if cfg.CacheSize < 0 || cfg.CacheSize > maxCacheSize {
		errs = append(errs, fmt.Errorf("cache_size: %d is outside 0..%d (0 disables the cache)", cfg.CacheSize, maxCacheSize))
	}
	return errors.Join(errs...)
}

func isTarget(key string) bool {
	for _, t := range targetKeys {
		if key == t {
			return true
		}
	}
	return false
}
