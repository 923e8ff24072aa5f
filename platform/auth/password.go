package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/agoracommerce/agora/platform/errs"
)

// PasswordParams are the argon2id parameters of new password hashes.
// Stored hashes carry their own parameters, so raising these later still
// verifies old hashes (and Verify reports that they need a rehash).
type PasswordParams struct {
	Time    uint32 // iterations
	Memory  uint32 // KiB
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

// DefaultPasswordParams are OWASP's minimum for argon2id: 19 MiB of memory,
// two iterations, one lane.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Time: 2, Memory: 19 * 1024, Threads: 1, KeyLen: 32, SaltLen: 16}
}

// Password limits: a password is 8 to 256 bytes (longer ones would let a
// caller make hashing arbitrarily expensive).
const (
	MinPassword = 8
	MaxPassword = 256
)

// Passwords hashes and verifies passwords with argon2id. At most a fixed
// number of hashes run at once (each takes Memory KiB), so a burst of logins
// queues instead of exhausting memory; a caller whose context ends while
// queued gets Unavailable.
type Passwords struct {
	p     PasswordParams
	slots chan struct{}
	dummy string
}

// NewPasswords returns a hasher with params that runs at most concurrent
// hashes at once (at least one).
func NewPasswords(p PasswordParams, concurrent int) *Passwords {
	if concurrent < 1 {
		concurrent = 1
	}
	ps := &Passwords{p: p, slots: make(chan struct{}, concurrent)}
	ps.dummy = ps.encode(make([]byte, p.SaltLen), argon2.IDKey([]byte("agora"), make([]byte, p.SaltLen), p.Time, p.Memory, p.Threads, p.KeyLen), p)
	return ps
}

// CheckPassword returns a validation error when pw is too short or too long.
func CheckPassword(field, pw string) error {
	if len(pw) < MinPassword {
		return errs.Validation(errs.Field(field, "must have at least %d characters", MinPassword))
	}
	if len(pw) > MaxPassword {
		return errs.Validation(errs.Field(field, "must have at most %d bytes", MaxPassword))
	}
	return nil
}

func (ps *Passwords) acquire(ctx context.Context) error {
	select {
	case ps.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errs.E(errs.Unavailable, "busy", "too many password checks at once, try again")
	}
}

func (ps *Passwords) release() { <-ps.slots }

// Hash returns the PHC-format argon2id hash of pw
// ($argon2id$v=19$m=…,t=…,p=…$salt$key).
func (ps *Passwords) Hash(ctx context.Context, pw string) (string, error) {
	if err := CheckPassword("password", pw); err != nil {
		return "", err
	}
	salt := make([]byte, ps.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := ps.acquire(ctx); err != nil {
		return "", err
	}
	defer ps.release()
	key := argon2.IDKey([]byte(pw), salt, ps.p.Time, ps.p.Memory, ps.p.Threads, ps.p.KeyLen)
	return ps.encode(salt, key, ps.p), nil
}

func (ps *Passwords) encode(salt, key []byte, p PasswordParams) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether pw matches the stored hash, and whether the hash
// was made with other parameters than the current ones (so the caller can
// store a new hash after a successful login). An empty hash (an unknown
// account) is checked against a dummy hash so that the time taken does not
// tell whether an account exists; it never matches.
func (ps *Passwords) Verify(ctx context.Context, hash, pw string) (ok, rehash bool, err error) {
	known := hash != ""
	if !known {
		hash = ps.dummy
	}
	p, salt, key, perr := decodeHash(hash)
	if perr != nil {
		return false, false, perr
	}
	if len(pw) > MaxPassword {
		pw = pw[:MaxPassword]
		known = false
	}
	if err := ps.acquire(ctx); err != nil {
		return false, false, err
	}
	defer ps.release()
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1 && known
	rehash = ok && (p.Time != ps.p.Time || p.Memory != ps.p.Memory || p.Threads != ps.p.Threads || uint32(len(key)) != ps.p.KeyLen)
	return ok, rehash, nil
}

func decodeHash(h string) (p PasswordParams, salt, key []byte, err error) {
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, errs.E(errs.Internal, "", "stored password hash is not argon2id")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errs.E(errs.Internal, "", "stored password hash has an unknown version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errs.E(errs.Internal, "", "stored password hash has bad parameters")
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, errs.E(errs.Internal, "", "stored password hash has a bad salt")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) == 0 {
		return p, nil, nil, errs.E(errs.Internal, "", "stored password hash has a bad key")
	}
	p.SaltLen, p.KeyLen = len(salt), uint32(len(key))
	return p, salt, key, nil
}
