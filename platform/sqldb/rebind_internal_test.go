package sqldb

import "testing"

// Rebind needs only the dialect, so it is tested here on a bare DB; the
// rebound queries also run for real on PostgreSQL in sqldb_test.go.
func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"", ""},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"INSERT INTO t (a, b, c) VALUES (?,?,?)", "INSERT INTO t (a, b, c) VALUES ($1,$2,$3)"},
		{"SELECT '?', ?", "SELECT '?', $1"},
		{"SELECT 'a ? b' || ? || 'c?'", "SELECT 'a ? b' || $1 || 'c?'"},
		{`SELECT "we?rd" FROM t WHERE x = ?`, `SELECT "we?rd" FROM t WHERE x = $1`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`SELECT '"?', ?, "'?"`, `SELECT '"?', $1, "'?"`},
		{"? ? ? ? ? ? ? ? ? ? ? ?", "$1 $2 $3 $4 $5 $6 $7 $8 $9 $10 $11 $12"},
	}
	pg := &DB{dialect: Postgres}
	lite := &DB{dialect: SQLite}
	for _, tt := range tests {
		for range 2 { // the second call is served from the cache
			if got := pg.Rebind(tt.in); got != tt.want {
				t.Errorf("postgres Rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
		if got := lite.Rebind(tt.in); got != tt.in {
			t.Errorf("sqlite Rebind(%q) = %q, want it unchanged", tt.in, got)
		}
	}
}
