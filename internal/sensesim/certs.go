package sensesim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File names of a certificate set. The first five are what a QMC
// "Certificate export" in PEM format writes (the real export has no
// root_key.pem: the simulator keeps the root key so it can sign).
const (
	CAFileName                 = "root.pem"
	CAKeyFileName              = "root_key.pem"
	ServerCertFileName         = "server.pem"
	ServerKeyFileName          = "server_key.pem"
	ClientCertFileName         = "client.pem"
	ClientKeyFileName          = "client_key.pem"
	ClientKeyEncryptedFileName = "client_key_encrypted.pem"
	// WrongDirName is the subdirectory holding the "wrong" certificate
	// set: a second, unrelated root CA with its own server and client
	// certificates, under the same file names.
	WrongDirName = "wrong"
)

// DefaultKeyPassphrase encrypts client_key_encrypted.pem unless
// CertOptions.Passphrase says otherwise.
const DefaultKeyPassphrase = "sensesim"

// DefaultClientCommonName is the subject CN of the client certificate, as in
// a real QMC export.
const DefaultClientCommonName = "QlikClient"

// KeyType selects the key algorithm of generated certificates.
type KeyType int

const (
	// KeyECDSA uses ECDSA P-256 keys (fast; the default).
	KeyECDSA KeyType = iota
	// KeyRSA uses RSA 2048 keys, like a real Qlik Sense certificate export
	// (slower to generate).
	KeyRSA
)

// CertOptions configures GenerateCertsWithOptions. The zero value is usable.
type CertOptions struct {
	// Hosts are extra subject alternative names of the server certificates
	// (DNS names or IP literals). localhost, 127.0.0.1 and ::1 are always
	// included.
	Hosts []string
	// KeyType is the key algorithm; zero means ECDSA P-256.
	KeyType KeyType
	// Passphrase encrypts client_key_encrypted.pem. Empty means
	// DefaultKeyPassphrase.
	Passphrase string
	// ClientCommonName is the client certificate's subject CN. Empty means
	// DefaultClientCommonName ("QlikClient").
	ClientCommonName string
	// ValidFor is the validity period of every certificate, starting one
	// hour in the past. Zero means one year.
	ValidFor time.Duration
}

// CertFiles are the absolute paths of a generated certificate set (all PEM)
// and the passphrase of the encrypted client key. It is embedded in CertSet
// and is part of the SiteInfo JSON.
type CertFiles struct {
	Dir string `json:"dir"`
	// CAFile is the root CA certificate (root.pem) that signs the server
	// and client certificates; clients trust it, servers verify client
	// certificates against it.
	CAFile string `json:"ca_file"`
	// CAKeyFile is the root CA's private key (root_key.pem).
	CAKeyFile string `json:"ca_key_file"`
	// ServerCertFile and ServerKeyFile are the certificate and key every
	// simulated Sense server presents (server.pem, server_key.pem).
	ServerCertFile string `json:"server_cert_file"`
	ServerKeyFile  string `json:"server_key_file"`
	// ClientCertFile and ClientKeyFile are the client certificate
	// (CN=QlikClient) and its unencrypted key (client.pem, client_key.pem).
	ClientCertFile string `json:"client_cert_file"`
	ClientKeyFile  string `json:"client_key_file"`
	// ClientKeyEncryptedFile is the same client key, encrypted with
	// KeyPassphrase in legacy PEM encryption (Proc-Type: 4,ENCRYPTED,
	// DEK-Info: AES-256-CBC), readable with x509.DecryptPEMBlock.
	ClientKeyEncryptedFile string `json:"client_key_encrypted_file"`
	KeyPassphrase          string `json:"key_passphrase"`
	// The "wrong" set (subdirectory wrong/): an unrelated root CA and a
	// server and client certificate signed by it. Servers reject the
	// wrong client certificate; clients reject the wrong server
	// certificate (served by the WrongCert fault).
	WrongCAFile         string `json:"wrong_ca_file"`
	WrongServerCertFile string `json:"wrong_server_cert_file"`
	WrongServerKeyFile  string `json:"wrong_server_key_file"`
	WrongClientCertFile string `json:"wrong_client_cert_file"`
	WrongClientKeyFile  string `json:"wrong_client_key_file"`
}

