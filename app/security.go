package app

import (
	"net/http"

	"github.com/agoracommerce/agora/access"
	"github.com/agoracommerce/agora/gateway"
	"github.com/agoracommerce/agora/platform/auth"
	"github.com/agoracommerce/agora/platform/module"
)

// SecurityConfig is the abuse resistance and transport security of the
// HTTP API: the gateway's configuration (docs/security.md).
type SecurityConfig = gateway.Config

// DefaultSecurityConfig returns gateway.DefaultConfig.
func DefaultSecurityConfig() SecurityConfig { return gateway.DefaultConfig() }

// publishableChannel is the sales channel of the request's publishable key
// ("" without one, or for a key that is unknown or revoked: the guard
// refuses those requests anyway). The access module resolves it (and
// caches its lookups).
func (a *App) publishableChannel(r *http.Request) string {
	tok := r.Header.Get(auth.PublishableKeyHeader)
	if tok == "" || a.env == nil {
		return ""
	}
	creds, ok, _ := module.Optional[auth.Credentials](a.env, access.Module)
	if !ok {
		return ""
	}
	ch, err := creds.Channel(r.Context(), tok)
	if err != nil {
		return ""
	}
	return ch
}

// SetChannelResolver replaces how CORS finds the sales channel of a
// request for the per-channel origins (by default: from its publishable
// key). Call it before Start.
func (a *App) SetChannelResolver(f func(*http.Request) string) { a.channelOf = f }

// Scheme is "https" when the server speaks TLS, else "http".
func (a *App) Scheme() string { return a.cfg.Security.Scheme() }
