{{/* The chart's name. */}}
{{- define "agora.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's prefix of every object's name. */}}
{{- define "agora.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "agora.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "agora.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of the release's pods: add a component. */}}
{{- define "agora.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agora.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector labels of one module group's pods; takes (dict "root" $ "group" $g). */}}
{{- define "agora.groupSelectorLabels" -}}
{{ include "agora.selectorLabels" .root }}
app.kubernetes.io/component: module
agora/group: {{ .group.name }}
{{- end }}

{{- define "agora.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "agora.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "agora.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Environment variables from keys of existing Secrets: a dict of name to {name, key}; a ref without a Secret's name is left out. */}}
{{- define "agora.secretEnv" -}}
{{- range $env, $ref := . }}
{{- if $ref.name }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef: {name: {{ $ref.name | quote }}, key: {{ $ref.key | quote }}}
{{- end }}
{{- end }}
{{- end }}

{{/* Environment of every Agora container. */}}
{{- define "agora.commonEnv" -}}
- name: AGORA_LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: AGORA_LOG_FORMAT
  value: {{ .Values.config.logFormat | quote }}
{{- if .Values.secrets.redisURL.name }}
{{- include "agora.secretEnv" (dict "AGORA_REDIS_URL" .Values.secrets.redisURL) }}
{{- else if .Values.config.redisURL }}
- name: AGORA_REDIS_URL
  value: {{ .Values.config.redisURL | quote }}
{{- end }}
{{- with .Values.config.otlpEndpoint }}
- name: AGORA_OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: AGORA_TRACE_SAMPLE_RATIO
  value: {{ $.Values.config.traceSampleRatio | quote }}
{{- end }}
{{- end }}

{{/* Environment of the containers that open the stores: module groups and the migration. */}}
{{- define "agora.storeEnv" -}}
- name: AGORA_NATS_URL
  value: {{ required "config.natsURL is required" .Values.config.natsURL | quote }}
{{- with .Values.config.natsNamespace }}
- name: AGORA_NATS_NAMESPACE
  value: {{ . | quote }}
{{- end }}
{{- $s := .Values.secrets }}
{{- include "agora.secretEnv" (dict "AGORA_POSTGRES_URL" $s.databaseURL "AGORA_PG_REPLICA_URLS" $s.replicaURLs "AGORA_ADMIN_KEY" $s.adminKey "AGORA_SERVICE_SECRET" $s.serviceSecret) }}
{{- end }}

{{/* The pod's volumes: the root file system is read-only. */}}
{{- define "agora.volumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end }}

{{- define "agora.volumeMounts" -}}
- name: data
  mountPath: /var/lib/agora
- name: tmp
  mountPath: /tmp
{{- end }}

{{/* Scheduling settings of every pod; takes (dict "root" $ "labels" <selector labels>). */}}
{{- define "agora.scheduling" -}}
{{- with .root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.topologySpreadConstraints }}
{{- $list := list }}
{{- range . }}
{{- $list = append $list (merge (dict "labelSelector" (dict "matchLabels" ($.labels | fromYaml))) (deepCopy .)) }}
{{- end }}
topologySpreadConstraints:
  {{- toYaml $list | nindent 2 }}
{{- end }}
{{- end }}

{{/* The probes of a server on the port named http. */}}
{{- define "agora.probes" -}}
startupProbe:
  httpGet: {path: /healthz, port: http}
  {{- toYaml .Values.probes.startup | nindent 2 }}
readinessProbe:
  httpGet: {path: /readyz, port: http}
  {{- toYaml .Values.probes.readiness | nindent 2 }}
livenessProbe:
  httpGet: {path: /healthz, port: http}
  {{- toYaml .Values.probes.liveness | nindent 2 }}
{{- if .Values.preStopSleepSeconds }}
lifecycle:
  preStop:
    sleep:
      seconds: {{ .Values.preStopSleepSeconds }}
{{- end }}
{{- end }}

{{/* A group's settings over the defaults; takes (dict "root" $ "group" $g). */}}
{{- define "agora.group" -}}
{{- $root := .root }}
{{- $g := deepCopy .group }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" ($g.name | toString)) }}
{{- fail (printf "groups: name %q is not a DNS label" ($g.name | toString)) }}
{{- end }}
{{- if eq $g.name "gateway" "migration" }}
{{- fail (printf "groups: %q is the name of another component" $g.name) }}
{{- end }}
{{- if not $g.modules }}
{{- fail (printf "groups: %s has no modules" $g.name) }}
{{- end }}
{{- $as := deepCopy $root.Values.autoscaling }}
{{- range $k, $v := ($g.autoscaling | default dict) }}{{ $_ := set $as $k $v }}{{ end }}
{{- $pdb := deepCopy $root.Values.pdb }}
{{- range $k, $v := ($g.pdb | default dict) }}{{ $_ := set $pdb $k $v }}{{ end }}
{{- $_ := set $g "autoscaling" $as }}
{{- $_ := set $g "pdb" $pdb }}
{{- if not (hasKey $g "resources") }}{{ $_ := set $g "resources" $root.Values.resources }}{{ end }}
{{- if not (hasKey $g "replicas") }}{{ $_ := set $g "replicas" 2 }}{{ end }}
{{- if not (hasKey $g "remote") }}{{ $_ := set $g "remote" dict }}{{ end }}
{{- toYaml $g }}
{{- end }}

{{/* NetworkPolicy egress to DNS, anywhere (cluster DNS or a node-local cache). */}}
{{- define "agora.np.dns" -}}
- ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
{{- end }}
{{/* NetworkPolicy egress to a dependency: (dict "to" peers "ports" ports). */}}
{{- define "agora.np.egress" -}}
- ports:
    {{- range .ports }}
    - {port: {{ . }}, protocol: TCP}
    {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
