#!/usr/bin/env bash
# The layering rule of docs/ARCHITECTURE.md: imports point down, so nothing under src/transfer, src/sink,
# src/net or src/http imports src/cli or src/ui. Every relative module specifier (static `import ... from`,
# `import "..."`, `export ... from`, `import("...")`, `require("...")`, type-only imports included) is
# resolved against its file and must not land inside src/cli or src/ui. Comment lines are skipped.
# Usage: scripts/check-layers.sh [ROOT]   (ROOT: the tree holding src/, default this repository)
# Exit 0 when the rule holds; 1 listing each offending file:line; 2 on a bad ROOT.
set -euo pipefail

root="$(realpath -e "${1:-$(dirname "$0")/..}")" || exit 2
[[ -d "$root/src" ]] || { echo "check-layers: no src/ under $root" >&2; exit 2; }

spec_re="(from|import|require)[[:space:]]*\(?[[:space:]]*[\"'\`][^\"'\`]+[\"'\`]"
bad=0
for layer in transfer sink net http; do
  [[ -d "$root/src/$layer" ]] || continue
  while IFS= read -r hit; do
    file="${hit%%:*}" rest="${hit#*:}"
    line="${rest%%:*}" text="${rest#*:}"
    [[ "$text" =~ ^[[:space:]]*(//|/?\*) ]] && continue
    while IFS= read -r spec; do
      # The quoted specifier, without a process per import (a few hundred of them took 30 s of a busy
      # machine's time, sed and realpath each).
      spec="${spec%[\"\'\`]}"
      spec="${spec##*[\"\'\`]}"
      [[ "$spec" == .* ]] || continue
      # Only a specifier naming a cli or ui directory can land in src/cli or src/ui from below them.
      [[ "$spec" =~ (^|/)(cli|ui)(/|$) ]] || continue
      target="$(realpath -m "$(dirname "$file")/$spec")"
      for upper in cli ui; do
        if [[ "$target" == "$root/src/$upper" || "$target" == "$root/src/$upper/"* ]]; then
          echo "${file#"$root/"}:$line: imports $spec (src/$upper)"
          bad=1
        fi
      done
    done < <(grep -oE "$spec_re" <<<"$text")
  done < <(grep -rnE --include='*.ts' --include='*.tsx' --include='*.mts' --include='*.cts' \
             --include='*.js' --include='*.mjs' --include='*.cjs' "$spec_re" "$root/src/$layer" || true)
done

if [[ $bad -ne 0 ]]; then
  echo "check-layers: src/transfer, src/sink, src/net and src/http must not import src/cli or src/ui" >&2
  exit 1
fi
echo "check-layers: ok"
