//go:build tools

// Keeps the binary's package in go.mod/go.sum under `go mod tidy`.
package tools

import _ "go.etcd.io/etcd/server/v3"
