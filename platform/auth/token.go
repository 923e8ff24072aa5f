package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// NewToken returns a new opaque secret "<prefix>_<48 base32 chars>" (240
// random bits) and the hash under which to store it. The secret itself is
// never stored: a stolen database cannot be replayed.
func NewToken(prefix string) (secret, hash string) {
	var b [30]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	secret = prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	return secret, HashToken(secret)
}

// HashToken is the stored form of a token made by NewToken (or of an API
// key): hex SHA-256. The secrets are long and random, so a fast hash is
// enough; passwords use Passwords instead.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
