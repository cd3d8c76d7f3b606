#!/usr/bin/env bash
# The Windows check, run by .ci/run after the Linux tests.
#
# Builds preflight.exe (x86_64-pc-windows-gnu, linked by mingw-w64), runs it
# under Wine on the demo and on every end-to-end case of fixtures/cases/
# (inputs and arguments as tests/cases.rs derives them; a previous/ folder
# audited first and given as --baseline), runs the Linux release binary on
# the same, and compares every output file byte for byte, and the exit
# statuses. Any difference fails. It also checks that the paths the demo
# prints on the terminal use Windows' separator.
#
# Prerequisites, installed here when missing (apt, rustup): Debian's
# gcc-mingw-w64-x86-64 and wine64 (Wine 8), the rustup target
# x86_64-pc-windows-gnu. When they cannot be had, this says
# "WINDOWS CHECK NOT RUN" and fails; PREFLIGHT_SKIP_WINDOWS=1 turns that
# into a loud skip for machines that cannot run it (never on CI's own).
#
# Wine 8 has no bcryptprimitives.dll, whose ProcessPrng Rust's std calls at
# start-up: ci/wine/processprng.c is a stand-in, built here and put in the
# check's own Wine prefix (target/windows-check/wine), not in ~/.wine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

not_run() {
  echo "!! WINDOWS CHECK NOT RUN: $1" >&2
  if [ "${PREFLIGHT_SKIP_WINDOWS:-}" = 1 ]; then
    echo "!! PREFLIGHT_SKIP_WINDOWS=1: going on without it" >&2
    exit 0
  fi
  echo "!! (PREFLIGHT_SKIP_WINDOWS=1 skips it on a machine that cannot run it)" >&2
  exit 1
}

target=x86_64-pc-windows-gnu
work=$root/target/windows-check

# --- prerequisites ---------------------------------------------------------
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || ! command -v wine >/dev/null; then
  echo "== installing mingw-w64 and Wine (apt)"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo_cmd="sudo"; fi
  { $sudo_cmd apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq \
      gcc-mingw-w64-x86-64 wine wine64 >/dev/null; } ||
    not_run "cannot install gcc-mingw-w64-x86-64 and wine64 with apt"
fi
command -v x86_64-w64-mingw32-gcc >/dev/null || not_run "no x86_64-w64-mingw32-gcc"
command -v wine >/dev/null || not_run "no wine"
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "== rustup target add $target"
  rustup target add "$target" || not_run "rustup cannot install the $target target"
fi

# --- builds ----------------------------------------------------------------
echo "== cargo build --release (Linux, and $target for Windows)"
cargo build --locked --release --quiet
cargo build --locked --release --quiet --target "$target" ||
  not_run "the $target build failed (see above)"
linux_bin=$root/target/release/preflight
windows_bin=$root/target/$target/release/preflight.exe

# --- Wine prefix with the ProcessPrng stand-in -----------------------------
export WINEPREFIX=$work/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "== wineboot (a new prefix in $WINEPREFIX)"
  mkdir -p "$WINEPREFIX"
  wineboot -i >/dev/null 2>&1 || not_run "wineboot cannot make a prefix"
  wineserver -w
fi
system32=$WINEPREFIX/drive_c/windows/system32
if [ ! -e /usr/lib/x86_64-linux-gnu/wine/x86_64-windows/bcryptprimitives.dll ] &&
  [ ! -e /usr/lib/wine/x86_64-windows/bcryptprimitives.dll ]; then
  x86_64-w64-mingw32-gcc -shared -O2 -s -o "$system32/bcryptprimitives.dll" \
    ci/wine/processprng.c -ladvapi32
fi
wineserver -p # one server for every run below; stopped on exit
trap 'wineserver -k 2>/dev/null || true' EXIT

# --- the runs --------------------------------------------------------------
# A fixed date: the time stamps and waiver expiries are the same in both.
export SOURCE_DATE_EPOCH=1767225600
rm -rf "$work/linux" "$work/windows"

# run PLATFORM CWD ARGS...: runs preflight of PLATFORM in CWD; prints the
# exit status; stderr kept in CWD/../NAME.stderr.
run() {
  local platform=$1 dir=$2
  shift 2
  local status=0
  if [ "$platform" = linux ]; then
    (cd "$dir" && "$linux_bin" "$@") >/dev/null 2>"$dir.stderr" || status=$?
  else
    (cd "$dir" && wine "$windows_bin" "$@") >/dev/null 2>"$dir.stderr" || status=$?
  fi
  echo "$status"
}

