//go:build tools

// Keeps the binary's package in go.mod/go.sum under `go mod tidy`.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
