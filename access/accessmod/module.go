// Package accessmod is the access module's definition: what it needs and
// how it starts in an Agora process (platform/module).
package accessmod

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/access/accesshttp"
	"github.com/agoracommerce/agora/access/accesssql"
	"github.com/agoracommerce/agora/access/accesssvc"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/httpx"
	"github.com/agoracommerce/agora/platform/module"
)

// Database is the database the module's tables live in. On SQLite they
// stay in the platform's file (platform.db), where they were made before
// access was a module, so that an existing data directory upgrades in
// place; on PostgreSQL every module shares one database anyway.
const Database = "platform"

// AdminKeyFile is where a first start without AGORA_ADMIN_KEY leaves the
// owner key it made, in the data dir, readable only by the user that runs
// Agora.
const AdminKeyFile = "admin-key"

// Module wires access: the store, the service, the admin routes, the
// request guard (admin callers and publishable keys) and the audit log's
// recorder, the batched writes of keys' last use, and an owner key for a
// new installation. It runs in every process: every admin route depends on
// its guard.
func Module() module.Module {
	return module.Module{
		Name:        access.Module,
		Client:      func(c *httpx.Client) any { return accesshttp.NewClient(c) },
		Always:      true,
		Permissions: accesshttp.Permissions,
		Migrate: func(ctx context.Context, h module.Host) error {
			db, err := h.DB(ctx, Database)
			if err != nil {
				return err
			}
			return accesssql.New(db).Migrate(ctx)
		},
		Start: func(ctx context.Context, env *module.Env) (*module.Running, error) {
			svc, err := open(ctx, env)
			if err != nil {
				return nil, err
			}
			if err := firstKey(ctx, env, svc); err != nil {
				return nil, err
			}
			accesshttp.Register(env.API, svc)
			env.Middleware(module.Authenticate, func(next http.Handler) http.Handler {
				// Every module registered its routes by now.
				doc := env.API.OpenAPI()
				accesshttp.DocumentGuard(doc)
				g := &auth.Guard{Credentials: svc, Routes: auth.RoutesOf(doc), Pattern: env.RoutePattern}
				return g.Middleware(next)
			})
			env.Middleware(module.Audit, (&accesshttp.Recorder{Log: svc}).Middleware)
			env.Provide(access.Module, access.Service(svc))
			return &module.Running{Run: svc.Run}, nil
		},
	}
}

// Open returns the module's service alone, its tables migrated, for a
// command that needs no server (`agora keys create`): no routes, no
// guard, no owner key made.
func Open(ctx context.Context, env *module.Env) (access.Service, error) {
	return open(ctx, env)
}

func open(ctx context.Context, env *module.Env) (*accesssvc.Service, error) {
	db, err := env.DB(ctx, Database)
	if err != nil {
		return nil, err
	}
	st := accesssql.New(db)
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	cfg := accesssvc.DefaultConfig()
	cfg.OwnerKey = env.Settings.AdminKey
	cfg.Permissions = env.Permissions()
	return accesssvc.New(st, cfg, env.Log.With("module", access.Module), env.Now)
}

// firstKey gives a new installation an owner key: without AGORA_ADMIN_KEY
// and with no key stored yet, it makes one and writes it to the data dir.
func firstKey(ctx context.Context, env *module.Env, svc *accesssvc.Service) error {
	if env.Settings.AdminKey != "" {
		return nil
	}
	n, err := svc.CountKeys(ctx)
	if err != nil || n > 0 {
		return err
	}
	key, err := svc.CreateKey(ctx, access.CreateKeyCommand{Role: auth.Owner, Name: "first start"})
	if err != nil {
		return err
	}
	path := filepath.Join(env.Settings.DataDir, AdminKeyFile)
	if err := os.MkdirAll(env.Settings.DataDir, 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(key.Secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing the first admin key: %w", err)
	}
	env.Log.Info("created an owner admin key for this new installation", "file", path)
	return nil
}

// AdminKeyHint tells an operator where the owner key is.
func AdminKeyHint(s module.Settings) string {
	if s.AdminKey != "" {
		return "the value of AGORA_ADMIN_KEY"
	}
	path := filepath.Join(s.DataDir, AdminKeyFile)
	if _, err := os.Stat(path); err == nil {
		return "in " + path
	}
	return "create one with `agora keys create --role owner`"
}
