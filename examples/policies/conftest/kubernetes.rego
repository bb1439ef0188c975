# METADATA
# title: Acme's Kubernetes rules
# description: Acme's own rules for workloads, run beside Palisade's built-in controls.
package main

import rego.v1

workload_kinds := {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}

pod_spec := input.spec if input.kind == "Pod"

pod_spec := input.spec.template.spec if input.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

pod_spec := input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"

containers contains c if {
	some c in pod_spec.containers
}

containers contains c if {
	some c in pod_spec.initContainers
}

# METADATA
# title: Images come from Acme's registry
# description: >-
#   Only images built and patched by Acme's pipeline, which pushes them to
#   registry.acme.example, may run: an image from elsewhere escapes the
#   pipeline's patching and scanning.
# custom:
#   id: acme-approved-registry
#   severity: high
#   remediation: >-
#     Rebuild the image in Acme's pipeline and reference it as
#     registry.acme.example/<name>@sha256:<digest>.
#   frameworks:
#     pci-dss-4.0: ["6.3.3"]
deny contains msg if {
	some c in containers
	not startswith(c.image, "registry.acme.example/")
	msg := sprintf("%s %s: container %s runs %s, from outside registry.acme.example", [input.kind, input.metadata.name, c.name, c.image])
}

# METADATA
# title: Workloads name their owning team
# custom:
#   id: acme-owner-label
#   remediation: Add metadata.labels.owner with the owning team's name.
warn contains msg if {
	input.kind in workload_kinds
	not input.metadata.labels.owner
	msg := sprintf("%s %s has no owner label", [input.kind, input.metadata.name])
}
