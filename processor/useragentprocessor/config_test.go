package useragentprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/senseops/senseops-collector/processor/useragentprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id   component.ID
		want *Config
	}{
		{component.NewID(metadata.Type), &Config{SourceAttribute: "user_agent.original", CacheSize: 1000}},
		{component.NewIDWithName(metadata.Type, "custom"), &Config{
			SourceAttribute: "http.user_agent",
			Overwrite:       true,
			CacheSize:       50,
		}},
		{component.NewIDWithName(metadata.Type, "nocache"), &Config{SourceAttribute: "user_agent.original", CacheSize: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestConfigValidateNamesTheField(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"empty source", func(c *Config) { c.SourceAttribute = "" }, []string{"source_attribute: must be set"}},
		{"source with spaces", func(c *Config) { c.SourceAttribute = " user_agent.original" }, []string{"source_attribute:", "spaces"}},
		{"source is a target", func(c *Config) { c.SourceAttribute = "user_agent.name" }, []string{"source_attribute:", "writes"}},
		{"source is the mobile flag", func(c *Config) { c.SourceAttribute = "qliksense.user_agent.mobile" }, []string{"source_attribute:", "writes"}},
		{"negative cache", func(c *Config) { c.CacheSize = -1 }, []string{"cache_size: -1 is outside"}},
		{"huge cache", func(c *Config) { c.CacheSize = 1_000_001 }, []string{"cache_size: 1000001 is outside"}},
		{"several at once", func(c *Config) { c.SourceAttribute = ""; c.CacheSize = -5 }, []string{"source_attribute:", "cache_size:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.mutate(cfg)
			err := cfg.Validate()
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	for _, ok := range []func(*Config){
		func(*Config) {},
		func(c *Config) { c.CacheSize = 0 },
		func(c *Config) { c.CacheSize = 1_000_000 },
		func(c *Config) { c.SourceAttribute = "http.request.header.user-agent" },
	} {
		cfg := createDefaultConfig().(*Config)
		ok(cfg)
		require.NoError(t, cfg.Validate())
	}
}
