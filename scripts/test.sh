#!/usr/bin/env bash
# The whole test suite: a throwaway PostgreSQL cluster, then `dotnet test DataExchange.sln`.
# Ends with one line "N passed, N failed, N skipped" summed over all test projects; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/postgres.sh

pg_dir=".data/test-pg-$$"
cleanup() { pg_down; rm -rf "$pg_dir"; }
trap cleanup EXIT

if [ -z "${DX_DATABASE_URL:-}" ]; then
  pg_up "$pg_dir" "$(free_port)"
fi
# Tests create one schema per test class in this database.
export DX_TEST_DATABASE_URL="$DX_DATABASE_URL"

# The explorer's browser tests drive Debian's headless Chromium (Playwright's own browser download cannot work here).
# A CJK font (WenQuanYi Micro Hei) so that the Chinese pages render as text, not boxes, in its screenshots.
if { ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; } \
  && [ "${DX_SKIP_BROWSER_INSTALL:-0}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei) >/dev/null 2>&1 \
    || echo "warning: could not install chromium; the explorer's browser tests will fail" >&2
fi

log="$(mktemp)"
set +e
api_failed=0
if [ "${DX_SKIP_API_CHECK:-0}" != "1" ]; then
  scripts/api-check.sh || api_failed=1
fi
dotnet test DataExchange.sln --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The explorer's in-browser receipt verifier (JavaScript, no dependencies): node --test, counted like a test project
# (left out of a run narrowed with --filter).
[[ " $* " == *" --filter "* ]] || node --test --test-reporter=tap tests/explorer-verify/ 2>&1 | awk '/^not ok/{print > "/dev/stderr"} /^# pass/{p=$3} /^# fail/{f=$3} END{printf "%s!  - Failed: %d, Passed: %d, Skipped: 0, Total: %d - node --test tests/explorer-verify\n", (f>0||p==0)?"Failed":"Passed", (f>0||p==0)?(f>0?f:1):0, p, p+f}' | tee -a "$log"; [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
set -e
if [ "$api_failed" -ne 0 ]; then
  echo "Failed!  - Failed:     1, Passed:     0, Skipped:     0, Total:     1 - scripts/api-check.sh (buf lint / buf breaking)" >> "$log"
  status=1
fi

summary=$(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\1 \2 \3/' \
  | awk '{f+=$1; p+=$2; s+=$3} END {printf "%d passed, %d failed, %d skipped", p, f, s}')
rm -f "$log"
[ -n "$summary" ] || summary="0 passed, 1 failed, 0 skipped"
if [ "$status" -ne 0 ] && [[ "$summary" == *" 0 failed"* ]]; then
  # The build or a test host failed before reporting results.
  summary="${summary/ 0 failed/ 1 failed}"
fi
echo "$summary"
exit "$status"
