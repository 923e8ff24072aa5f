package httpx

import (
	"bytes"
	"encoding/json"
	"strings"
)

// secretFields are the names of JSON fields whose values are secrets.
var secretFields = map[string]bool{
	"secret": true, "password": true, "password_hash": true, "token": true, "access_token": true,
	"refresh_token": true, "session_token": true, "client_secret": true, "api_key": true,
}

// Redacted replaces the value of a secret field.
const Redacted = "[redacted]"

// RedactSecrets returns a JSON document with the values of its secret
// fields ("secret", "password", "token", "access_token", …, at any depth)
// replaced by Redacted, for copies of answers that are kept (the audit log,
// stored idempotent answers marked Cache-Control: no-store). It returns
// nil when body is not a JSON document.
func RedactSecrets(body []byte) json.RawMessage {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&v) != nil || dec.More() {
		return nil
	}
	out, err := json.Marshal(redact(v))
	if err != nil {
		return nil
	}
	return out
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if secretFields[strings.ToLower(k)] {
				t[k] = Redacted
			} else {
				t[k] = redact(x)
			}
		}
	case []any:
		for i, x := range t {
			t[i] = redact(x)
		}
	}
	return v
}
