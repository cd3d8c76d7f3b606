#!/usr/bin/env bash
# Whole-process benchmark: `preflight audit` against the floor (the csv crate
# parsing the same four files on one thread, examples/floor.rs) on synthetic
# tenants of several sizes (examples/gen-tenant.rs). Prints a Markdown table
# of median wall time (and the range of the runs), median CPU time, median
# peak RSS and the size of report.html per size.
#
#   benches/run.sh
#   SIZES="100000 1000000" RUNS=3 benches/run.sh
#
# Environment:
#   SIZES    persons per tenant                 (default "100000 1000000 3000000")
#   RUNS     timed runs per measurement, after one untimed warm-up (default 3)
#   WARMUP   1 for the warm-up run, 0 to skip it (a 3M audit takes minutes)
#   SEED     generator seed                     (default 42)
#   TENANTS  where tenants are written and reused (default target/bench-tenants;
#            a 3M tenant takes about 2.8 GB)
#   AUDIT_ARGS  extra arguments for preflight audit (e.g. "--identification-attribute employeeNumber")
#   MEASURE  what to time                       (default "audit floor"; "floor" alone
#            when the audit is too slow or too big for a size)
#   OUT      where the audit writes its outputs (default: a temporary folder
#            under TMPDIR; /dev/shm measures the tool rather than the disk)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=${SIZES:-"100000 1000000 3000000"}
RUNS=${RUNS:-3}
SEED=${SEED:-42}
TENANTS=${TENANTS:-$ROOT/target/bench-tenants}
AUDIT_ARGS=${AUDIT_ARGS:-}
MEASURE=${MEASURE:-"audit floor"}
WARMUP=${WARMUP:-1}
FILES=(okta-export-users.csv ad-users.csv m365-active-users.csv insync-user-provisioning.csv)

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (/usr/bin/time)" >&2
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
    $SUDO apt-get update -qq >&2
    $SUDO apt-get install -y -qq time >&2
fi

echo "building (release)" >&2
cargo build --release --quiet --bin preflight --example gen-tenant --example floor
WORK=$(mktemp -d "${TMPDIR:-/tmp}/preflight-bench.XXXXXX")
OUT=${OUT:-$WORK}
OUTS=$(mktemp -d "$OUT/preflight-out.XXXXXX")
trap 'rm -rf "$WORK" "$OUTS"' EXIT
# Copies, so that a rebuild during the run does not change what is measured.
cp target/release/preflight target/release/examples/gen-tenant target/release/examples/floor "$WORK/"
BIN=$WORK/preflight
GEN=$WORK/gen-tenant
FLOOR=$WORK/floor

# Seconds from /usr/bin/time's "h:mm:ss" or "m:ss.ss".
wall_seconds() {
    awk -F': ' '/Elapsed \(wall clock\) time/ {
        n = split($2, p, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + p[i]
        printf "%.3f\n", s
    }' "$1"
}
rss_kb() {
    awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"
}
cpu_seconds() {
    awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.1f\n", s }' "$1"
}
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
human_bytes() {
    awk -v b="$1" 'BEGIN { if (b >= 2^30) printf "%.2f GiB", b / 2^30; else printf "%.1f MiB", b / 2^20 }'
}
human_kb() {
    awk -v k="$1" 'BEGIN { if (k >= 2^20) printf "%.2f GiB", k / 2^20; else printf "%.0f MiB", k / 2^10 }'
}

