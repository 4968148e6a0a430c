{{/*
Names, labels and the operator's RBAC rules, shared by the templates.
Nothing here is random or time-based: the same values always render the same bytes.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "steadyproxy-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The object name prefix: fullnameOverride, or the release name plus the chart name. */}}
{{- define "steadyproxy-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object of the operator. */}}
{{- define "steadyproxy-operator.labels" -}}
{{ include "steadyproxy-operator.selectorLabels" . }}
{{ include "steadyproxy-operator.commonLabels" . }}
{{- end }}

{{/* Labels on every object of the release, the operator's and the test Pod's. */}}
{{- define "steadyproxy-operator.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: steadyproxy
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels that select the operator pods; never change them in an upgrade. */}}
{{- define "steadyproxy-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "steadyproxy-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "steadyproxy-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "steadyproxy-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator image: repository, then @digest or :tag (the chart's appVersion by default). */}}
{{- define "steadyproxy-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The default proxy image (--proxy-image), built like the operator's: repository, then @digest or
:tag (the chart's appVersion by default, so the proxy matches the operator's release).
*/}}
{{- define "steadyproxy-operator.proxyImage" -}}
{{- if .Values.proxyImage.digest }}
{{- printf "%s@%s" .Values.proxyImage.repository .Values.proxyImage.digest }}
{{- else }}
{{- printf "%s:%s" .Values.proxyImage.repository (default .Chart.AppVersion .Values.proxyImage.tag) }}
{{- end }}
{{- end }}

{{/* The Lease's namespace. */}}
{{- define "steadyproxy-operator.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{/*
The rules the controller and the watchdog need in every watched namespace. Each verb is
justified by a call in operator/src/main/java (src-docs/operator.md, section RBAC, names it);
charts-test's RbacRulesTest pins this exact set.
*/}}
{{- define "steadyproxy-operator.rules" -}}
# ProxyConfig informer (list, watch); re-read after a 409 and before recording a cleanup (get).
- apiGroups: ["steadyproxy.io"]
  resources: ["proxyconfigs"]
  verbs: ["get", "list", "watch"]
# Conditions, replicas and lastCleanups through the status subresource.
- apiGroups: ["steadyproxy.io"]
  resources: ["proxyconfigs/status"]
  verbs: ["update"]
# Owner references with blockOwnerDeletion where OwnerReferencesPermissionEnforcement is on.
- apiGroups: ["steadyproxy.io"]
  resources: ["proxyconfigs/finalizers"]
  verbs: ["update"]
# Owned ConfigMaps and Services: informers (list, watch) and ObjectApplier (get, create, update);
# get also reads the ConfigMap named by spec.upstreamCaRef, to report it missing.
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "update"]
# Owned Deployments: informer and ObjectApplier.
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update"]
# Owned HorizontalPodAutoscalers (spec.autoscaling): informer, ObjectApplier (get, create,
# update) and the delete when the spec drops autoscaling.
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
# The Secrets named by spec.adminTokenSecretRef and a Secret spec.upstreamCaRef: read by name
# only, never listed or watched.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
# Watchdog: the proxy pods, Ready or not (list).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list"]
# Watchdog: a restart goes through the Eviction API, so the API server enforces the PDB.
- apiGroups: [""]
  resources: ["pods/eviction"]
  verbs: ["create"]
# Events on ProxyConfigs (ProxyConfigEvents.record, from the reconciler and the watchdog),
# aggregated: read by name and counted up.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "get", "update"]
# The owned PodDisruptionBudget: informer, ObjectApplier, deleted at one replica.
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
{{- end }}

{{/*
An alert's labels and the start of its annotations, for prometheusrule.yaml:
(list $ "AlertName" "severity"). The caller adds summary and description under `annotations:`.
*/}}
{{- define "steadyproxy-operator.alertMeta" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- $rule := $root.Values.monitoring.prometheusRule -}}
labels:
  severity: {{ index . 2 }}
  {{- with omit $rule.alertLabels "severity" }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  runbook: {{ printf "src-docs/operations.md#%s" (lower $name) }}
  {{- with $rule.runbookBaseUrl }}
  runbook_url: {{ printf "%s#%s" (trimSuffix "#" .) (lower $name) }}
  {{- end }}
{{- end }}
