package bench

import (
	"context"
	"database/sql"
	"os"
	"testing"
)

// TestFreshSchema: B8's schema per size exists, is what the URL's
// connections use, and is gone after its drop.
func TestFreshSchema(t *testing.T) {
	base := os.Getenv("AGORA_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("AGORA_TEST_POSTGRES_URL not set")
	}
	ctx := context.Background()
	u, drop, err := freshSchema(ctx, base, "agora_b8_test_"+newRunID())
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if len(schema) < len("agora_b8_test_") || schema[:len("agora_b8_test_")] != "agora_b8_test_" {
		t.Fatalf("connections use schema %q", schema)
	}
	drop()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n); err != nil || n != 0 {
		t.Fatalf("schema %s after its drop: %d (%v)", schema, n, err)
	}
	if _, _, err := freshSchema(ctx, base, "bad;name"); err == nil {
		t.Fatal("a schema name with a semicolon was accepted")
	}
}
