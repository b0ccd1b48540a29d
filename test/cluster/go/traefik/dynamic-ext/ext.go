// Package ext stands in for Traefik's extension points of its dynamic configuration, a nested
// module of Traefik's source that its module zip leaves out: in the open-source build they carry
// no fields.
package ext

// HTTP extends dynamic.HTTP.
type HTTP struct{}

// Router extends dynamic.Router.
type Router struct{}