// CertSet is a generated certificate set: the file paths (CertFiles,
// embedded) plus the parsed certificates, ready for tls.Config.
type CertSet struct {
	CertFiles

	// Hosts are the subject alternative names of both server certificates.
	Hosts []string

	CA              *x509.Certificate
	CAPool          *x509.CertPool // contains only CA
	ServerCert      tls.Certificate
	ClientCert      tls.Certificate
	WrongCA         *x509.Certificate
	WrongCAPool     *x509.CertPool // contains only WrongCA
	WrongServerCert tls.Certificate
	WrongClientCert tls.Certificate
}

// GenerateCerts generates a certificate set into dir (created if needed;
// existing files are overwritten) with ECDSA P-256 keys. hosts are extra
// server certificate SANs besides localhost, 127.0.0.1 and ::1. See
// GenerateCertsWithOptions.
func GenerateCerts(dir string, hosts []string) (*CertSet, error) {
	return GenerateCertsWithOptions(dir, CertOptions{Hosts: hosts})
}

// GenerateCertsWithOptions generates, into dir:
//
//	root.pem, root_key.pem          root CA "<first host>-CA" and its key
//	server.pem, server_key.pem      server certificate (serverAuth+clientAuth), SANs = Hosts
//	client.pem, client_key.pem      client certificate CN=QlikClient (clientAuth)
//	client_key_encrypted.pem        client key, legacy PEM encryption with AES-256
//	wrong/root.pem, wrong/root_key.pem, wrong/server.pem, wrong/server_key.pem,
//	wrong/client.pem, wrong/client_key.pem
//	                                the same from a second, unrelated root CA
//
// Keys are written as "EC PRIVATE KEY" (SEC 1) or "RSA PRIVATE KEY"
// (PKCS #1), the forms a QMC export and legacy PEM encryption use. Key files
// are mode 0600. Keys and serial numbers come from crypto/rand, so every call
// produces different certificates.
func GenerateCertsWithOptions(dir string, opts CertOptions) (*CertSet, error) {
	if dir == "" {
		return nil, errors.New("sensesim: empty certificate directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sensesim: %w", err)
	}
	if opts.Passphrase == "" {
		opts.Passphrase = DefaultKeyPassphrase
	}
	if opts.ClientCommonName == "" {
		opts.ClientCommonName = DefaultClientCommonName
	}
	if opts.ValidFor <= 0 {
		opts.ValidFor = 365 * 24 * time.Hour
	}
	hosts := certHosts(opts.Hosts)
	var dnsNames []string
	var ips []net.IP
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else {
			dnsNames = append(dnsNames, h)
		}
	}
	serverCN := "localhost"
	for _, h := range dnsNames {
		if h != "localhost" {
			serverCN = h
			break
		}
	}
	caName := serverCN + "-CA"
	g := certGen{keyType: opts.KeyType, notBefore: time.Now().Add(-time.Hour).Truncate(time.Second)}
	g.notAfter = g.notBefore.Add(opts.ValidFor)

	cs := &CertSet{Hosts: hosts}
	cs.Dir = abs
	wrongDir := filepath.Join(abs, WrongDirName)
	if err := os.MkdirAll(wrongDir, 0o755); err != nil {
		return nil, fmt.Errorf("sensesim: %w", err)
	}

	type issued struct {
		ca                 *x509.Certificate
		caKey              crypto.Signer
		server, client     tls.Certificate
		clientKey          crypto.Signer
		caPEM, caKeyPEM    []byte
		serverPEM, srvKey  []byte
		clientPEM, cliKey  []byte
		clientKeyDER       []byte
		clientKeyBlockType string
	}
	issue := func(caCN, orgUnit string) (*issued, error) {
		var is issued
		var err error
		is.ca, is.caKey, is.caPEM, is.caKeyPEM, err = g.rootCA(caCN, orgUnit)
		if err != nil {
			return nil, err
		}
		var srvKey crypto.Signer
		is.server, srvKey, is.serverPEM, err = g.leaf(is.ca, is.caKey, serverCN, dnsNames, ips, true)
		if err != nil {
			return nil, err
		}
		if is.srvKey, _, _, err = encodeKey(srvKey); err != nil {
			return nil, err
		}
		is.client, is.clientKey, is.clientPEM, err = g.leaf(is.ca, is.caKey, opts.ClientCommonName, nil, nil, false)
		if err != nil {
			return nil, err
		}
		if is.cliKey, is.clientKeyDER, is.clientKeyBlockType, err = encodeKey(is.clientKey); err != nil {
			return nil, err
		}
		return &is, nil
	}
	right, err := issue(caName, "Qlik Sense (simulated)")
	if err != nil {
		return nil, fmt.Errorf("sensesim: generate certificates: %w", err)
	}
	wrong, err := issue("wrong-sensesim-CA", "Unrelated CA")
	if err != nil {
		return nil, fmt.Errorf("sensesim: generate certificates: %w", err)
	}

	//nolint:staticcheck // legacy PEM encryption on purpose (see ClientKeyEncryptedFile)
	encBlock, err := x509.EncryptPEMBlock(rand.Reader, right.clientKeyBlockType, right.clientKeyDER, []byte(opts.Passphrase), x509.PEMCipherAES256)
	if err != nil {
		return nil, fmt.Errorf("sensesim: encrypt client key: %w", err)
	}

	j := func(d, name string) string { return filepath.Join(d, name) }
	cs.CAFile, cs.CAKeyFile = j(abs, CAFileName), j(abs, CAKeyFileName)
	cs.ServerCertFile, cs.ServerKeyFile = j(abs, ServerCertFileName), j(abs, ServerKeyFileName)
	cs.ClientCertFile, cs.ClientKeyFile = j(abs, ClientCertFileName), j(abs, ClientKeyFileName)
	cs.ClientKeyEncryptedFile = j(abs, ClientKeyEncryptedFileName)
	cs.KeyPassphrase = opts.Passphrase
	cs.WrongCAFile = j(wrongDir, CAFileName)
	cs.WrongServerCertFile, cs.WrongServerKeyFile = j(wrongDir, ServerCertFileName), j(wrongDir, ServerKeyFileName)
	cs.WrongClientCertFile, cs.WrongClientKeyFile = j(wrongDir, ClientCertFileName), j(wrongDir, ClientKeyFileName)

	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{cs.CAFile, right.caPEM, 0o644},
		{cs.CAKeyFile, right.caKeyPEM, 0o600},
		{cs.ServerCertFile, right.serverPEM, 0o644},
		{cs.ServerKeyFile, right.srvKey, 0o600},
		{cs.ClientCertFile, right.clientPEM, 0o644},
		{cs.ClientKeyFile, right.cliKey, 0o600},
		{cs.ClientKeyEncryptedFile, pem.EncodeToMemory(encBlock), 0o600},
		{cs.WrongCAFile, wrong.caPEM, 0o644},
		{j(wrongDir, CAKeyFileName), wrong.caKeyPEM, 0o600},
		{cs.WrongServerCertFile, wrong.serverPEM, 0o644},
		{cs.WrongServerKeyFile, wrong.srvKey, 0o600},
		{cs.WrongClientCertFile, wrong.clientPEM, 0o644},
		{cs.WrongClientKeyFile, wrong.cliKey, 0o600},
	}
	for _, f := range files {
		if err := writeFileAtomic(f.path, f.data, f.mode); err != nil {
			return nil, fmt.Errorf("sensesim: %w", err)
		}
	}

	cs.CA, cs.WrongCA = right.ca, wrong.ca
	cs.CAPool, cs.WrongCAPool = x509.NewCertPool(), x509.NewCertPool()
	cs.CAPool.AddCert(right.ca)
	cs.WrongCAPool.AddCert(wrong.ca)
	cs.ServerCert, cs.ClientCert = right.server, right.client
	cs.WrongServerCert, cs.WrongClientCert = wrong.server, wrong.client
	return cs, nil
}

