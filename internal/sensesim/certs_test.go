package sensesim

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestGenerateCerts(t *testing.T) {
	tests := []struct {
		name    string
		opts    CertOptions
		keyType string // PEM block type of the keys
	}{
		{"ecdsa", CertOptions{Hosts: []string{"qs-central-01", "QS-RIM-01.corp.example", "10.0.0.5"}}, "EC PRIVATE KEY"},
		{"rsa", CertOptions{Hosts: []string{"qs-central-01"}, KeyType: KeyRSA}, "RSA PRIVATE KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cs, err := GenerateCertsWithOptions(dir, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			wantFiles := map[string]os.FileMode{
				CAFileName: 0o644, CAKeyFileName: 0o600, ServerCertFileName: 0o644, ServerKeyFileName: 0o600,
				ClientCertFileName: 0o644, ClientKeyFileName: 0o600, ClientKeyEncryptedFileName: 0o600,
			}
			for name, mode := range wantFiles {
				for _, d := range []string{dir, filepath.Join(dir, WrongDirName)} {
					if d != dir && name == ClientKeyEncryptedFileName {
						continue
					}
					fi, err := os.Stat(filepath.Join(d, name))
					if err != nil {
						t.Error(err)
						continue
					}
					if fi.Mode().Perm() != mode {
						t.Errorf("%s: mode %v, want %v", fi.Name(), fi.Mode().Perm(), mode)
					}
				}
			}
			paths := []string{cs.CAFile, cs.CAKeyFile, cs.ServerCertFile, cs.ServerKeyFile, cs.ClientCertFile,
				cs.ClientKeyFile, cs.ClientKeyEncryptedFile, cs.WrongCAFile, cs.WrongServerCertFile,
				cs.WrongServerKeyFile, cs.WrongClientCertFile, cs.WrongClientKeyFile}
			for _, p := range paths {
				if !filepath.IsAbs(p) {
					t.Errorf("path %q is not absolute", p)
				}
				if _, err := os.Stat(p); err != nil {
					t.Error(err)
				}
			}
			for _, p := range []string{cs.ServerKeyFile, cs.ClientKeyFile, cs.CAKeyFile} {
				raw, _ := os.ReadFile(p)
				if b, _ := pem.Decode(raw); b == nil || b.Type != tt.keyType {
					t.Errorf("%s: want one %q block", p, tt.keyType)
				}
			}

			ca := readCert(t, cs.CAFile)
			if !ca.IsCA || !ca.BasicConstraintsValid {
				t.Error("root.pem is not a CA certificate")
			}
			roots := x509.NewCertPool()
			roots.AddCert(ca)
			wrongRoots := x509.NewCertPool()
			wrongRoots.AddCert(readCert(t, cs.WrongCAFile))

			server := readCert(t, cs.ServerCertFile)
			for _, h := range []string{"localhost", "qs-central-01", "127.0.0.1", "::1"} {
				if _, err := server.Verify(x509.VerifyOptions{DNSName: h, Roots: roots}); err != nil {
					t.Errorf("server cert for %s: %v", h, err)
				}
			}
			if tt.name == "ecdsa" {
				if !slices.Contains(server.DNSNames, "qs-rim-01.corp.example") {
					t.Errorf("server DNS SANs %v lack qs-rim-01.corp.example (lower-cased)", server.DNSNames)
				}
				if !slices.ContainsFunc(server.IPAddresses, func(ip net.IP) bool { return ip.Equal(net.ParseIP("10.0.0.5")) }) {
					t.Errorf("server IP SANs %v lack 10.0.0.5", server.IPAddresses)
				}
			}
			if server.Subject.CommonName != "qs-central-01" {
				t.Errorf("server CN %q", server.Subject.CommonName)
			}

			client := readCert(t, cs.ClientCertFile)
			if client.Subject.CommonName != "QlikClient" {
				t.Errorf("client CN %q, want QlikClient", client.Subject.CommonName)
			}
			clientUsage := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
			if _, err := client.Verify(clientUsage); err != nil {
				t.Errorf("client cert: %v", err)
			}
			if _, err := readCert(t, cs.WrongClientCertFile).Verify(clientUsage); err == nil {
				t.Error("wrong client cert verifies against root.pem")
			}
			if _, err := readCert(t, cs.WrongServerCertFile).Verify(x509.VerifyOptions{DNSName: "localhost", Roots: roots}); err == nil {
				t.Error("wrong server cert verifies against root.pem")
			}
			if _, err := readCert(t, cs.WrongServerCertFile).Verify(x509.VerifyOptions{DNSName: "localhost", Roots: wrongRoots}); err != nil {
				t.Errorf("wrong server cert against wrong root: %v", err)
			}

			for _, pair := range [][2]string{
				{cs.ServerCertFile, cs.ServerKeyFile}, {cs.ClientCertFile, cs.ClientKeyFile},
				{cs.WrongServerCertFile, cs.WrongServerKeyFile}, {cs.WrongClientCertFile, cs.WrongClientKeyFile},
			} {
				if _, err := tls.LoadX509KeyPair(pair[0], pair[1]); err != nil {
					t.Errorf("LoadX509KeyPair(%s): %v", filepath.Base(pair[0]), err)
				}
			}

			if cfg := cs.ServerTLSConfig(); cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil {
				t.Error("server TLS config does not require and verify client certificates")
			}
			if cfg := cs.ClientTLSConfig(); cfg.RootCAs == nil || len(cfg.Certificates) != 1 {
				t.Error("client TLS config lacks root CA or client certificate")
			}
		})
	}
}

