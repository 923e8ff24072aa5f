package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/errs"
)

func fastParams() auth.PasswordParams {
	p := auth.DefaultPasswordParams()
	p.Memory, p.Time = 64, 1
	return p
}

func TestPasswordHashVerify(t *testing.T) {
	ctx := context.Background()
	ps := auth.NewPasswords(fastParams(), 2)
	h, err := ps.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, "correct") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := ps.Hash(ctx, "correct horse battery")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if ok, rehash, err := ps.Verify(ctx, h, "correct horse battery"); !ok || rehash || err != nil {
		t.Fatalf("verify = %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := ps.Verify(ctx, h, "correct horse batterY"); ok {
		t.Fatal("wrong password accepted")
	}
	if ok, _, err := ps.Verify(ctx, "", "correct horse battery"); ok || err != nil {
		t.Fatalf("unknown account: %v %v", ok, err)
	}
	stronger := fastParams()
	stronger.Time = 2
	if ok, rehash, _ := auth.NewPasswords(stronger, 1).Verify(ctx, h, "correct horse battery"); !ok || !rehash {
		t.Fatalf("old parameters: ok=%v rehash=%v", ok, rehash)
	}
}

func TestPasswordLimits(t *testing.T) {
	ps := auth.NewPasswords(fastParams(), 1)
	for _, pw := range []string{"", "short", strings.Repeat("x", auth.MaxPassword+1)} {
		if _, err := ps.Hash(context.Background(), pw); !errs.Is(err, errs.Invalid) {
			t.Errorf("Hash(%d bytes) = %v, want Invalid", len(pw), err)
		}
	}
}

func TestPasswordQueueHonoursContext(t *testing.T) {
	ps := auth.NewPasswords(fastParams(), 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The one slot is free, so a canceled context may still win it; fill it
	// first through a concurrent hash that cannot finish before we look.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			_, _ = ps.Hash(context.Background(), "long enough password")
		}
	}()
	var busy bool
	for i := 0; i < 2000 && !busy; i++ {
		_, err := ps.Hash(ctx, "long enough password")
		busy = errs.Is(err, errs.Unavailable)
	}
	<-done
	if !busy {
		t.Fatal("a canceled caller never gave up waiting for a hashing slot")
	}
}

func TestToken(t *testing.T) {
	s, h := auth.NewToken("sess")
	if !strings.HasPrefix(s, "sess_") || len(s) != 5+48 {
		t.Fatalf("token %q", s)
	}
	if auth.HashToken(s) != h || strings.Contains(h, s[5:]) {
		t.Fatal("hash does not match")
	}
	if s2, _ := auth.NewToken("sess"); s2 == s {
		t.Fatal("tokens repeat")
	}
}
