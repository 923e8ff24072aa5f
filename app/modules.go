package app

import (
	"encoding/json"
	"io"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agoracommerce/agora/platform/event/outbox"
	"github.com/agoracommerce/agora/platform/sqldb"
)

const apiDescription = "Agora is a headless commerce platform. `/store/...` serves shoppers; " +
	"`/admin/...` serves staff and integrations with a secret API key (`Authorization: Bearer <key>`). " +
	"Errors are RFC 9457 problem+json documents with a stable `code`. Every POST, PUT, PATCH and DELETE " +
	"accepts an `Idempotency-Key` header: a retry with the same key and body gets the first answer. " +
	"A key belongs to its caller: to the credential in `Authorization`, or for a guest to the cart named in the path, " +
	"or else to the client address; make keys unique (a random UUID)."

// Modules returns the registry of every module the binary knows, in the
// declared order of ARCHITECTURE.md §2.
func Modules() *Registry {
	r, err := NewRegistry(catalogModule(), customerModule(), pricingModule(), inventoryModule(), taxModule(), cartModule(), shippingModule(), paymentModule(), orderModule(), searchModule())
	if err != nil {
		panic(err) // the registry is fixed at compile time; a test covers it
	}
	return r
}

// Relay returns the outbox relay of module on db and reports its backlog as
// agora_outbox_pending{module}. The module's Running.Run runs it.
func (e *Env) Relay(module string, db *sqldb.DB) *outbox.Relay {
	rel := outbox.NewRelay(module, db, e.Bus, outbox.DefaultRelayConfig(), e.Log)
	e.Metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "agora_outbox_pending", Help: "Outbox rows waiting to be relayed, by module.",
		ConstLabels: prometheus.Labels{"module": module},
	}, func() float64 { return float64(rel.Pending()) }))
	return rel
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
