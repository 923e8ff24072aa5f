package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// Client sends the scenarios' requests and counts them, so that the
// server's CPU can be divided by the requests it answered.
type Client struct {
	Base     string
	AdminKey string
	HTTP     *http.Client
	requests atomic.Int64
}

// NewClient returns a client of base with connections enough for the
// bench's concurrency.
func NewClient(base, adminKey string) *Client {
	tr := &http.Transport{
		MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, IdleConnTimeout: 90 * time.Second,
		DisableCompression: true,
	}
	return &Client{Base: base, AdminKey: adminKey, HTTP: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// Requests is the number of requests sent so far.
func (c *Client) Requests() int64 { return c.requests.Load() }

// StatusError is an answer with a status the caller did not expect.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

// Code returns the problem+json code of the answer, if any.
func (e *StatusError) Code() string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal([]byte(e.Body), &p)
	return p.Code
}

// Do sends a request (admin: with the admin key) with body encoded as JSON
// (nil: none), expects status want, and decodes the answer into out (nil:
// the body is read and dropped).
func (c *Client) Do(ctx context.Context, method, path string, admin bool, header map[string]string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if admin && c.AdminKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.AdminKey)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c.requests.Add(1)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return &StatusError{Method: method, Path: path, Status: resp.StatusCode, Body: string(b)}
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Get is a store GET expecting 200, its body dropped.
func (c *Client) Get(ctx context.Context, path string) error {
	return c.Do(ctx, http.MethodGet, path, false, nil, nil, nil, http.StatusOK)
}