# The cases' inputs and arguments, as tests/cases.rs derives them: one line
# per case, NAME<TAB>ARGS (NUL-free, each argument JSON-quoted).
case_list() {
  python3 - "$root/fixtures/cases" <<'EOF'
import json, os, sys, tomllib
root = sys.argv[1]
for name in sorted(os.listdir(root)):
    d = os.path.join(root, name)
    if not os.path.isfile(os.path.join(d, "case.toml")):
        continue
    with open(os.path.join(d, "case.toml"), "rb") as f:
        case = tomllib.load(f)
    def inputs(folder):
        if "inputs" in case:
            return case["inputs"]
        return sorted(
            f for f in os.listdir(folder)
            if os.path.isfile(os.path.join(folder, f))
            and f != "case.toml" and not f.startswith(".") and not f.endswith(".md")
        )
    prev = os.path.join(d, "previous")
    print(json.dumps({
        "name": name,
        "args": inputs(d) + case.get("args", []),
        "previous": inputs(prev) + case.get("args", []) if os.path.isdir(prev) else None,
    }))
EOF
}

failures=()
cases=0
compared=0
while IFS= read -r line; do
  name=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["name"])' "$line")
  mapfile -t args < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])["args"]))' "$line")
  mapfile -t prev < <(python3 -c 'import json,sys; p=json.loads(sys.argv[1])["previous"]; print("\n".join(p)) if p is not None else None' "$line")
  cases=$((cases + 1))
  declare -A status=()
  for platform in linux windows; do
    w=$work/$platform/$name
    mkdir -p "$w"
    cp -r "fixtures/cases/$name" "$w/case"
    baseline=()
    if [ -d "$w/case/previous" ]; then
      status[$platform-previous]=$(run "$platform" "$w/case/previous" \
        audit "${prev[@]}" --out ../../previous-out --quiet)
      baseline=(--baseline ../previous-out)
    fi
    status[$platform]=$(run "$platform" "$w/case" audit "${args[@]}" --out ../out --quiet "${baseline[@]}")
  done
  # A previous run's status is checked with its outputs.
  [ -d "$work/linux/$name/case/previous" ] &&
    [ "${status[linux-previous]}" != "${status[windows-previous]}" ] &&
    failures+=("$name (previous/): exit ${status[linux-previous]} on Linux, ${status[windows-previous]} on Windows")
  [ "${status[linux]}" != "${status[windows]}" ] &&
    failures+=("$name: exit ${status[linux]} on Linux, ${status[windows]} on Windows")
  [ "${status[linux]}" = 2 ] &&
    failures+=("$name: the audit did not run: $(cat "$work/linux/$name/case.stderr")")
  for out in out previous-out; do
    [ -d "$work/linux/$name/$out" ] || continue
    compared=$((compared + $(find "$work/linux/$name/$out" -type f | wc -l)))
    diff -r "$work/linux/$name/$out" "$work/windows/$name/$out" >/dev/null ||
      failures+=("$name: $out differs: diff -r $work/{linux,windows}/$name/$out")
  done
  unset status
done < <(case_list)

# The demo, from an empty folder; its summary names what it wrote.
for platform in linux windows; do
  mkdir -p "$work/$platform/demo-run"
  if [ "$platform" = linux ]; then
    (cd "$work/$platform/demo-run" && "$linux_bin" demo --out demo) >"$work/$platform/demo.stdout" ||
      failures+=("demo: exit $? on Linux")
  else
    (cd "$work/$platform/demo-run" && wine "$windows_bin" demo --out demo) >"$work/$platform/demo.stdout" ||
      failures+=("demo: exit $? on Windows")
  fi
done
compared=$((compared + $(find "$work/linux/demo-run/demo" -type f | wc -l)))
diff -r "$work/linux/demo-run/demo" "$work/windows/demo-run/demo" >/dev/null ||
  failures+=("demo: outputs differ: diff -r $work/{linux,windows}/demo-run/demo")
# Paths on the terminal with the platform's separator: demo\fixes\m365.csv.
grep -q 'wrote demo\\fixes\\m365.csv' "$work/windows/demo.stdout" ||
  failures+=("demo: Windows does not print 'wrote demo\\fixes\\m365.csv': $(grep wrote "$work/windows/demo.stdout" | tr -d '\r' | tr '\n' ' ')")
grep -q 'wrote demo/fixes/m365.csv' "$work/linux/demo.stdout" ||
  failures+=("demo: Linux does not print 'wrote demo/fixes/m365.csv'")

echo "== Windows check: $cases cases and the demo, $compared output files compared, $((SECONDS - started)) s"
if [ ${#failures[@]} -gt 0 ]; then
  echo "!! preflight.exe under Wine differs from Linux:" >&2
  printf '   %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "   byte-identical to Linux under $(wine --version 2>/dev/null)"
