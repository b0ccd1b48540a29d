// Choosing the router a Release asks for (spec.strategy.trafficRouting).
import type { ReleaseSpec } from "../../api/index.js";
import { GatewayAPIRouter } from "./gateway-api.js";
import { NginxRouter } from "./nginx.js";
import { ReplicaRatioRouter } from "./replica-ratio.js";
import type { TrafficRouter } from "./types.js";

export type { DesiredTraffic, RouterContext, TrafficObservation, TrafficRouter, VerificationMatch } from "./types.js";

export function routerFor(routing: NonNullable<ReleaseSpec["strategy"]>["trafficRouting"]): TrafficRouter {
  if (routing.gatewayAPI) return new GatewayAPIRouter(routing.gatewayAPI.httpRoute);
  if (routing.nginx) return new NginxRouter(routing.nginx.ingress);
  return new ReplicaRatioRouter();
}
