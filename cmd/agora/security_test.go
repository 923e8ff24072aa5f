package main

import (
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/agoracommerce/agora/platform/ratelimit"
)

func parseServe(t *testing.T, env map[string]string, args ...string) (*CLI, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var cli CLI
	p, err := kong.New(&cli, kong.Name("agora"), kong.Exit(func(int) { t.Fatal("exit") }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Parse(append([]string{"serve"}, args...))
	return &cli, err
}

func TestSecurityFlagsDefaults(t *testing.T) {
	cli, err := parseServe(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cli.Serve.Security.config()
	if err != nil {
		t.Fatal(err)
	}
	if c.RateLimit != (ratelimit.Limit{Events: 100, Period: time.Second, Burst: 500}) || c.KeyRateLimit.Burst != 2000 ||
		len(c.RateLimitExempt) != 2 || c.CardTesting.Declines != 10 || c.CardTesting.Block != time.Hour || c.HSTSMaxAge != 8760*time.Hour {
		t.Errorf("defaults %+v", c)
	}
}

func TestSecurityFlagsFromEnvAndFlags(t *testing.T) {
	cli, err := parseServe(t, map[string]string{
		"AGORA_RATE_LIMIT":           "off",
		"AGORA_TRUSTED_PROXIES":      "10.0.0.0/8,192.168.1.1",
		"AGORA_CORS_ORIGINS":         "https://shop.example.com",
		"AGORA_CORS_CHANNEL_ORIGINS": "wholesale=https://b2b.example.com,https://b2b2.example.com;eu=https://eu.example.com",
		"AGORA_TLS_CERT_FILE":        "/etc/agora/cert.pem",
		"AGORA_TLS_KEY_FILE":         "/etc/agora/key.pem",
	}, "--rate-limit-key=60/m:10", "--rate-limit-exempt=none", "--card-testing-declines=0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cli.Serve.Security.config()
	if err != nil {
		t.Fatal(err)
	}
	if !c.RateLimit.Off() || c.KeyRateLimit != (ratelimit.Limit{Events: 60, Period: time.Minute, Burst: 10}) ||
		len(c.RateLimitExempt) != 0 || len(c.TrustedProxies) != 2 || !c.CardTesting.Off() ||
		len(c.CORSChannelOrigins["wholesale"]) != 2 || len(c.CORSChannelOrigins["eu"]) != 1 ||
		c.TLSCertFile != "/etc/agora/cert.pem" || c.TLSKeyFile != "/etc/agora/key.pem" {
		t.Errorf("parsed %+v", c)
	}
	if _, err := (SecurityFlags{RateLimit: "fast"}).config(); err == nil {
		t.Error("a malformed rate limit was accepted")
	}
}
