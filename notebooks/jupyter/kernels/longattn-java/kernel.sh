#!/usr/bin/env bash
# Starts the rapaio Java kernel for longattn's notebooks (kernel.json runs this with the
# connection file). Uses the project's one JVM flags file, preloads libjsig (OpenCL runtimes
# replace the JVM's signal handlers), and puts longattn + Spark on the notebook classpath.
# Needs a build: `mvn -B -pl jobs -am test-compile` (or any later phase) copies the kernel jar to
# jobs/target/notebook-kernel/ and writes jobs/target/notebook-classpath.txt.
#   LONGATTN_NOTEBOOK_MEMORY  kernel heap (default 2g)
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
target="$home/jobs/target"
jar="$target/notebook-kernel/rapaio-jupyter-kernel.jar"
cp_file="$target/notebook-classpath.txt"
for f in "$jar" "$cp_file" "$target/classes"; do
  if [ ! -e "$f" ]; then
    echo "longattn kernel: $f is missing; build first: mvn -B -pl jobs -am test-compile" >&2
    exit 1
  fi
done
jsig="$(dirname "$(readlink -f "$(command -v java)")")/../lib/libjsig.so"
if [ -f "$jsig" ]; then
  export LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$(readlink -f "$jsig")"
fi
# the kernel reads RJK_CLASSPATH: ';'-separated entries
RJK_CLASSPATH="$target/classes;$(tr ':' ';' < "$cp_file")"
export RJK_CLASSPATH
export LONGATTN_HOME="$home"
exec java @"$home/conf/jvm.flags" -Xmx"${LONGATTN_NOTEBOOK_MEMORY:-2g}" \
  -Dlog4j2.configurationFile="$home/conf/log4j2.properties" \
  -jar "$jar" "$1"
