// flux-health: how Flux judges an object's health, with Flux's own code, for
// test/gitops.test.ts. Reads one JSON document on stdin,
//
//	{"healthCheckExprs": [ ...as in a Kustomization's spec... ], "objects": [ ... ]}
//
// and prints one JSON line per object:
//
//	{"kstatus": "Current", "kstatusMessage": "...", "flux": "InProgress", "fluxMessage": "...", "fluxError": "..."}
//
// kstatus is what Flux (and kstatus-based tools) conclude without healthCheckExprs:
// github.com/fluxcd/cli-utils' kstatus, status.Compute. flux is what Flux concludes with
// the given healthCheckExprs: kustomize-controller's status reader for them,
// github.com/fluxcd/pkg/runtime/cel NewStatusReader (the observedGeneration check, then
// inProgress, failed, current, else InProgress; an evaluation error is status Unknown
// with the error, which Flux keeps waiting on until the Kustomization's timeout).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/runtime/cel"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

type input struct {
	HealthCheckExprs []kustomize.CustomHealthCheck `json:"healthCheckExprs"`
	Objects          []json.RawMessage             `json:"objects"`
}

type verdict struct {
	Kstatus        string `json:"kstatus,omitempty"`
	KstatusMessage string `json:"kstatusMessage,omitempty"`
	KstatusError   string `json:"kstatusError,omitempty"`
	Flux           string `json:"flux,omitempty"`
	FluxMessage    string `json:"fluxMessage,omitempty"`
	FluxError      string `json:"fluxError,omitempty"`
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "flux-health: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	var in input
	if err := json.NewDecoder(bufio.NewReader(os.Stdin)).Decode(&in); err != nil {
		fail(2, "reading stdin: %v", err)
	}
	newReader, err := cel.NewStatusReader(in.HealthCheckExprs)
	if err != nil {
		fail(3, "%v", err)
	}
	reader := newReader(nil) // ReadStatusForObject needs no RESTMapper
	ctx := context.Background()
	out := json.NewEncoder(os.Stdout)
	for _, raw := range in.Objects {
		// Decoded as the controllers decode what the API server sends.
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			fail(4, "object: %v", err)
		}
		var v verdict
		if r, err := status.Compute(u); err != nil {
			v.KstatusError = err.Error()
		} else {
			v.Kstatus, v.KstatusMessage = string(r.Status), r.Message
		}
		if len(in.HealthCheckExprs) > 0 {
			rs, err := reader.ReadStatusForObject(ctx, nil, u)
			switch {
			case err != nil:
				v.FluxError = err.Error()
			default:
				v.Flux, v.FluxMessage = string(rs.Status), rs.Message
				if rs.Error != nil {
					v.FluxError = rs.Error.Error()
				}
			}
		}
		if err := out.Encode(v); err != nil {
			fail(5, "%v", err)
		}
	}
}
