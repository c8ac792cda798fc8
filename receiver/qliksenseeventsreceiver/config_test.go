package qliksenseeventsreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/senseops/senseops-collector/receiver/qliksenseeventsreceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id   component.ID
		want *Config
	}{
		{component.NewID(metadata.Type), createDefaultConfig().(*Config)},
		{component.NewIDWithName(metadata.Type, "custom"), &Config{
			Endpoint:          "0.0.0.0:9997",
			ReceiveBufferSize: 8 << 20,
			Readers:           2,
			MaxMessageSize:    8192,
			AllowedSources:    []string{"10.0.0.5", "10.1.0.0/16", "sense1.corp.example"},
			IncludeUnparsed:   true,
			Batch:             BatchConfig{MaxSize: 500, Timeout: time.Second},
		}},
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
		{"missing endpoint", func(c *Config) { c.Endpoint = "" }, []string{"endpoint: must be set"}},
		{"endpoint without port", func(c *Config) { c.Endpoint = "localhost" }, []string{"endpoint:", "not host:port"}},
		{"endpoint with a bad port", func(c *Config) { c.Endpoint = "localhost:99999" }, []string{"endpoint:", "invalid port"}},
		{"endpoint with a bad host", func(c *Config) { c.Endpoint = "not a host!:9996" }, []string{"endpoint:", `"not a host!"`}},
		{"endpoint with a space", func(c *Config) { c.Endpoint = " 0.0.0.0:9996" }, []string{"endpoint:", `" 0.0.0.0"`}},
		{"endpoint with an IPv6 zone in a name", func(c *Config) { c.Endpoint = "[sense%eth0]:9996" }, []string{"endpoint:"}},
		{"negative buffer", func(c *Config) { c.ReceiveBufferSize = -1 }, []string{"receive_buffer_size:"}},
		{"message size too big", func(c *Config) { c.MaxMessageSize = 70000 }, []string{"max_message_size:"}},
		{"zero message size", func(c *Config) { c.MaxMessageSize = 0 }, []string{"max_message_size:"}},
		{"no readers", func(c *Config) { c.Readers = 0 }, []string{"readers: 0 is outside 1..64"}},
		{"bad source", func(c *Config) { c.AllowedSources = []string{"10.0.0.1", "10.0.0.0/33", "not a host!"} },
			[]string{"allowed_sources[1]:", "allowed_sources[2]:"}},
		{"empty source", func(c *Config) { c.AllowedSources = []string{""} }, []string{"allowed_sources[0]: is empty"}},
		// A mistyped IPv4 address is no host name: it would not resolve,
		// and its sender would be shut out at start.
		{"source that is a mistyped address", func(c *Config) { c.AllowedSources = []string{"10.0.0.5", "10.0.0.256", "192.168.1"} },
			[]string{`allowed_sources[1]: "10.0.0.256"`, `allowed_sources[2]: "192.168.1"`}},
		{"endpoint with a mistyped address", func(c *Config) { c.Endpoint = "10.0.0.256:9996" }, []string{"endpoint:", `"10.0.0.256"`}},
		{"zero batch size", func(c *Config) { c.Batch.MaxSize = 0 }, []string{"batch.max_size:"}},
		{"zero batch timeout", func(c *Config) { c.Batch.Timeout = 0 }, []string{"batch.timeout:"}},
		{"batch timeout without a unit", func(c *Config) { c.Batch.Timeout = 100 }, []string{"batch.timeout: 100ns is under a millisecond"}},
		{"several at once", func(c *Config) { c.Endpoint = ""; c.Batch.MaxSize = 0 }, []string{"endpoint:", "batch.max_size:"}},
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
	require.NoError(t, createDefaultConfig().(*Config).Validate())
}

func TestConfigValidEndpoints(t *testing.T) {
	for _, endpoint := range []string{
		"localhost:9996", "0.0.0.0:9996", "127.0.0.1:0", ":9996", "[::1]:9996", "[::]:9996",
		"[fe80::1%eth0]:9996", "qs-gateway.corp.example:9996", "QS-GW01:9997", "10.0.0.5:9996", "qs-01.corp.example.:9996", "1qs.corp:9996",
	} {
		t.Run(endpoint, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.Endpoint = endpoint
			require.NoError(t, cfg.Validate())
		})
	}
}
