package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/agoracommerce/agora/app"
	"github.com/agoracommerce/agora/platform/ratelimit"
)

// SecurityFlags are the serve options of docs/security.md: rate limits,
// the card-testing guard, CORS and TLS.
type SecurityFlags struct {
	RateLimit          string            `help:"Requests per client address: EVENTS/UNIT[:BURST] (UNIT s, m or h), or off." default:"100/s:500" env:"AGORA_RATE_LIMIT" name:"rate-limit"`
	KeyRateLimit       string            `help:"Requests per credential (Authorization value): EVENTS/UNIT[:BURST], or off." default:"500/s:2000" env:"AGORA_RATE_LIMIT_KEY" name:"rate-limit-key"`
	RateLimitExempt    []string          `help:"Addresses or CIDR prefixes never rate-limited nor blocked (comma-separated; empty: none)." default:"127.0.0.0/8,::1" env:"AGORA_RATE_LIMIT_EXEMPT" name:"rate-limit-exempt"`
	TrustedProxies     []string          `help:"Proxies (addresses or CIDR prefixes) whose X-Forwarded-For names the client." env:"AGORA_TRUSTED_PROXIES" name:"trusted-proxies"`
	CardDeclines       int               `help:"Payment declines at checkout from one client address that block its checkouts (0: off)." default:"10" env:"AGORA_CARD_TESTING_DECLINES" name:"card-testing-declines"`
	CardWindow         time.Duration     `help:"Window in which the declines are counted." default:"10m" env:"AGORA_CARD_TESTING_WINDOW" name:"card-testing-window"`
	CardBlock          time.Duration     `help:"How long a client's checkouts stay blocked." default:"1h" env:"AGORA_CARD_TESTING_BLOCK" name:"card-testing-block"`
	CORSOrigins        []string          `help:"Browser origins allowed to call the API (comma-separated, e.g. https://shop.example.com; * for any, without credentials)." env:"AGORA_CORS_ORIGINS" name:"cors-origins"`
	CORSChannelOrigins map[string]string `help:"Origins allowed per sales channel: CHANNEL=ORIGIN[,ORIGIN…], pairs separated by ;." env:"AGORA_CORS_CHANNEL_ORIGINS" name:"cors-channel-origins" mapsep:";"`
	CORSCredentials    bool              `help:"Let browsers send cookies and Authorization cross-origin." env:"AGORA_CORS_CREDENTIALS" name:"cors-credentials"`
	TLSCertFile        string            `help:"PEM certificate (chain) to serve HTTPS." env:"AGORA_TLS_CERT_FILE" name:"tls-cert-file" type:"path"`
	TLSKeyFile         string            `help:"PEM private key of the certificate." env:"AGORA_TLS_KEY_FILE" name:"tls-key-file" type:"path"`
	HSTSMaxAge         time.Duration     `help:"Strict-Transport-Security max-age sent over HTTPS (0: none)." default:"8760h" env:"AGORA_HSTS_MAX_AGE" name:"hsts-max-age"`
}

// config turns the flags into the app's security configuration.
func (f SecurityFlags) config() (app.SecurityConfig, error) {
	c := app.DefaultSecurityConfig()
	var err error
	if c.RateLimit, err = ratelimit.ParseLimit(f.RateLimit); err != nil {
		return c, fmt.Errorf("--rate-limit: %w", err)
	}
	if c.KeyRateLimit, err = ratelimit.ParseLimit(f.KeyRateLimit); err != nil {
		return c, fmt.Errorf("--rate-limit-key: %w", err)
	}
	c.RateLimitExempt, c.TrustedProxies = nonEmpty(f.RateLimitExempt), nonEmpty(f.TrustedProxies)
	c.CardTesting.Declines, c.CardTesting.Window, c.CardTesting.Block = f.CardDeclines, f.CardWindow, f.CardBlock
	c.CORSOrigins, c.CORSCredentials = nonEmpty(f.CORSOrigins), f.CORSCredentials
	if len(f.CORSChannelOrigins) > 0 {
		c.CORSChannelOrigins = map[string][]string{}
		for ch, list := range f.CORSChannelOrigins {
			c.CORSChannelOrigins[strings.TrimSpace(ch)] = nonEmpty(strings.Split(list, ","))
		}
	}
	c.TLSCertFile, c.TLSKeyFile, c.HSTSMaxAge = f.TLSCertFile, f.TLSKeyFile, f.HSTSMaxAge
	return c, nil
}

func nonEmpty(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" && s != "none" {
			out = append(out, s)
		}
	}
	return out
}
