#!/usr/bin/env bash
# Secret scan (CI's `secrets` job; runs here too): every tracked file is scanned with Yelp's
# detect-secrets, and each finding must already be in `.secrets.baseline` marked
# `"is_secret": false` — the strings reviewed so far: the Binance documentation's signing test
# vectors, the simulator's published test keys, test fixtures. Findings are matched by file and
# secret hash, not line, so moving code does not fail the scan; a new string does. After
# reviewing a new finding that is not a secret, add it:
#   .venv-secrets/bin/detect-secrets scan $(git ls-files) > .secrets.baseline
# and set its `"is_secret": false`.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-secrets
if [ ! -x "$venv/bin/detect-secrets" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check detect-secrets==1.5.0
fi
found=$(mktemp)
trap 'rm -f "$found"' EXIT
git ls-files -z -- . ":(exclude).secrets.baseline" | xargs -0 "$venv/bin/detect-secrets" scan > "$found"
"$venv/bin/python" - "$found" .secrets.baseline <<'PY'
import json, sys
found = json.load(open(sys.argv[1]))["results"]
reviewed = {
    (f, s["hashed_secret"])
    for f, items in json.load(open(sys.argv[2]))["results"].items()
    for s in items
    if s.get("is_secret") is False
}
new = [(f, s["type"], s["line_number"]) for f, items in found.items() for s in items
       if (f, s["hashed_secret"]) not in reviewed]
for f, kind, line in new:
    print(f"possible secret: {f}:{line} ({kind})")
if new:
    sys.exit(f"secret scan: {len(new)} new finding(s); remove them, or review and add them to .secrets.baseline")
print("secret scan: no new findings")
PY
