package senseapi

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"

	"github.com/youmark/pkcs8"
)

// A client key exported from the QMC with a password is legacy encrypted PEM
// ("Proc-Type: 4,ENCRYPTED"); one an operator re-encrypted with OpenSSL 3
// (openssl pkcs8 -topk8, or any openssl command with a cipher) is PKCS#8
// "ENCRYPTED PRIVATE KEY" with PBES2. Go's standard library reads the first
// only; github.com/youmark/pkcs8 reads the second (PBKDF2 with HMAC-SHA1 or
// SHA-256, or scrypt; AES-CBC, AES-GCM or 3DES-CBC).

// isEncryptedKey reports whether a PEM key block needs a passphrase.
func isEncryptedKey(block *pem.Block) bool {
	//nolint:staticcheck // legacy PEM encryption is what the QMC export uses
	return block.Type == "ENCRYPTED PRIVATE KEY" || x509.IsEncryptedPEMBlock(block)
}

// decryptKey reads the key (from path, or keyPEM when path is empty) and
// returns it as unencrypted PEM; a key that is not encrypted is returned as
// it is.
func decryptKey(path string, keyPEM []byte, passphrase string) ([]byte, error) {
	raw := keyPEM
	if path != "" {
		var err error
		if raw, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("tls.key_file: %w", err)
		}
		raw = bytes.TrimPrefix(raw, utf8BOM) // as inlineBOMFiles: PEM reading stops at the mark
	} else {
		path = "tls.key_pem"
	}
	block := pemBlock(raw, func(typ string) bool { return strings.HasSuffix(typ, "PRIVATE KEY") })
	if block == nil {
		return nil, fmt.Errorf("tls.key_file: %q holds no PEM private key (expected the QMC export's client_key.pem)", path)
	}
	if !isEncryptedKey(block) {
		return raw, nil
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" {
		key, err := pkcs8.ParsePKCS8PrivateKey(block.Bytes, []byte(passphrase))
		if err != nil {
			return nil, fmt.Errorf("key_passphrase: cannot decrypt %q (wrong passphrase, a damaged key, or an encryption other than PBES2; re-encrypt with: openssl pkcs8 -topk8 -v2 aes-256-cbc): %w", path, err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("key_passphrase: %q: %w", path, err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	}
	//nolint:staticcheck // see isEncryptedKey
	der, err := x509.DecryptPEMBlock(block, []byte(passphrase))
	if err == nil && !parsesAsKey(block.Type, der) {
		// Legacy PEM encryption has no integrity check: a wrong passphrase
		// passes its padding check about once in 256 tries and gives bytes
		// that are no key, which TLS would then report as unparsable.
		err = x509.IncorrectPasswordError
	}
	if err != nil {
		return nil, fmt.Errorf("key_passphrase: cannot decrypt %q: %w", path, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der}), nil
}

// parsesAsKey reports whether der is a private key of the PEM block type
// typ ("RSA PRIVATE KEY", "EC PRIVATE KEY"; PKCS#8 for any other).
func parsesAsKey(typ string, der []byte) bool {
	var err error
	switch typ {
	case "RSA PRIVATE KEY":
		_, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		_, err = x509.ParseECPrivateKey(der)
	default:
		_, err = x509.ParsePKCS8PrivateKey(der)
	}
	return err == nil
}
