package app

import (
	"github.com/prometheus/client_golang/prometheus"
)

// dbCollector exports each database's write transactions and the commits
// that made them durable (agora_db_transactions_total and
// agora_db_commits_total, by database: a module's name on SQLite,
// "shared" on PostgreSQL). Their ratio shows how many transactions SQLite's
// group commit puts in one disk sync.
type dbCollector struct {
	app          *App
	txs, commits *prometheus.Desc
}

func newDBCollector(a *App) *dbCollector {
	return &dbCollector{
		app:     a,
		txs:     prometheus.NewDesc("agora_db_transactions_total", "Write transactions committed.", []string{"database"}, nil),
		commits: prometheus.NewDesc("agora_db_commits_total", "Database commits (disk syncs) that made the write transactions durable.", []string{"database"}, nil),
	}
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.txs
	ch <- c.commits
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	a := c.app
	a.mu.Lock()
	defer a.mu.Unlock()
	emit := func(name string, txs, commits uint64) {
		ch <- prometheus.MustNewConstMetric(c.txs, prometheus.CounterValue, float64(txs), name)
		ch <- prometheus.MustNewConstMetric(c.commits, prometheus.CounterValue, float64(commits), name)
	}
	if a.shared != nil {
		txs, commits := a.shared.WriteStats()
		emit("shared", txs, commits)
	}
	for name, db := range a.dbs {
		txs, commits := db.WriteStats()
		emit(name, txs, commits)
	}
}
