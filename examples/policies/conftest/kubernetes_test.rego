package main

import rego.v1

pod(image, labels) := {
	"kind": "Pod",
	"metadata": {"name": "web", "labels": labels},
	"spec": {"containers": [{"name": "app", "image": image}]},
}

test_an_image_from_elsewhere_is_denied if {
	count(deny) == 1 with input as pod("nginx:1.27", {"owner": "web"})
}

test_an_acme_image_is_allowed if {
	count(deny) == 0 with input as pod("registry.acme.example/web@sha256:0123", {"owner": "web"})
}

test_deployments_are_checked_too if {
	deployment := {
		"kind": "Deployment",
		"metadata": {"name": "api"},
		"spec": {"template": {"spec": {"containers": [{"name": "api", "image": "docker.io/api:1"}]}}},
	}
	count(deny) == 1 with input as deployment
}

test_a_missing_owner_is_a_warning if {
	count(warn) == 1 with input as pod("registry.acme.example/web@sha256:0123", {})
}
