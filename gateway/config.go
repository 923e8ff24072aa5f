package gateway

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/agoracommerce/agora/platform/cardguard"
	"github.com/agoracommerce/agora/platform/clientip"
	"github.com/agoracommerce/agora/platform/ratelimit"
	"github.com/agoracommerce/agora/platform/websec"
)

// Config is the abuse resistance and transport security of the HTTP API
// (docs/security.md).
type Config struct {
	// RateLimit is the token bucket of each client address; KeyRateLimit
	// the one of each credential (Authorization value). Off: no limit.
	RateLimit    ratelimit.Limit
	KeyRateLimit ratelimit.Limit
	// RateLimitExempt lists addresses or CIDR prefixes that are never
	// limited nor blocked (default: loopback).
	RateLimitExempt []string
	// TrustedProxies lists the proxies whose X-Forwarded-For names the
	// client (addresses or CIDR prefixes).
	TrustedProxies []string
	// CardTesting blocks clients with many payment declines at checkout.
	CardTesting cardguard.Config
	// CORSOrigins may call the API from a browser; CORSChannelOrigins may
	// for one sales channel (by name); CORSCredentials allows cookies and
	// Authorization cross-origin.
	CORSOrigins        []string
	CORSChannelOrigins map[string][]string
	CORSCredentials    bool
	// TLSCertFile and TLSKeyFile (PEM) make the server speak HTTPS.
	TLSCertFile string
	TLSKeyFile  string
	// HSTSMaxAge is the Strict-Transport-Security max-age sent over TLS.
	HSTSMaxAge time.Duration
}

// DefaultConfig: per address 100 requests/s with bursts of 500,
// per credential 500/s with bursts of 2,000 (far above what a shopper or
// a storefront page does), loopback exempt, card-testing guard on, no
// cross-origin callers, HSTS for a year when serving TLS.
func DefaultConfig() Config {
	return Config{
		RateLimit:       ratelimit.Limit{Events: 100, Period: time.Second, Burst: 500},
		KeyRateLimit:    ratelimit.Limit{Events: 500, Period: time.Second, Burst: 2000},
		RateLimitExempt: []string{"127.0.0.0/8", "::1"},
		CardTesting:     cardguard.DefaultConfig(),
		HSTSMaxAge:      websec.DefaultHeadersConfig().HSTSMaxAge,
	}
}

// Problems lists what is wrong with the configuration.
func (s Config) Problems() []string {
	var out []string
	if _, err := clientip.ParsePrefixes(s.RateLimitExempt); err != nil {
		out = append(out, "rate limit exempt: "+err.Error())
	}
	if _, err := clientip.ParsePrefixes(s.TrustedProxies); err != nil {
		out = append(out, "trusted proxies: "+err.Error())
	}
	if err := s.cors().Validate(); err != nil {
		out = append(out, err.Error())
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		out = append(out, "TLS needs both a certificate and a key file (AGORA_TLS_CERT_FILE and AGORA_TLS_KEY_FILE)")
	}
	if c := s.CardTesting; !c.Off() && (c.Declines > 10_000 || c.Window > 24*time.Hour || c.Block > 7*24*time.Hour) {
		out = append(out, "card testing: at most 10,000 declines, a window of 24h and a block of 7 days")
	}
	if s.CardTesting.Declines < 0 || s.HSTSMaxAge < 0 {
		out = append(out, "card-testing declines and HSTS max-age must not be negative")
	}
	return out
}

func (s Config) cors() websec.CORSConfig {
	return websec.CORSConfig{Origins: s.CORSOrigins, ChannelOrigins: s.CORSChannelOrigins, Credentials: s.CORSCredentials, MaxAge: 10 * time.Minute}
}

// TLS loads the configured certificate; nil when TLS is off.
func (s Config) TLS() (*tls.Config, error) {
	if s.TLSCertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(s.TLSCertFile, s.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// Scheme is "https" when the configuration serves TLS, else "http".
func (s Config) Scheme() string {
	if s.TLSCertFile != "" {
		return "https"
	}
	return "http"
}
