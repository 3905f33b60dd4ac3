#!/usr/bin/env bash
# Runs the cargo-fuzz targets one after another, each for SECS seconds
# (default 120), seeded from ../shared/corpus, tests/fixtures and
# tests/fuzz_regressions. Needs `cargo install cargo-fuzz`; nightly flags are
# enabled on stable with RUSTC_BOOTSTRAP=1. Crashes land in fuzz/artifacts/;
# minimise one (`cargo fuzz tmin <target> <file>`) and save it as
# tests/fuzz_regressions/<format>/<what-broke>.
#
#   fuzz/run.sh                 # every target, 120 s each
#   SECS=30 fuzz/run.sh ris csv # some targets
set -euo pipefail
cd "$(dirname "$0")"
repo=..
corpus=${THEMA_CORPUS_DIR:-$repo/../shared/corpus}
secs=${SECS:-120}
all=(ris refworks pubmed pubmed_xml endnote_xml enw bibtex wos ovid csv bytes)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi
formats=(ris refworks pubmed pubmed-xml endnote-xml enw bibtex wos ovid csv)

seed() { # seed <corpus dir> <source dir>...
  local into=$1; shift
  mkdir -p "$into"
  for dir in "$@"; do
    [ -d "$dir" ] || continue
    find "$dir" -maxdepth 1 -type f ! -name README.md -exec cp -t "$into" {} +
  done
}

export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none -a
for t in "${targets[@]}"; do
  name=${t//_/-}
  if [ "$t" = bytes ]; then
    dirs=()
    for f in "${formats[@]}" other; do dirs+=("$corpus/$f" "$repo/tests/fixtures/$f"); done
    seed "corpus/$t" "${dirs[@]}" "$repo/tests/fuzz_regressions/bytes"
  else
    seed "corpus/$t" "$corpus/$name" "$repo/tests/fixtures/$name" "$repo/tests/fuzz_regressions/$name"
  fi
  echo "== $t: ${secs}s"
  # -timeout: a parse over 2 s is a hang; -rss_limit_mb: a blow-up. Large
  # seeds are cut to max_len so each run takes milliseconds.
  cargo fuzz run -s none -a "$t" "corpus/$t" -- \
    -max_total_time="$secs" -timeout=2 -rss_limit_mb=1024 -max_len=65536 \
    -dict=thema.dict -print_final_stats=1 2>&1 | tee "corpus/$t.log" | grep -E '^(#[0-9]+.*DONE|==|SUMMARY|stat::|Done)' || true
done
