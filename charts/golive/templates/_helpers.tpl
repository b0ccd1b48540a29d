{{/* Names, labels and shared pod settings. */}}

{{- define "golive.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "golive.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "golive.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "golive.labels" -}}
helm.sh/chart: {{ include "golive.chart" . }}
app.kubernetes.io/name: {{ include "golive.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: golive
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: include with (dict "ctx" $ "component" "webhook"). */}}
{{- define "golive.selectorLabels" -}}
app.kubernetes.io/name: {{ include "golive.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "golive.componentLabels" -}}
{{ include "golive.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "golive.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create -}}
{{- default (printf "%s-operator" (include "golive.fullname" .)) .Values.operator.serviceAccount.name -}}
{{- else -}}
{{- required "operator.serviceAccount.name is required when operator.serviceAccount.create is false" .Values.operator.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "golive.webhook.serviceAccountName" -}}
{{- if .Values.webhook.serviceAccount.create -}}
{{- default (printf "%s-webhook" (include "golive.fullname" .)) .Values.webhook.serviceAccount.name -}}
{{- else -}}
{{- required "webhook.serviceAccount.name is required when webhook.serviceAccount.create is false" .Values.webhook.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Fixed names the webhook uses (webhook/tls.ts TLS_SECRET_NAME, webhook/configuration.ts
CONFIGURATION_NAME): one golive per cluster. */}}
{{- define "golive.webhook.tlsSecretName" -}}
golive-webhook-tls
{{- end -}}

{{- define "golive.webhook.serviceName" -}}
{{- printf "%s-webhook" (include "golive.fullname" .) -}}
{{- end -}}

{{- define "golive.webhook.configurationName" -}}
golive-webhook
{{- end -}}

{{/* The operator's identity as the API server names it (the webhook lets only it write Release status). */}}
{{- define "golive.operator.username" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "golive.operator.serviceAccountName" .) -}}
{{- end -}}

{{- define "golive.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Restricted Pod Security Standard, read-only root filesystem. */}}
{{- define "golive.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "golive.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Spread across nodes (hard for the webhook, whose replicas must not share a node) and zones. */}}
{{- define "golive.topologySpread" -}}
{{- $values := index .ctx.Values .component -}}
{{- if $values.topologySpreadConstraints -}}
{{ toYaml $values.topologySpreadConstraints }}
{{- else -}}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: {{ if eq .component "webhook" }}DoNotSchedule{{ else }}ScheduleAnyway{{ end }}
  labelSelector:
    matchLabels:
      {{- include "golive.selectorLabels" . | nindent 6 }}
  matchLabelKeys: ["pod-template-hash"]
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "golive.selectorLabels" . | nindent 6 }}
  matchLabelKeys: ["pod-template-hash"]
{{- end -}}
{{- end -}}

{{/* Settings shared by both processes, as GOLIVE_* variables (cli/config.ts). */}}
{{- define "golive.commonEnv" -}}
- name: GOLIVE_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: GOLIVE_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- end -}}

{{/* The audit trail's volume, shared by the operator and the webhook (templates/audit.yaml). */}}
{{- define "golive.auditVolume" -}}
- name: audit
  {{- with .Values.operator.audit }}
  {{- if .existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .existingClaim }}
  {{- else if eq .storage "persistentVolumeClaim" }}
  persistentVolumeClaim:
    claimName: {{ include "golive.fullname" $ }}-audit
  {{- else if eq .storage "emptyDir" }}
  emptyDir:
    sizeLimit: {{ .sizeLimit }}
  {{- else }}
  {{- fail "operator.audit.storage must be persistentVolumeClaim or emptyDir" }}
  {{- end }}
  {{- end }}
{{- end }}

{{/* /metrics over HTTPS (metricsTls, JR/T 0179 8.5): the metrics port's name says which it is. */}}
{{- define "golive.metricsPortName" -}}
{{- ternary "https-metrics" "http-metrics" .Values.metricsTls.enabled -}}
{{- end -}}

{{/* The settings of /metrics over HTTPS (settings/config.ts metricsTls*), for both Deployments. */}}
{{- define "golive.metricsTlsEnv" -}}
{{- if .Values.metricsTls.enabled -}}
- name: GOLIVE_METRICS_TLS
  value: "true"
{{- if .Values.metricsTls.secretName }}
- name: GOLIVE_METRICS_TLS_CERT
  value: /etc/golive/metrics-tls/tls.crt
- name: GOLIVE_METRICS_TLS_KEY
  value: /etc/golive/metrics-tls/tls.key
{{- end }}
{{- end }}
{{- end -}}

{{- define "golive.metricsTlsMount" -}}
{{- if and .Values.metricsTls.enabled .Values.metricsTls.secretName -}}
- name: metrics-tls
  mountPath: /etc/golive/metrics-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "golive.metricsTlsVolume" -}}
{{- if and .Values.metricsTls.enabled .Values.metricsTls.secretName -}}
- name: metrics-tls
  secret:
    secretName: {{ .Values.metricsTls.secretName }}
    defaultMode: 0440
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
{{- end }}
{{- end -}}
