//go:build tools

// Package tools pins Traefik's command in this wrapper module; build-traefik.sh builds it.
package tools

import _ "github.com/traefik/traefik/v3/cmd/traefik"