func TestGenerateCertsRegenerate(t *testing.T) {
	dir := t.TempDir()
	a, err := GenerateCerts(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateCerts(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.CA.SerialNumber.Cmp(b.CA.SerialNumber) == 0 {
		t.Error("regenerated root has the same serial number")
	}
	if !readCert(t, b.CAFile).Equal(b.CA) {
		t.Error("root.pem was not overwritten")
	}
	if _, err := GenerateCerts("", nil); err == nil {
		t.Error("empty dir: no error")
	}
}

func TestEncryptedClientKey(t *testing.T) {
	tests := []struct {
		name, passphrase, want string
		keyType                KeyType
	}{
		{"default passphrase", "", DefaultKeyPassphrase, KeyECDSA},
		{"custom passphrase", "s3cret pass", "s3cret pass", KeyECDSA},
		{"rsa", "", DefaultKeyPassphrase, KeyRSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := GenerateCertsWithOptions(t.TempDir(), CertOptions{Passphrase: tt.passphrase, KeyType: tt.keyType})
			if err != nil {
				t.Fatal(err)
			}
			if cs.KeyPassphrase != tt.want {
				t.Errorf("KeyPassphrase %q, want %q", cs.KeyPassphrase, tt.want)
			}
			raw, err := os.ReadFile(cs.ClientKeyEncryptedFile)
			if err != nil {
				t.Fatal(err)
			}
			block, rest := pem.Decode(raw)
			if block == nil || len(bytes.TrimSpace(rest)) != 0 {
				t.Fatal("want exactly one PEM block")
			}
			if block.Headers["Proc-Type"] != "4,ENCRYPTED" {
				t.Errorf("Proc-Type %q", block.Headers["Proc-Type"])
			}
			if !strings.HasPrefix(block.Headers["DEK-Info"], "AES-256-CBC,") {
				t.Errorf("DEK-Info %q, want AES-256-CBC", block.Headers["DEK-Info"])
			}
			if !x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck
				t.Error("IsEncryptedPEMBlock = false")
			}
			der, err := x509.DecryptPEMBlock(block, []byte(tt.want)) //nolint:staticcheck
			if err != nil {
				t.Fatalf("decrypt: %v", err)
			}
			plainRaw, _ := os.ReadFile(cs.ClientKeyFile)
			plain, _ := pem.Decode(plainRaw)
			if !bytes.Equal(der, plain.Bytes) || block.Type != plain.Type {
				t.Error("decrypted key differs from client_key.pem")
			}
			// The decrypted key pairs with client.pem.
			certPEM, _ := os.ReadFile(cs.ClientCertFile)
			if _, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der})); err != nil {
				t.Errorf("decrypted key does not pair with client.pem: %v", err)
			}
			// A wrong passphrase either fails or (rarely, legacy PEM has
			// no MAC) yields different bytes.
			if bad, err := x509.DecryptPEMBlock(block, []byte("wrong")); err == nil && bytes.Equal(bad, der) { //nolint:staticcheck
				t.Error("wrong passphrase decrypted the key")
			}
		})
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, rest := pem.Decode(raw)
	if b == nil || b.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("%s: want exactly one CERTIFICATE block", path)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
