#!/usr/bin/env bash
# The API's conventions, as CI checks them: `buf lint` (Google AIP style, protos/buf.yaml) and `buf breaking` against
# the image of the last release (protos/releases/, one per release tag), so that no field number, name or type a
# released client relies on changes. buf comes from npm, pinned.
set -euo pipefail
cd "$(dirname "$0")/../protos"
buf() { npx -y @bufbuild/buf@1.75.0 "$@"; }
baseline=$(ls releases/*.binpb | sort -V | tail -n 1)
buf lint
buf breaking --against "$baseline"
echo "buf lint: clean; buf breaking against $baseline: no breaking change"
