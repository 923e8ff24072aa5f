package id

import (
	"encoding/base64"

	"github.com/agoracommerce/agora/platform/errs"
)

// Cursor is the opaque cursor of a list ordered by id whose page ended at
// lastID (the "next_cursor" of API.md lists).
func Cursor(lastID string) *string {
	c := base64.RawURLEncoding.EncodeToString([]byte(lastID))
	return &c
}

// After reads a cursor made by Cursor for a list of prefix ids and returns
// the id the next page starts after ("" for an empty cursor). Anything else
// is Invalid with the field "cursor".
func After(cursor, prefix string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !Valid(prefix, string(b)) {
		return "", errs.Validation(errs.Field("cursor", "is not a cursor of this list"))
	}
	return string(b), nil
}