// ServerTLSConfig returns a new server configuration: presents ServerCert,
// requires a client certificate and verifies it against the root CA
// (tls.RequireAndVerifyClientCert), TLS 1.2 or later, HTTP/1.1 only.
func (c *CertSet) ServerTLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{c.ServerCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    c.CAPool,
		NextProtos:   []string{"http/1.1"},
	}
}

// ClientTLSConfig returns a new client configuration that trusts the root CA
// and presents the client certificate (CN=QlikClient).
func (c *CertSet) ClientTLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		RootCAs:      c.CAPool,
		Certificates: []tls.Certificate{c.ClientCert},
	}
}

// WrongClientTLSConfig returns a new client configuration that trusts the
// right root CA but presents the wrong CA's client certificate: servers
// reject its handshake.
//
// The certificate is sent even though the server's certificate request names
// only the right CA (tls.Config.GetClientCertificate; with
// tls.Config.Certificates Go would send no certificate at all).
func (c *CertSet) WrongClientTLSConfig() *tls.Config {
	cfg := c.ClientTLSConfig()
	cfg.Certificates = nil
	wrong := c.WrongClientCert
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &wrong, nil }
	return cfg
}

// certHosts returns localhost, 127.0.0.1, ::1 and then extra, without
// duplicates or empty names.
func certHosts(extra []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, h := range append([]string{"localhost", "127.0.0.1", "::1"}, extra...) {
		h = strings.TrimSpace(h)
		if ip := net.ParseIP(h); ip != nil {
			h = ip.String()
		} else {
			h = strings.ToLower(h)
		}
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, h)
	}
	return out
}

