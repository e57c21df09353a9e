#!/usr/bin/env bash
# A/B of the pipeline benchmark between two revisions, runs alternating A B A B ...
#
# A single run says little on a shared or virtual machine, whose speed drifts by 10-15% within an
# hour; runs of the two revisions taken in turn share the drift. Builds both revisions in git
# worktrees (offline, tests skipped), then runs PipelineBenchmark PAIRS times each and prints every
# run's preload and steady line and the means.
#
#   it/bench-ab.sh REV_A REV_B [PAIRS] [-- BENCH ARGS...]
#   it/bench-ab.sh main HEAD 4 -- 1000000 50000 20 20 peer=false      (the defaults after --)
#
# Needs the dependencies in the local Maven repository (one `mvn -B -DskipTests install` first).
# Logs stay in the work directory it prints.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
rev_a=$1
rev_b=$2
shift 2
pairs=4
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  pairs=$1
  shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
bench_args=("$@")
if [ ${#bench_args[@]} -eq 0 ]; then
  bench_args=(1000000 50000 20 20 peer=false)
fi

repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d "${TMPDIR:-/tmp}/ingraft-ab.XXXXXX")
echo "A = $rev_a ($(git -C "$repo" rev-parse --short "$rev_a")), B = $rev_b ($(git -C "$repo" rev-parse --short "$rev_b")), $pairs pairs, args: ${bench_args[*]}"
echo "work directory: $work"

cleanup() {
  for side in a b; do
    git -C "$repo" worktree remove --force "$work/$side" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

build() {
  local side=$1 rev=$2
  git -C "$repo" worktree add --detach --quiet "$work/$side" "$rev"
  echo "building $side ($rev) ..."
  # One invocation, so that the classpath names this worktree's module jars, not installed ones;
  # every module writes the file, the it module last.
  (cd "$work/$side" && mvn -B -q -o -DskipTests -pl it -am package dependency:build-classpath \
    -Dmdep.includeScope=runtime -Dmdep.outputFile="$work/$side.classpath") >"$work/$side-build.log" 2>&1 || {
    echo "build of $rev failed; see $work/$side-build.log" >&2
    exit 1
  }
}

build a "$rev_a"
build b "$rev_b"

run() {
  local side=$1 n=$2 dir="$work/$1"
  mkdir -p "$dir/it/target/tmp"
  (cd "$dir" && java --add-opens=java.base/java.nio=ALL-UNNAMED -Xmx3g -XX:+UseParallelGC \
    -Djava.io.tmpdir="$dir/it/target/tmp" \
    -classpath "$dir/it/target/classes:$(cat "$work/$side.classpath")" \
    io.ingraft.it.bench.PipelineBenchmark "${bench_args[@]}") >"$work/run-$side$n.log" 2>&1 || {
    echo "run $side$n failed; see $work/run-$side$n.log" >&2
    exit 1
  }
  printf '%s%d %s  %s\n' "$side" "$n" "$(date +%T)" "$(grep -m1 '^preload ' "$work/run-$side$n.log")"
  printf '%s%d %s  %s\n' "$side" "$n" "        " "$(grep -m1 '^steady ' "$work/run-$side$n.log")"
}

for n in $(seq 1 "$pairs"); do
  run a "$n"
  run b "$n"
done

# preload: events/s is field 4, CPU/event the last but one; steady: p99 freshness is field 8.
echo
printf '%-4s %14s %16s %16s\n' "" "preload ev/s" "CPU us/event" "steady p99 s"
for side in a b; do
  cat "$work"/run-"$side"*.log | awk -v side="$side" '
    /^preload / { gsub(",", "", $4); ev += $4; cpu += $(NF-1); n++ }
    /^steady /  { p99 += $8; m++ }
    END {
      printf "%-4s %14.0f %16.1f %16.2f   (means of %d runs)\n", toupper(side), ev / n, cpu / n,
        (m ? p99 / m : 0), n
    }'
done
