package main

import rego.v1

# Conftest's Dockerfile input: one command per instruction, e.g.
# {"Cmd": "from", "Value": ["golang:1.23", "AS", "build"], "Stage": 0, ...}

stage_names contains lower(cmd.Value[2]) if {
	some cmd in input
	cmd.Cmd == "from"
	lower(cmd.Value[1]) == "as"
}

# METADATA
# title: Dockerfiles build from Acme's base images
# custom:
#   id: acme-base-image
#   severity: medium
#   remediation: Start every stage FROM registry.acme.example/base/<distro>, or FROM scratch.
deny_base_image contains msg if {
	some cmd in input
	cmd.Cmd == "from"
	image := cmd.Value[0]
	image != "scratch"
	not lower(image) in stage_names
	not startswith(image, "registry.acme.example/")
	msg := sprintf("stage %d builds FROM %s, not an Acme base image", [cmd.Stage, image])
}