# measure NAME CMD...: one warm-up, RUNS timed runs; sets MED_WALL, MED_RSS.
measure() {
    local name=$1
    shift
    if [[ $WARMUP == 1 ]]; then
        "$@" >/dev/null 2>"$WORK/$name.warmup.err" || {
            echo "$name: warm-up failed: $*" >&2
            cat "$WORK/$name.warmup.err" >&2
            exit 1
        }
    fi
    : >"$WORK/$name.walls"
    : >"$WORK/$name.rss"
    : >"$WORK/$name.cpu"
    for ((r = 1; r <= RUNS; r++)); do
        /usr/bin/time -v -o "$WORK/$name.time" "$@" >/dev/null 2>"$WORK/$name.err" || {
            echo "$name: run $r failed: $*" >&2
            cat "$WORK/$name.err" "$WORK/$name.time" >&2
            exit 1
        }
        wall_seconds "$WORK/$name.time" >>"$WORK/$name.walls"
        rss_kb "$WORK/$name.time" >>"$WORK/$name.rss"
        cpu_seconds "$WORK/$name.time" >>"$WORK/$name.cpu"
        echo "  $name run $r: $(tail -1 "$WORK/$name.walls") s, $(human_kb "$(tail -1 "$WORK/$name.rss")"), cpu $(tail -1 "$WORK/$name.cpu") s" >&2
    done
    MED_WALL=$(median <"$WORK/$name.walls")
    RANGE_WALL="$(sort -g "$WORK/$name.walls" | head -1)–$(sort -g "$WORK/$name.walls" | tail -1)"
    MED_RSS=$(median <"$WORK/$name.rss")
    MED_CPU=$(median <"$WORK/$name.cpu")
}

ROWS=()
for n in $SIZES; do
    dir=$TENANTS/persons-$n-seed-$SEED
    if [[ ! -f $dir/.complete ]]; then
        echo "generating $n persons into $dir" >&2
        rm -rf "$dir"
        mkdir -p "$TENANTS"
        "$GEN" --persons "$n" --seed "$SEED" --out "$dir.partial" >"$WORK/gen.out"
        cat "$WORK/gen.out" >&2
        mv "$dir.partial" "$dir"
        touch "$dir/.complete"
    else
        echo "reusing $dir" >&2
    fi
    paths=()
    for f in "${FILES[@]}"; do paths+=("$dir/$f"); done
    # The files in the page cache, as the targets assume.
    cat "${paths[@]}" >/dev/null
    bytes=$(cat "${paths[@]}" | wc -c)
    # Records: newlines, minus the four headers and the #TYPE line, plus the
    # Okta file's last record (no newline after it).
    rows=$(($(cat "${paths[@]}" | wc -l) - 5 + 1))

    audit="| — | — | — | —"
    floor="| — | —"
    ratio="—"
    if [[ " $MEASURE " == *" audit "* ]]; then
        echo "size $n: audit" >&2
        # shellcheck disable=SC2086 # AUDIT_ARGS is split on purpose
        measure "audit-$n" "$BIN" audit "${paths[@]}" --out "$OUTS/report-$n" --quiet --fail-on never $AUDIT_ARGS
        audit_wall=$MED_WALL
        html=$(wc -c <"$OUTS/report-$n/report.html")
        audit="| ${MED_WALL} s (${RANGE_WALL}) | ${MED_CPU} s | $(human_kb "$MED_RSS") | $(awk -v b="$html" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
    fi
    if [[ " $MEASURE " == *" floor "* ]]; then
        echo "size $n: floor" >&2
        measure "floor-$n" "$FLOOR" "${paths[@]}"
        floor="| ${MED_WALL} s | $(human_kb "$MED_RSS")"
        if [[ -n ${audit_wall:-} ]]; then
            ratio=$(awk -v a="$audit_wall" -v f="$MED_WALL" 'BEGIN { if (f > 0) printf "%.0f×", a / f; else print "n/a" }')
        fi
    fi
    unset audit_wall
    ROWS+=("| $n | $rows | $(human_bytes "$bytes") $audit $floor | $ratio |")
done

echo
echo "preflight $("$BIN" --version 2>/dev/null | awk '{ print $NF }'), $(nproc) CPUs, median of $RUNS runs$([[ $WARMUP == 1 ]] && echo " after a warm-up"), seed $SEED"
echo
echo "| persons | rows | input | audit wall (min–max) | audit cpu | audit peak RSS | report.html | floor wall | floor peak RSS | audit / floor |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
