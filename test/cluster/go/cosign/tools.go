//go:build tools

// Keeps the binary's package in go.mod/go.sum under `go mod tidy`.
package tools

import _ "github.com/sigstore/cosign/v3/cmd/cosign"
