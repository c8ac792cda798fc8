package senseapi

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

// TestCertificatePathHints: the two ways a Windows certificate path that
// looks right is not found are explained. A backslash in a double-quoted
// YAML string is an escape, so "C:\temp\root.pem" holds a tab and a
// carriage return (and the error's %q shows the path as it was typed); a
// relative path is read from the working directory, which for a Windows
// service is C:\Windows\System32.
func TestCertificatePathHints(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)

	conf, err := confmap.NewRetrievedFromYAML([]byte("ca_file: \"C:\\temp\\root.pem\"\r\ncert_file: 'C:\\temp\\client.pem'\r\n"))
	require.NoError(t, err)
	raw, err := conf.AsRaw()
	require.NoError(t, err)
	paths := raw.(map[string]any)
	require.Equal(t, "C:\temp\root.pem", paths["ca_file"], "YAML's escapes, as the collector reads the config")
	require.Equal(t, `C:\temp\client.pem`, paths["cert_file"], "single quotes keep backslashes")

	c := NewDefaultConnectionConfig()
	c.TLS.CAFile = paths["ca_file"].(string)
	err = c.Validate("")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `tls.ca_file: cannot read "C:\temp\root.pem"`)
	assert.Contains(t, err.Error(), "in a double-quoted YAML string a backslash starts an escape")

	c = NewDefaultConnectionConfig()
	c.TLS.CAFile = filepath.Join("certs", "root.pem")
	err = c.Validate("")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a relative path is read from the collector's working directory, "+wd)
	assert.Contains(t, err.Error(), `a Windows service starts in C:\Windows\System32`)
	assert.NotContains(t, err.Error(), "escape")

	c = NewDefaultConnectionConfig()
	c.TLS.CAFile = filepath.Join(t.TempDir(), "root.pem") // absolute, missing
	err = c.Validate("")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "working directory")
	assert.NotContains(t, err.Error(), "escape")

	c = NewDefaultConnectionConfig()
	c.TLS.CAFile = filepath.Join("testdata", "keys", "client.pem") // relative, there
	assert.NoError(t, c.Validate(""))
}
