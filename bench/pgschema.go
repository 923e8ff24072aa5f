package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// freshSchema creates an empty schema on the PostgreSQL database of base
// and returns a URL whose connections use it (search_path), and a function
// that drops it: B8 seeds a fresh catalog for every size, which on
// PostgreSQL needs an empty place of its own.
func freshSchema(ctx context.Context, base, schema string) (string, func(), error) {
	schema = strings.ToLower(schema)
	for _, c := range schema {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return "", nil, fmt.Errorf("schema name %q: letters, digits and _ only", schema)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("--postgres: %w", err)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("creating schema %s: %w", schema, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		_, _ = db.ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	}
	return u.String(), drop, nil
}
