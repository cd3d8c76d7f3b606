#!/usr/bin/env bash
# Whole-process benchmark: `preflight audit` paired in one run with the floor
# (the csv crate parsing the same four files on one thread, examples/floor.rs)
# and, on the shared yardstick's tenants, with the peer (the core checks in
# DuckDB SQL, ../shared/bench/peer_duckdb.py). After one untimed warm-up of
# each (which also brings the files into the page cache), the measurements
# alternate round by round: floor, audit, peer, floor, audit, peer, ...
# Prints, per size, a Markdown table of median wall time (and the range of the
# runs), median CPU time and median peak RSS of each, with the ratios
# audit / peer, audit / floor and peak / input.
#
#   benches/run.sh
#   SIZES="100000 1000000" RUNS=3 OUT=/dev/shm/pf-bench benches/run.sh
#   GEN=preflight SIZES=3000000 RUNS=1 WARMUP=0 benches/run.sh
#
# Environment:
#   GEN      tenant generator: "shared" (default; ../shared/bench/gen_synth.py,
#            the yardstick: okta.csv, ad.csv, m365.csv, insync.csv) or
#            "preflight" (examples/gen-tenant.rs, the sample tenant's formats;
#            no peer, which reads the yardstick's files only)
#   SIZES    persons per tenant                 (default "100000 1000000 3000000")
#   RUNS     timed rounds, after one untimed warm-up (default 3)
#   WARMUP   1 for the warm-up round, 0 to skip it (a 3M audit takes minutes)
#   SEED     generator seed                     (default 42)
#   TENANTS  where tenants are written and reused (default target/bench-tenants;
#            1M persons are about 0.8 GB with either generator)
#   SHARED   the yardstick's folder             (default ../shared/bench)
#   PYTHON   the Python running the yardstick   (default python3; duckdb is
#            installed into it with pip when missing)
#            "audit" runs with --no-xlsx (the core's targets); "workbook"
#            is the same audit writing report.xlsx too
#   AUDIT_ARGS  extra arguments for preflight audit (e.g. "--identification-attribute employeeNumber")
#   MEASURE  what to time, any of "floor audit peer workbook" (default: the first three with
#            GEN=shared, "floor audit" with GEN=preflight); they always run in
#            that order within a round
#   CHROMIUM headless Chromium for the report's render time (default
#            /usr/bin/chromium; "none" skips it): after the audit's rounds of
#            a size, the last report.html is shown RUNS times and its first
#            screen saved as a screenshot, timed (the issue 26 measure)
#   OUT      where the outputs are written (default: a temporary folder under
#            TMPDIR; /dev/shm measures the tools rather than the disk). Each
#            run writes a fresh folder there, removed after the run (untimed)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
GEN=${GEN:-shared}
SIZES=${SIZES:-"100000 1000000 3000000"}
RUNS=${RUNS:-3}
SEED=${SEED:-42}
TENANTS=${TENANTS:-$ROOT/target/bench-tenants}
SHARED=${SHARED:-$ROOT/../shared/bench}
PYTHON=${PYTHON:-python3}
AUDIT_ARGS=${AUDIT_ARGS:-}
WARMUP=${WARMUP:-1}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

case $GEN in
shared)
    MEASURE=${MEASURE:-"floor audit peer"}
    FILES=(okta.csv ad.csv m365.csv insync.csv)
    for f in gen_synth.py peer_duckdb.py; do
        if [[ ! -f $SHARED/$f ]]; then
            echo "GEN=shared needs $SHARED/$f (set SHARED to the yardstick's folder)" >&2
            exit 2
        fi
    done
    ;;
preflight)
    MEASURE=${MEASURE:-"floor audit"}
    FILES=(okta-export-users.csv ad-users.csv m365-active-users.csv insync-user-provisioning.csv)
    if [[ " $MEASURE " == *" peer "* ]]; then
        echo "the peer reads the yardstick's tenants only: use GEN=shared" >&2
        exit 2
    fi
    ;;
*)
    echo "GEN must be shared or preflight, not '$GEN'" >&2
    exit 2
    ;;
esac
measured() { [[ " $MEASURE " == *" $1 "* ]]; }

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (/usr/bin/time)" >&2
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
    $SUDO apt-get update -qq >&2
    $SUDO apt-get install -y -qq time >&2
fi
if measured peer && ! "$PYTHON" -c 'import duckdb' 2>/dev/null; then
    echo "installing duckdb for the peer ($PYTHON -m pip install duckdb)" >&2
    "$PYTHON" -m pip install --quiet duckdb >&2 ||
        "$PYTHON" -m pip install --quiet --break-system-packages duckdb >&2
    "$PYTHON" -c 'import duckdb' || {
        echo "duckdb could not be installed for $PYTHON" >&2
        exit 2
    }
fi

