// oci-registry: an in-memory OCI registry for the integration tests, on loopback, plain HTTP.
//
// It serves cuelabs.dev/go/oci/ociregistry's ocimem backend through ociserver, which implements
// the OCI distribution spec v1.1 including the referrers API (GET /v2/<name>/referrers/<digest>,
// with artifactType filtering and the OCI-Subject header on manifest PUT). With
// -disable-referrers it answers the referrers endpoint with 404 like registries that lack it
// (distribution, GHCR), so clients fall back to the referrers tag schema (sha256-<hex> tags).
//
// Every request is logged to stderr as "METHOD /path status bytes", so a test's failure
// output shows what a client pushed and fetched. SIGTERM/SIGINT shut it down.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"cuelabs.dev/go/oci/ociregistry/ocimem"
	"cuelabs.dev/go/oci/ociregistry/ociserver"
)

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func main() {
	address := flag.String("address", "127.0.0.1:5000", "host:port to listen on (port 0 picks a free one)")
	disableReferrers := flag.Bool("disable-referrers", false, "answer the referrers API with 404, as registries without OCI 1.1 support do")
	immutableTags := flag.Bool("immutable-tags", false, "refuse to move or delete tags")
	quiet := flag.Bool("quiet", false, "do not log every request")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	backend := ocimem.NewWithConfig(&ocimem.Config{ImmutableTags: *immutableTags})
	handler := ociserver.New(backend, &ociserver.Options{DisableReferrersAPI: *disableReferrers})
	logged := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := &recorder{ResponseWriter: w}
		handler.ServeHTTP(rec, req)
		if rec.status == 0 {
			rec.status = http.StatusOK // nothing written: net/http sends 200
		}
		if !*quiet {
			log.Printf("%s %s %d %d", req.Method, req.URL.RequestURI(), rec.status, rec.bytes)
		}
	})

	listener, err := net.Listen("tcp", *address)
	if err != nil {
		log.Fatal(err)
	}
	server := &http.Server{Handler: logged, ReadHeaderTimeout: 10 * time.Second}
	// The line the test harness waits for; the address is the one actually bound.
	log.Printf("serving on %s (referrers API: %t)", listener.Addr(), !*disableReferrers)

	done := make(chan error, 1)
	go func() { done <- server.Serve(listener) }()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err := <-done:
		log.Fatal(err)
	case s := <-stop:
		log.Printf("%s: shutting down", s)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := server.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}
}