type certGen struct {
	keyType             KeyType
	notBefore, notAfter time.Time
}

func (g certGen) newKey() (crypto.Signer, error) {
	if g.keyType == KeyRSA {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func (g certGen) rootCA(cn, orgUnit string) (cert *x509.Certificate, key crypto.Signer, certPEM, keyPEM []byte, err error) {
	if key, err = g.newKey(); err != nil {
		return
	}
	serial, err := serialNumber()
	if err != nil {
		return
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, OrganizationalUnit: []string{orgUnit}},
		NotBefore:             g.notBefore,
		NotAfter:              g.notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		return
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM, _, _, err = encodeKey(key)
	return
}

// leaf issues a server (server=true: serverAuth+clientAuth, as Qlik's
// server certificates) or client (clientAuth) certificate.
func (g certGen) leaf(ca *x509.Certificate, caKey crypto.Signer, cn string, dnsNames []string, ips []net.IP, server bool) (tls.Certificate, crypto.Signer, []byte, error) {
	key, err := g.newKey()
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	ku := x509.KeyUsageDigitalSignature
	if g.keyType == KeyRSA {
		ku |= x509.KeyUsageKeyEncipherment
	}
	eku := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if server {
		eku = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    g.notBefore,
		NotAfter:     g.notAfter,
		KeyUsage:     ku,
		ExtKeyUsage:  eku,
		DNSNames:     dnsNames,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	tc := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	return tc, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// encodeKey returns the PEM encoding of key in its traditional form (EC
// PRIVATE KEY / RSA PRIVATE KEY), the DER and the PEM block type.
func encodeKey(key crypto.Signer) (pemBytes, der []byte, blockType string, err error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		der, err = x509.MarshalECPrivateKey(k)
		blockType = "EC PRIVATE KEY"
	case *rsa.PrivateKey:
		der = x509.MarshalPKCS1PrivateKey(k)
		blockType = "RSA PRIVATE KEY"
	default:
		err = fmt.Errorf("unsupported key type %T", key)
	}
	if err != nil {
		return nil, nil, "", err
	}
	return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), der, blockType, nil
}

// writeFileAtomic writes data to a temporary file in path's directory and
// renames it over path, so a reader (e.g. a collector reloading its
// certificates) never sees a half-written file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
