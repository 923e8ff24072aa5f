// Package checker drives randomly generated concurrent histories of
// shopper and staff requests through the HTTP API of one or several Agora
// processes, records every call and answer, and checks the history for
// linearizability against a sequential model (with porcupine) and the
// final state against invariants of money and stock.
//
// A history is generated from a seed: the test prints it, and
// -checker.seed=N replays it.
package checker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// Answer is what a request got.
type Answer struct {
	Status int
	Code   string // the problem's code, for errors
	Body   []byte
}

// Valid reports whether a is an answer a request may get: a 2xx, or a
// 4xx with a problem code. A transport error or a 5xx is not.
func (a Answer) Valid() bool {
	return a.Status >= 200 && a.Status < 300 || a.Status >= 400 && a.Status < 500 && a.Code != ""
}

// Client sends requests to several processes of one shop.
type Client struct {
	URLs     []string
	AdminKey string
	HTTP     *http.Client
}

// Do sends a request to the process at URLs[proc % len(URLs)]. admin
// adds the admin key; header holds further name, value pairs. A
// transport error is an Answer with status 0.
func (c *Client) Do(ctx context.Context, proc int, admin bool, method, path, body string, header ...string) Answer {
	var r io.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URLs[proc%len(c.URLs)]+path, r)
	if err != nil {
		return Answer{Body: []byte(err.Error())}
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if admin {
		req.Header.Set("Authorization", "Bearer "+c.AdminKey)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return Answer{Body: []byte(err.Error())}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := Answer{Status: res.StatusCode, Body: b}
	if res.StatusCode >= 400 {
		var p struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(b, &p)
		a.Code = p.Code
	}
	return a
}

// Must sends a request and fails tb unless it answers status; it decodes
// the body into out (when not nil).
func (c *Client) Must(tb testing.TB, proc int, admin bool, method, path, body string, status int, out any, header ...string) {
	tb.Helper()
	a := c.Do(context.Background(), proc, admin, method, path, body, header...)
	if a.Status != status {
		tb.Fatalf("%s %s: %d %s, want %d", method, path, a.Status, a.Body, status)
	}
	if out != nil {
		if err := json.Unmarshal(a.Body, out); err != nil {
			tb.Fatalf("%s %s: %v: %s", method, path, err, a.Body)
		}
	}
}

// History records the operations of concurrent clients, each call with
// the times it was sent and answered.
type History struct {
	mu    sync.Mutex
	start time.Time
	ops   []porcupine.Operation
}

// NewHistory returns an empty history.
func NewHistory() *History { return &History{start: time.Now()} }

// Record runs call as client and records its input and output.
func (h *History) Record(client int, input any, call func() any) any {
	return h.RecordSteps(client, []any{input}, call)
}

// RecordSteps runs call as client and records it as one operation per
// input, all with the call's times and output: a request whose effect
// takes several steps (a checkout reserves stock, then commits it), each
// of which the model places within the request, in an order the model
// enforces.
func (h *History) RecordSteps(client int, inputs []any, call func() any) any {
	begin := time.Since(h.start).Nanoseconds()
	out := call()
	end := time.Since(h.start).Nanoseconds()
	h.mu.Lock()
	for _, in := range inputs {
		h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: begin, Output: out, Return: end})
	}
	h.mu.Unlock()
	return out
}

// Operations returns what was recorded.
func (h *History) Operations() []porcupine.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]porcupine.Operation(nil), h.ops...)
}

// CheckLinearizable fails tb unless the history is linearizable under
// model. On failure it writes porcupine's visualization next to the test's
// temporary files and names it and the seed.
func CheckLinearizable(tb testing.TB, model porcupine.Model, h *History, seed int64) {
	tb.Helper()
	res, info := porcupine.CheckOperationsVerbose(model, h.Operations(), time.Minute)
	switch res {
	case porcupine.Ok:
		return
	case porcupine.Unknown:
		tb.Fatalf("seed %d: the linearizability check timed out", seed)
	}
	h.Log(tb, model, seed)
	dir, err := os.MkdirTemp("", "agora-checker-")
	file := filepath.Join(dir, fmt.Sprintf("history-%d.html", seed))
	if err == nil {
		err = porcupine.VisualizePath(model, info, file)
	}
	if err != nil {
		file = "(not written: " + err.Error() + ")"
	}
	tb.Fatalf("seed %d: the history is not linearizable; replay with -checker.seed=%d; visualization: %s", seed, seed, file)
}

// Log writes the history to tb's log, in the order the calls were sent.
func (h *History) Log(tb testing.TB, model porcupine.Model, seed int64) {
	tb.Helper()
	ops := h.Operations()
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].Call < ops[j].Call })
	var b strings.Builder
	for _, op := range ops {
		fmt.Fprintf(&b, "\n  client %3d  %8.3f–%8.3f ms  %s", op.ClientId, float64(op.Call)/1e6, float64(op.Return)/1e6, model.DescribeOperation(op.Input, op.Output))
	}
	tb.Logf("seed %d: the history:%s", seed, b.String())
}

// Busy reports whether a answers that another operation holds the
// resource: a refusal with no effect, which a model accepts in any state.
func Busy(a Answer, codes ...string) bool {
	if a.Status != http.StatusConflict {
		return false
	}
	for _, c := range codes {
		if a.Code == c {
			return true
		}
	}
	return false
}
