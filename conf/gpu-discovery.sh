#!/usr/bin/env bash
# Spark resource discovery for OpenCL GPUs (spark.{executor,worker}.resource.gpu.discoveryScript).
# Prints {"name":"gpu","addresses":["0","1",...]}: one address per OpenCL GPU, numbered over all
# platforms in `clinfo -l` order. That number is the device index longattn's opencl backend takes
# (Backends.create("opencl", i): its device order puts the GPUs first, in the same order). CPU
# devices (PoCL) and accelerators are not GPUs. Without clinfo or a GPU: an empty list.
set -uo pipefail

gpus=0
if command -v clinfo >/dev/null 2>&1; then
  # `clinfo -l` has no device type: read it from the raw listing, one CL_DEVICE_TYPE per device.
  gpus="$(clinfo --raw 2>/dev/null | awk '$2 == "CL_DEVICE_TYPE" && /GPU/ { n++ } END { print n + 0 }')"
fi

addresses=()
for ((g = 0; g < gpus; g++)); do
  addresses+=("\"$g\"")
done
(IFS=,; printf '{"name":"gpu","addresses":[%s]}\n' "${addresses[*]}")
