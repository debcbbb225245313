{{/*
Helpers. Keep to the template subset test/helpers/helm-render.ts supports (it fails on anything else).
*/}}

{{- define "edgefed-agent.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "edgefed-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: edgefed-agent
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: edgefed
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "edgefed-agent.selectorLabels" -}}
app.kubernetes.io/name: edgefed-agent
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "edgefed-agent.serviceAccountName" -}}
{{- default (include "edgefed-agent.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "edgefed-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "edgefed-agent.tokenSecret" -}}
{{- default (printf "%s-token" (include "edgefed-agent.fullname" .)) .Values.join.existingSecret -}}
{{- end -}}

{{- define "edgefed-agent.claimName" -}}
{{- default (printf "%s-data" (include "edgefed-agent.fullname" .)) .Values.persistence.existingClaim -}}
{{- end -}}

{{/* Fails the render on values that cannot work. */}}
{{- define "edgefed-agent.validate" -}}
{{- if and (ne .Values.runtime "kubernetes") (ne .Values.runtime "edge") -}}
{{- fail "runtime must be kubernetes or edge" -}}
{{- end -}}
{{- if and (ne .Values.rbac.scope "all") (ne .Values.rbac.scope "federatedTypes") -}}
{{- fail "rbac.scope must be all or federatedTypes" -}}
{{- end -}}
{{- end -}}
