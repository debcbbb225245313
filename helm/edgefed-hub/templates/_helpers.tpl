{{/*
Helpers. Keep to the template subset test/helpers/helm-render.ts supports (it fails on anything else).
*/}}

{{- define "edgefed-hub.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "edgefed-hub.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: edgefed-hub
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: edgefed
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "edgefed-hub.selectorLabels" -}}
app.kubernetes.io/name: edgefed-hub
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "edgefed-hub.serviceAccountName" -}}
{{- default (include "edgefed-hub.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "edgefed-hub.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "edgefed-hub.etcdSecret" -}}
{{- default (printf "%s-etcd-tls" (include "edgefed-hub.fullname" .)) .Values.etcd.tls.existingSecret -}}
{{- end -}}

{{/* The serving certificate's extra names: the Service's in-cluster names, then hub.advertise. */}}
{{- define "edgefed-hub.advertise" -}}
{{- include "edgefed-hub.fullname" . -}}
,{{ include "edgefed-hub.fullname" . }}.{{ .Release.Namespace -}}
,{{ include "edgefed-hub.fullname" . }}.{{ .Release.Namespace }}.svc
{{- printf ",%s.%s.svc.%s" (include "edgefed-hub.fullname" .) .Release.Namespace .Values.clusterDomain -}}
{{- if .Values.hub.advertise -}}
,{{ join "," .Values.hub.advertise }}
{{- end -}}
{{- end -}}

{{/* Fails the render on values that cannot work. */}}
{{- define "edgefed-hub.validate" -}}
{{- if and (ne .Values.mode "standalone") (ne .Values.mode "in-cluster") -}}
{{- fail "mode must be standalone or in-cluster" -}}
{{- end -}}
{{- if and (ne .Values.store "sqlite") (ne .Values.store "etcd") -}}
{{- fail "store must be sqlite or etcd" -}}
{{- end -}}
{{- if and (eq .Values.store "etcd") (not .Values.etcd.endpoints) -}}
{{- fail "store: etcd needs etcd.endpoints" -}}
{{- end -}}
{{- end -}}
