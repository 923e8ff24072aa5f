package customersvc

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Notifier delivers messages to customers. The module sends password reset
// tokens through it and never logs them.
type Notifier interface {
	PasswordReset(ctx context.Context, email, token string, expires time.Time) error
}

// DirNotifier writes each message as a file (readable only by the owner) in
// Dir, the way a development mail catcher would, and logs only that a
// message was written and where. It is the default until a mail provider
// is configured.
type DirNotifier struct {
	Dir string
	Log *slog.Logger
	Now func() time.Time
}

// PasswordReset implements Notifier.
func (d DirNotifier) PasswordReset(_ context.Context, email, token string, expires time.Time) error {
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return err
	}
	name := filepath.Join(d.Dir, fmt.Sprintf("%s-password-reset.txt", d.Now().UTC().Format("20060102T150405.000000000")))
	body := fmt.Sprintf("To: %s\nSubject: Reset your password\n\nUse this token to choose a new password before %s:\n\n%s\n",
		email, expires.UTC().Format(time.RFC3339), token)
	if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
		return err
	}
	d.Log.Info("password reset message written", "file", filepath.Base(name))
	return nil
}