echo "building (release)" >&2
cargo build --release --quiet --bin preflight --example gen-tenant --example floor
WORK=$(mktemp -d "${TMPDIR:-/tmp}/preflight-bench.XXXXXX")
OUT=${OUT:-$WORK}
mkdir -p "$OUT"
OUTS=$(mktemp -d "$OUT/preflight-out.XXXXXX")
trap 'rm -rf "$WORK" "$OUTS"' EXIT
# Copies, so that a rebuild during the run does not change what is measured.
cp target/release/preflight target/release/examples/gen-tenant target/release/examples/floor "$WORK/"
if [[ $GEN == shared ]]; then
    cp "$SHARED/gen_synth.py" "$SHARED/peer_duckdb.py" "$WORK/"
fi
BIN=$WORK/preflight
FLOOR=$WORK/floor

# /usr/bin/time -f "$TIME_FORMAT": wall seconds, user, system, peak RSS in KiB (%M).
TIME_FORMAT="%e %U %S %M"
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
human_bytes() {
    awk -v b="$1" 'BEGIN { if (b >= 2^30) printf "%.2f GiB", b / 2^30; else printf "%.1f MiB", b / 2^20 }'
}
human_kb() {
    awk -v k="$1" 'BEGIN { if (k >= 2^20) printf "%.2f GiB", k / 2^20; else printf "%.0f MiB", k / 2^10 }'
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f×", a / b; else print "—" }'
}

# The command of NAME (floor, audit, peer or workbook) on tenant $dir, writing into
# $1 (a folder that does not exist yet); sets CMD.
command_of() {
    local name=$1 into=$2
    case $name in
    floor) CMD=("$FLOOR" "${paths[@]}") ;;
    audit | workbook)
        if [[ $GEN == shared ]]; then
            CMD=("$BIN" audit --okta "$dir/okta.csv" --ad "$dir/ad.csv" --m365 "$dir/m365.csv" --insync "$dir/insync.csv")
        else
            CMD=("$BIN" audit "${paths[@]}")
        fi
        # shellcheck disable=SC2206 # AUDIT_ARGS is split on purpose
        CMD+=(--out "$into" --quiet --fail-on never $AUDIT_ARGS)
        # The workbook (report.xlsx, issue 26) is measured apart: "audit"
        # leaves it out, "workbook" is the same audit with it.
        if [[ $name == audit ]]; then CMD+=(--no-xlsx); fi
        ;;
    peer) CMD=("$PYTHON" "$WORK/peer_duckdb.py" --dir "$dir" --out "$into") ;;
    esac
}

# run_one NAME TAG TIMED: one run of NAME into a fresh folder, removed after
# it (untimed); when TIMED is 1, appends wall, cpu and peak RSS to
# $WORK/NAME.{walls,cpu,rss}.
run_one() {
    local name=$1 tag=$2 timed=$3
    local into=$OUTS/$name-$n-$tag wall user sys rss
    command_of "$name" "$into"
    if [[ $timed == 1 ]]; then
        /usr/bin/time -f "$TIME_FORMAT" -o "$WORK/$name.time" "${CMD[@]}" >"$WORK/$name.out" 2>"$WORK/$name.err" || {
            echo "$name: run $tag failed: ${CMD[*]}" >&2
            cat "$WORK/$name.err" "$WORK/$name.time" >&2
            exit 1
        }
        # The last line: a failed command's time file starts with a message.
        read -r wall user sys rss < <(tail -1 "$WORK/$name.time")
        echo "$wall" >>"$WORK/$name.walls"
        awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f\n", u + s }' >>"$WORK/$name.cpu"
        echo "$rss" >>"$WORK/$name.rss"
        echo "  $name run $tag: $wall s, $(human_kb "$rss"), cpu $(tail -1 "$WORK/$name.cpu") s" >&2
    else
        "${CMD[@]}" >"$WORK/$name.out" 2>"$WORK/$name.err" || {
            echo "$name: warm-up failed: ${CMD[*]}" >&2
            cat "$WORK/$name.err" >&2
            exit 1
        }
    fi
    if [[ $name == audit ]]; then
        html=$(wc -c <"$into/report.html")
        cp "$into/report.html" "$WORK/report.html"
    fi
    if [[ $name == peer ]]; then
        # Its counts, once per size, to compare with the audit's.
        peer_summary=$(grep -m1 '^rows ' "$WORK/peer.out" || true)
    fi
    rm -rf "$into"
}

# row NAME: the table row of NAME from its runs, in ROW; sets MED_WALL and MED_RSS.
row() {
    local name=$1 range cpu
    MED_WALL=$(median <"$WORK/$name.walls")
    range="$(sort -g "$WORK/$name.walls" | head -1)–$(sort -g "$WORK/$name.walls" | tail -1)"
    MED_RSS=$(median <"$WORK/$name.rss")
    cpu=$(median <"$WORK/$name.cpu")
    ROW="| $name | ${MED_WALL} s (${range}) | ${cpu} s | $(human_kb "$MED_RSS") | $(ratio "$MED_RSS" "$input_kb") |"
}

ORDER=()
for name in floor audit peer workbook; do
    if measured "$name"; then ORDER+=("$name"); fi
