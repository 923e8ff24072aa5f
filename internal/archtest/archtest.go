// Package archtest holds the architecture rules of ARCHITECTURE.md §2–3 as a
// test (modelled on Go's go/build/deps_test.go): the declared module order,
// what a contract package may import, and the shape of every module. A
// wrong import fails CI instead of waiting for review.
package archtest

// Layers is the declared order of ARCHITECTURE.md §2: a module may import
// the contract of, and call, only modules in earlier layers. Modules in one
// layer may not import each other.
var Layers = [][]string{
	{"access", "catalog", "customer"},
	{"pricing", "inventory", "tax"},
	{"promotion"},
	{"cart"},
	{"shipping", "payment"},
	{"order"},
	{"search", "recommend", "notify", "webhook", "analytics", "experiment", "automation"},
}

// Suffixes are the subpackages a module may have, named <module><suffix>;
// "stripe" is the payment provider adapter named for its dependency.
var Suffixes = []string{"svc", "sql", "http", "test", "seed", "index", "stripe", "mod"}

// ContractPlatform lists the platform packages a contract may import.
// platform/auth holds the primitives of who calls (Principal, Permission,
// Role) that the access module's contract is written in.
var ContractPlatform = []string{"platform/errs", "platform/money", "platform/event", "platform/id", "platform/auth"}

// Primitives lists platform packages that hold primitives only: no
// storage (database/sql, platform/sqldb). platform/auth checks callers;
// the access module stores keys, roles and staff.
var Primitives = []string{"platform/auth"}
