// The design of each workload (5.2) and the release's technical capacity at peak (6.2.1).
// A database StatefulSet and a web Deployment are designed apart: each declares its own replicas,
// high availability and per-container resources, and admission compares each with its own.
import { z } from "zod";
import { cel, ObjectName, WorkloadKind } from "./common.js";

const QUANTITY_RE = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const Quantity = (what: string) =>
  z.string().max(32).regex(QUANTITY_RE, { message: 'must be a Kubernetes quantity such as "500m", "2", "512Mi" or "10Gi"' }).describe(what);

const CpuMemory = (what: string) =>
  z
    .object({
      cpu: Quantity('CPU, such as "500m".').optional(),
      memory: Quantity('Memory, such as "512Mi".').optional(),
    })
    .describe(what);

export const ContainerDesign = z
  .object({
    name: ObjectName.describe("The container's name in the pod template."),
    requests: CpuMemory("The requests the design calls for: the container must request at least these.").optional(),
    limits: CpuMemory("The limits the design calls for: the container's limits must equal these.").optional(),
  })
  .describe("One container's designed resources.");

export const WorkloadDesign = cel(
  z
    .object({
      kind: WorkloadKind,
      name: ObjectName.describe("The workload's name; it must be one of spec.workloads."),
      minReplicas: z.int().min(0).max(10000).describe("The fewest replicas the design calls for (5.2 a); admission denies fewer, the operator reports running fewer."),
      maxReplicas: z.int().min(1).max(10000).optional().describe("The most replicas the design calls for; admission denies more."),
      highAvailability: z
        .object({
          spread: z.boolean().default(false).describe("Pods spread across nodes or zones: topologySpreadConstraints or required pod anti-affinity (5.2 b)."),
          podDisruptionBudget: z.boolean().default(false).describe("A PodDisruptionBudget selects the pods (5.2 b)."),
        })
        .optional()
        .describe("The high availability the design calls for."),
      containers: z.array(ContainerDesign).max(32).optional().describe("Per-container resources as designed (5.2 c); a listed container must exist."),
      connectionsPerPod: z.int().min(0).max(100_000_000).optional().describe("Concurrent connections one pod serves, as the performance test measured (6.2.1): the release's connections at peak are this times the replicas it can reach."),
    })
    .refine((d) => d.maxReplicas === undefined || d.minReplicas <= d.maxReplicas, { message: "minReplicas must not exceed maxReplicas" })
    .describe("The design of one workload of the release (5.2 a,b,c)."),
  { rule: "!has(self.maxReplicas) || self.minReplicas <= self.maxReplicas", message: "minReplicas must not exceed maxReplicas" },
);
export type WorkloadDesign = z.infer<typeof WorkloadDesign>;

export const PeakCapacity = z
  .object({
    pods: z.int().min(0).max(1_000_000).optional().describe("Pods the release must be able to run at peak."),
    cpu: Quantity('CPU the release must be able to request at peak, such as "16".').optional(),
    memory: Quantity('Memory the release must be able to request at peak, such as "64Gi".').optional(),
    connections: z.int().min(0).max(1_000_000_000).optional().describe("Concurrent connections at peak: the sum over workloads of connectionsPerPod times the replicas each can reach."),
    storage: Quantity('Persistent storage at peak, such as "500Gi": the StatefulSets\' volumeClaimTemplates times their replicas.').optional(),
  })
  .describe("Business capacity at peak turned into technical capacity (6.2.1): admission denies workloads that cannot reach it, counting each workload at its HorizontalPodAutoscaler's maxReplicas when one targets it, else at spec.replicas.");
export type PeakCapacity = z.infer<typeof PeakCapacity>;

export const DesignRules = z
  .object({
    requireWorkloadDesigns: z.boolean().default(false).describe("Every workload of a release must have its own entry in the Release's spec.designs (5.2); a workload without one is denied."),
  })
  .describe("Per-workload designs (5.2).");
