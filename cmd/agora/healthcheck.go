package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// HealthcheckCmd probes a health endpoint and exits 0 when it answers 2xx,
// 1 otherwise: the container health check of an image without curl.
type HealthcheckCmd struct {
	URL     string        `help:"Endpoint to probe." default:"http://127.0.0.1:8080/readyz" env:"AGORA_HEALTHCHECK_URL"`
	Timeout time.Duration `help:"How long the probe may take." default:"3s"`
}

// Run probes once.
func (h *HealthcheckCmd) Run() error {
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s answered %s", h.URL, resp.Status)
	}
	return nil
}
