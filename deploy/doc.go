// Package deploy holds the tests of Agora's deployment artefacts: the
// Dockerfile, the compose file, the Helm chart, the alert rules and the
// dashboard. It is a module of its own so that the libraries that read
// them stay out of Agora's go.mod.
package deploy
