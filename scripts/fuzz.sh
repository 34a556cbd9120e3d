#!/usr/bin/env bash
# A bounded cargo-fuzz run of both targets (fuzz/): `scripts/fuzz.sh [SECONDS_PER_TARGET]`.
# Installs cargo-fuzz if missing. Builds without a sanitizer (`-s none`), so the stable
# toolchain serves; the targets assert their own properties (a panic is a finding).
# Findings land in fuzz/artifacts/<target>/; the corpus grows in fuzz/corpus/<target>/,
# seeded with the test photos and the hostile corpus for the image target.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
cargo fuzz build -s none -O
mkdir -p corpus/scrub_image corpus/my_number_parse
find ../tests/fixtures/images -type f -size -2M -exec cp -n {} corpus/scrub_image/ \;
for target in my_number_parse scrub_image; do
  echo "== $target: ${seconds}s"
  # -rss_limit_mb: the image target's decoder budget is 64 MiB, so 1 GiB is a real bound.
  cargo fuzz run -s none -O "$target" -- -max_total_time="$seconds" -rss_limit_mb=1024 \
    -max_len=1048576 2>&1 | grep -E '^#[0-9]+.*DONE|^Done|ERROR|panicked|SUMMARY' || true
  if [ -n "$(ls -A "artifacts/$target" 2>/dev/null)" ]; then
    echo "findings in fuzz/artifacts/$target"; exit 1
  fi
done
