#!/usr/bin/env bash
# Record every flow against the LIVE services (registry.ollama.ai and ollama.com), then lint the result.
#
# This is for a person with network access and their own Ollama account. No test and no CI job runs it
# (it refuses to run when $CI is set). The cassettes are redacted at save time and scanned for secrets
# before anything is written; review them (git diff) before you commit them.
#
# Needs (build first: npm ci, or npm run build):
#   ~/.ollama/id_ed25519          a key linked to your ollama.com account (or OAC_KEY=/path/to/key)
#   OAC_MODEL=ns/name:tag         a model that needs authentication to pull (required for the registry flow)
#   OLLAMA_API_KEY=…              for the api-key flow (skipped when unset)
#   OAC_ALLOW_PUSH=1              also record the push variants: they PUT the manifest they just read back,
#                                 unchanged, to OAC_MODEL (you need push rights to it); skipped otherwise
#   OAC_OUT=recordings/live       where the cassettes go (default recordings/live, beside the emulator ones)
#
# The basic flow is not recorded: Ollama's services do not use HTTP Basic (record it against your proxy
# with: oac record --target https://your-proxy --flow basic --basic-file FILE --origin local-stand-in).
set -euo pipefail

if [[ -n "${CI:-}" ]]; then
  echo "record-live: refusing to run in CI (CI=${CI}): live recordings are made by a person, on purpose" >&2
  exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLI="$ROOT/dist/cli/main.js"
OUT="${OAC_OUT:-$ROOT/recordings/live}"
if [[ ! -f "$CLI" ]]; then
  echo "record-live: $CLI is missing: run npm ci (or npm run build) first" >&2
  exit 1
fi

key_args=()
if [[ -n "${OAC_KEY:-}" ]]; then key_args=(--key "$OAC_KEY"); fi

failures=0
record() {
  echo "== oac record --target live $*"
  if ! node "$CLI" record --target live --recordings-dir "$OUT" "$@"; then
    failures=$((failures + 1))
  fi
}

if [[ -n "${OAC_MODEL:-}" ]]; then
  record --flow registry --variant pull --model "$OAC_MODEL" "${key_args[@]}"
  if [[ "${OAC_ALLOW_PUSH:-}" == "1" ]]; then
    record --flow registry --variant push-scope --model "$OAC_MODEL" --allow-push "${key_args[@]}"
    record --flow registry --variant multiple-scopes --model "$OAC_MODEL" --allow-push "${key_args[@]}"
  else
    echo "== skipping registry push-scope and multiple-scopes (set OAC_ALLOW_PUSH=1 to record them)"
  fi
else
  echo "== skipping the registry flow: set OAC_MODEL=ns/name:tag to a model that needs authentication" >&2
fi

record --flow direct --variant tags "${key_args[@]}"
record --flow direct --variant whoami "${key_args[@]}"
record --flow direct --variant request-uri "${key_args[@]}"

if [[ -n "${OLLAMA_API_KEY:-}" ]]; then
  record --flow api-key --variant tags
else
  echo "== skipping the api-key flow: set OLLAMA_API_KEY"
fi

echo "== lint $OUT"
if [[ -d "$OUT" ]]; then
  OAC_LINT_DIR="$OUT" node --input-type=module -e '
    const { lintRecordings, formatCassetteProblem } = await import(process.argv[1]);
    const problems = lintRecordings(process.env.OAC_LINT_DIR);
    for (const p of problems) console.error(formatCassetteProblem(p));
    console.log(problems.length === 0 ? "lint: ok" : `lint: ${problems.length} problem(s)`);
    process.exitCode = problems.length === 0 ? 0 : 1;
  ' "file://$ROOT/dist/recorder/index.js" || failures=$((failures + 1))
fi

if [[ $failures -gt 0 ]]; then
  echo "record-live: $failures step(s) failed (a failed handshake is reported and not saved)" >&2
  exit 1
fi
echo "record-live: done; review the cassettes under $OUT before committing them"
