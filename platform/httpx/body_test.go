package httpx_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/agoracommerce/agora/platform/httpx"
)

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// TestBodyReadErrors: a body the client cut short, or one over a byte
// limit set outside the operation, is a 4xx problem, not a 500.
func TestBodyReadErrors(t *testing.T) {
	mux := http.NewServeMux()
	api := httpx.NewAPI(mux, "t", "1", "")
	type in struct {
		Body struct {
			Name string `json:"name"`
		}
	}
	huma.Register(api, huma.Operation{OperationID: "make", Method: "POST", Path: "/things"},
		func(context.Context, *in) (*struct{}, error) { return nil, nil })
	for _, tc := range []struct {
		name   string
		body   io.Reader
		status int
		code   string
	}{
		{"cut short", errReader{io.ErrUnexpectedEOF}, 400, "malformed_request"},
		{"over a limit", errReader{&http.MaxBytesError{Limit: 10}}, 413, "payload_too_large"},
	} {
		r := httptest.NewRequest("POST", "/things", tc.body)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != tc.status || !strings.Contains(w.Body.String(), `"code":"`+tc.code+`"`) {
			t.Errorf("%s: %d %s", tc.name, w.Code, w.Body)
		}
	}
}
