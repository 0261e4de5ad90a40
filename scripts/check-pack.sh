#!/usr/bin/env bash
# CI step: the demo's evidence pack checks out with standard tools only (sha256sum, openssl, sed), and
# changing any byte of any file in it makes those tools fail. Run from the project folder after setup.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
STALKPROOF_PASSPHRASE="ci demo passphrase" .venv/bin/stalkproof demo --out "$work/demo" --json > "$work/demo.json"
pack="$work/demo/pack"
[ -f "$pack/SHA256SUMS" ] || { echo "check-pack: the demo made no pack in $pack" >&2; exit 1; }

# Every check VERIFY.txt asks for, in the pack folder given. Chained with && because `set -e` does not
# apply inside a function called as an `if` condition.
standard_checks() {
  (
    cd "$1" &&
      sha256sum --quiet --strict -c SHA256SUMS &&
      openssl pkeyutl -verify -pubin -inkey vault-public-key.pem -rawin -in manifest.json \
        -sigfile manifest.sig &&
      sed -n 's/^    {"path": "\(.*\)", "sha256": "\([0-9a-f]\{64\}\)".*/\2  \1/p' manifest.json |
      sha256sum --quiet --strict -c
  ) >/dev/null 2>&1
}

standard_checks "$pack" || { echo "check-pack: the demo's pack does not verify with sha256sum and openssl" >&2; exit 1; }
checked=0
while IFS= read -r -d '' file; do
  relative=${file#"$pack"/}
  copy="$work/tampered"
  rm -rf "$copy" && cp -a "$pack" "$copy"
  # Flip the last byte of this one file.
  size=$(stat -c %s "$copy/$relative")
  [ "$size" -gt 0 ] || continue
  byte=$(od -An -tu1 -j $((size - 1)) -N1 "$copy/$relative" | tr -d ' ')
  printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" | dd of="$copy/$relative" bs=1 seek=$((size - 1)) conv=notrunc status=none
  if standard_checks "$copy"; then
    echo "check-pack: changing one byte of $relative went unnoticed by sha256sum and openssl" >&2
    exit 1
  fi
  checked=$((checked + 1))
done < <(find "$pack" -type f -print0)
echo "check-pack: the demo pack verifies with sha256sum and openssl; a changed byte in each of its $checked files is caught"
