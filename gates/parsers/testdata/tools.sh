#!/usr/bin/env bash
# Installs the real report-writing tools golive's parser fixtures come from, once, into a cache
# outside the repository keyed by tool and version, and prints the path of the tool's command.
#
#   bash gates/parsers/testdata/tools.sh <tool>      # pytest jest vitest go-junit-report
#                                                   # cyclonedx-npm cyclonedx-py syft k6 mvn
#   bash gates/parsers/testdata/tools.sh versions    # the pinned versions, one "tool version" a line
#
# Cache: ${GOLIVE_TOOLS:-$HOME/.cache/golive/tools}/<tool>-<version>/, complete once it holds
# .complete (an interrupted install is redone). Sources: PyPI (pip), the npm registry (npm), the
# Go module proxy (go install), Maven Central (mvn, on first use of the sample project).
set -euo pipefail

PYTEST_VERSION=9.2.0
JEST_VERSION=30.5.2
JEST_JUNIT_VERSION=17.0.0
CYCLONEDX_NPM_VERSION=6.0.1
CYCLONEDX_PY_VERSION=7.5.0
GO_JUNIT_REPORT_VERSION=v2.1.0
SYFT_VERSION=v1.57.2
K6_VERSION=v1.8.1

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
TOOLS="${GOLIVE_TOOLS:-$HOME/.cache/golive/tools}"
mkdir -p "$TOOLS"

# install_once DIR COMMAND...: run the installer into DIR unless DIR/.complete exists (one at a time).
install_once() {
  local dir="$1"
  shift
  [[ -f "$dir/.complete" ]] && return 0
  exec 9>"$dir.lock"
  flock 9
  if [[ ! -f "$dir/.complete" ]]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    "$@" "$dir" >&2
    touch "$dir/.complete"
  fi
  flock -u 9
}

pip_into() { python3 -m venv "$2" && "$2/bin/pip" install --quiet --disable-pip-version-check "$1"; }
npm_into() { local dir="$1"; shift; npm install --silent --no-audit --no-fund --prefix "$dir" "$@"; }
go_into() { GOBIN="$2" GOFLAGS=-mod=mod go install "$1"; }

tool_path() {
  case "$1" in
    pytest)
      local d="$TOOLS/pytest-$PYTEST_VERSION"
      install_once "$d" pip_into "pytest==$PYTEST_VERSION"
      echo "$d/bin/pytest" ;;
    cyclonedx-py)
      local d="$TOOLS/cyclonedx-bom-$CYCLONEDX_PY_VERSION"
      install_once "$d" pip_into "cyclonedx-bom==$CYCLONEDX_PY_VERSION"
      echo "$d/bin/cyclonedx-py" ;;
    jest)
      local d="$TOOLS/jest-${JEST_VERSION}_jest-junit-$JEST_JUNIT_VERSION"
      install_once "$d" npm_into_jest
      echo "$d/node_modules/.bin/jest" ;;
    cyclonedx-npm)
      local d="$TOOLS/cyclonedx-npm-$CYCLONEDX_NPM_VERSION"
      install_once "$d" npm_into_cyclonedx
      echo "$d/node_modules/.bin/cyclonedx-npm" ;;
    vitest)
      # The repository's own vitest (its lock file pins the version); nothing to install.
      echo "$REPO/node_modules/.bin/vitest" ;;
    go-junit-report)
      local d="$TOOLS/go-junit-report-$GO_JUNIT_REPORT_VERSION"
      install_once "$d" go_into "github.com/jstemmer/go-junit-report/v2@$GO_JUNIT_REPORT_VERSION"
      echo "$d/go-junit-report" ;;
    syft)
      local d="$TOOLS/syft-$SYFT_VERSION"
      install_once "$d" go_into "github.com/anchore/syft/cmd/syft@$SYFT_VERSION"
      echo "$d/syft" ;;
    k6)
      local d="$TOOLS/k6-$K6_VERSION"
      install_once "$d" go_into "go.k6.io/k6@$K6_VERSION"
      echo "$d/k6" ;;
    mvn)
      command -v mvn >/dev/null || { echo "mvn is not installed: apt-get install maven" >&2; return 1; }
      command -v mvn ;;
    *)
      echo "unknown tool $1" >&2
      return 2 ;;
  esac
}
npm_into_jest() { npm_into "$1" "jest@$JEST_VERSION" "jest-junit@$JEST_JUNIT_VERSION"; }
npm_into_cyclonedx() { npm_into "$1" "@cyclonedx/cyclonedx-npm@$CYCLONEDX_NPM_VERSION"; }

if [[ "${1:-}" == "versions" ]]; then
  printf '%s\n' "pytest $PYTEST_VERSION" "jest $JEST_VERSION" "jest-junit $JEST_JUNIT_VERSION" "cyclonedx-npm $CYCLONEDX_NPM_VERSION" \
    "cyclonedx-py $CYCLONEDX_PY_VERSION" "go-junit-report $GO_JUNIT_REPORT_VERSION" "syft $SYFT_VERSION" "k6 $K6_VERSION"
elif [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  tool_path "${1:?usage: tools.sh <tool>|versions}"
fi
