#!/usr/bin/env bash
# Builds each fuzz target's corpus, fuzz/corpus/<target>/, from fixtures/:
# every fixture file for the detection and loader targets; for `proxies` and
# `address`, also every distinct line of the text fixtures (one cell list or
# address per line is closer to what those functions see than a whole file).
# The corpora are generated and ignored by git; libFuzzer grows them.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(detect load_any load_okta load_ad load_insync load_m365 proxies address)
for t in "${targets[@]}"; do
  dir="fuzz/corpus/$t"
  mkdir -p "$dir"
  find fixtures -type f -size +0 -print0 |
    while IFS= read -r -d '' f; do
      cp "$f" "$dir/$(sha1sum "$f" | cut -c1-16)"
    done
done

for t in proxies address; do
  dir="fuzz/corpus/$t"
  find fixtures -type f \( -name '*.csv' -o -name '*.txt' \) -print0 |
    xargs -0 cat |
    tr -d '\r' |
    sort -u |
    while IFS= read -r line; do
      [ -n "$line" ] || continue
      printf '%s' "$line" >"$dir/line-$(printf '%s' "$line" | sha1sum | cut -c1-16)"
    done
done

for t in "${targets[@]}"; do
  echo "fuzz/corpus/$t: $(find "fuzz/corpus/$t" -type f | wc -l) files"
done
