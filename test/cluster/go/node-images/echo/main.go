// echo answers every request with the pod that served it, so a test can count which backend
// (candidate or stable) a Service sent each request to. /ready is its readiness probe. It exits
// on TERM at once: a pod being deleted stops answering instead of lingering for the grace period.
// ECHO_STATUS sets the status code of every answer but /ready: a bad build that answers 500.
package main

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	host, _ := os.Hostname()
	addr := ":8080"
	if a := os.Getenv("ECHO_ADDR"); a != "" {
		addr = a
	}
	status := http.StatusOK
	if s, err := strconv.Atoi(os.Getenv("ECHO_STATUS")); err == nil && s >= 200 && s < 600 {
		status = s
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ready") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Pod", host)
		w.WriteHeader(status)
		fmt.Fprintf(w, "hello from %s version=%s path=%s remote=%s\n", host, os.Getenv("VERSION"), r.URL.Path, r.RemoteAddr)
	})
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		os.Exit(0)
	}()
	if err := http.ListenAndServe(addr, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