done
if [[ ${#ORDER[@]} -eq 0 ]]; then
    echo "MEASURE names none of floor, audit, peer, workbook" >&2
    exit 2
fi

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
TABLES=()
for n in $SIZES; do
    if [[ $GEN == shared ]]; then
        dir=$TENANTS/shared-persons-$n-seed-$SEED
    else
        dir=$TENANTS/persons-$n-seed-$SEED
    fi
    if [[ ! -f $dir/.complete ]]; then
        echo "generating $n persons into $dir" >&2
        rm -rf "$dir" "$dir.partial"
        mkdir -p "$TENANTS"
        if [[ $GEN == shared ]]; then
            "$PYTHON" "$WORK/gen_synth.py" --persons "$n" --seed "$SEED" --out "$dir.partial" >&2
        else
            "$WORK/gen-tenant" --persons "$n" --seed "$SEED" --out "$dir.partial" >&2
        fi
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
    input_kb=$(awk -v b="$bytes" 'BEGIN { print b / 1024 }')
    lines=$(cat "${paths[@]}" | wc -l)
    if [[ $GEN == shared ]]; then
        rows=$((lines - 4)) # every line ends with a newline; four headers
    else
        # Four headers and the #TYPE line, plus the Okta file's last record
        # (no newline after it).
        rows=$((lines - 5 + 1))
    fi

    for name in "${ORDER[@]}"; do
        : >"$WORK/$name.walls"
        : >"$WORK/$name.rss"
        : >"$WORK/$name.cpu"
    done
    html=""
    peer_summary=""
    if [[ $WARMUP == 1 ]]; then
        echo "size $n: warm-up (${ORDER[*]})" >&2
        for name in "${ORDER[@]}"; do run_one "$name" warmup 0; done
    fi
    for ((r = 1; r <= RUNS; r++)); do
        echo "size $n: round $r of $RUNS" >&2
        for name in "${ORDER[@]}"; do run_one "$name" "$r" 1; done
    done

    render=""
    if [[ -x $CHROMIUM && -f $WORK/report.html ]]; then
        : >"$WORK/render.walls"
        for ((r = 1; r <= RUNS; r++)); do
            rm -rf "$WORK/chromium-profile"
            /usr/bin/time -f "%e" -o "$WORK/render.time" "$CHROMIUM" --headless --no-sandbox --disable-gpu \
                --user-data-dir="$WORK/chromium-profile" --window-size=1280,900 \
                --screenshot="$WORK/first-screen.png" "file://$WORK/report.html" >/dev/null 2>&1 || {
                echo "chromium failed on report.html" >&2
                exit 1
            }
            tail -1 "$WORK/render.time" >>"$WORK/render.walls"
            echo "  report.html first screen, run $r: $(tail -1 "$WORK/render.walls") s" >&2
        done
        render=$(median <"$WORK/render.walls")
    fi
    rm -f "$WORK/report.html"

    table="#### $n persons: $rows rows, input $(human_bytes "$bytes") ($bytes bytes)"$'\n\n'
    table+="| run | wall, median (min–max) | CPU (user + sys), median | peak RSS, median | peak RSS / input |"$'\n'
    table+="| --- | ---: | ---: | ---: | ---: |"$'\n'
    unset floor_wall audit_wall peer_wall audit_rss workbook_wall
    for name in "${ORDER[@]}"; do
        row "$name"
        table+="$ROW"$'\n'
        case $name in
        floor) floor_wall=$MED_WALL ;;
        audit)
            audit_wall=$MED_WALL
            audit_rss=$MED_RSS
            ;;
        peer) peer_wall=$MED_WALL ;;
        workbook) workbook_wall=$MED_WALL ;;
        esac
    done
    table+=$'\n'
    table+="audit / peer: $(ratio "${audit_wall:-}" "${peer_wall:-}") wall;"
    table+=" audit / floor: $(ratio "${audit_wall:-}" "${floor_wall:-}") wall;"
    table+=" audit peak RSS / input: $(ratio "${audit_rss:-}" "$input_kb")"
    if [[ -n $html ]]; then
        table+="; report.html $(awk -v b="$html" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
        if [[ -n $render ]]; then
            table+=", first screen in headless Chromium ${render} s (median)"
        fi
    fi
    if [[ -n ${workbook_wall:-} && -n ${audit_wall:-} ]]; then
        table+="; the workbook adds $(awk -v a="$workbook_wall" -v b="$audit_wall" 'BEGIN { printf "%.2f s", a - b }') (workbook - audit)"
    fi
    if [[ -n $peer_summary ]]; then
        table+="; peer: $peer_summary"
    fi
    table+=$'\n'
    TABLES+=("$table")
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "preflight $("$BIN" --version 2>/dev/null | awk '{ print $NF }'), GEN=$GEN, seed $SEED, $(nproc) CPUs;" \
    "median of $RUNS rounds ($(printf '%s, ' "${ORDER[@]}" | sed 's/, $//') alternating)$([[ $WARMUP == 1 ]] && echo " after a warm-up");" \
    "outputs under $OUT; load average (1, 5, 15 min) $load_start at the start, $load_end at the end"
echo
printf '%s\n' "${TABLES[@]}"
