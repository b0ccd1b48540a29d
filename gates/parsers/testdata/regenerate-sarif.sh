#!/usr/bin/env bash
# Regenerates golive's SARIF fixtures (testdata/sarif-*.sarif) with the real scanners, run on the
# small sample projects in sarif-projects/, and records each tool's version in sarif-VERSIONS.
#
#   bash gates/parsers/testdata/regenerate-sarif.sh
#
# The scanners are installed once into a cache outside the repository
# (${GOLIVE_TOOLS:-$HOME/.cache/golive/tools}/<tool>-<version>/): semgrep and bandit from PyPI
# (pip, in a venv each), gosec from the Go module proxy (go install). Semgrep runs a local rule
# file (sarif-projects/semgrep-rules.yaml) with metrics off, so it needs no login or network.
# After regenerating, run the parser and gate tests: they assert what these files hold.
set -euo pipefail

SEMGREP_VERSION=1.185.0
BANDIT_VERSION=1.9.4
GOSEC_VERSION=v2.30.0

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECTS="$HERE/sarif-projects"
TOOLS="${GOLIVE_TOOLS:-$HOME/.cache/golive/tools}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$TOOLS"
# Semgrep prefixes rule ids with the rule file's directories unless it sits next to the target.
cp "$PROJECTS/semgrep-rules.yaml" "$WORK/semgrep-rules.yaml"

# install_once DIR COMMAND...: run the installer unless DIR/.complete exists.
install_once() {
  local dir="$1"
  shift
  [[ -f "$dir/.complete" ]] && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  "$@" "$dir" >&2
  touch "$dir/.complete"
}
pip_into() { python3 -m venv "$2" && "$2/bin/pip" install --quiet --disable-pip-version-check "$1"; }
go_into() { GOBIN="$2" GOFLAGS=-mod=mod go install "$1"; }

install_once "$TOOLS/semgrep-$SEMGREP_VERSION" pip_into "semgrep==$SEMGREP_VERSION"
install_once "$TOOLS/bandit-$BANDIT_VERSION" pip_into "bandit[sarif]==$BANDIT_VERSION"
install_once "$TOOLS/gosec-$GOSEC_VERSION" go_into "github.com/securego/gosec/v2/cmd/gosec@$GOSEC_VERSION"
SEMGREP="$TOOLS/semgrep-$SEMGREP_VERSION/bin/semgrep"
BANDIT="$TOOLS/bandit-$BANDIT_VERSION/bin/bandit"
GOSEC="$TOOLS/gosec-$GOSEC_VERSION/gosec"

# Each project is copied first, so the tools write nothing into sarif-projects/.
project() { rm -rf "$WORK/$1"; cp -r "$PROJECTS/$1" "$WORK/$1"; echo "$WORK/$1"; }

semgrep() { # project output
  local dir
  dir="$(project "$1")"
  (cd "$dir" && SEMGREP_ENABLE_VERSION_CHECK=0 "$SEMGREP" scan --config ../semgrep-rules.yaml --metrics=off --disable-version-check --quiet --sarif --output "$HERE/$2" . || [[ $? -eq 1 ]])
}
bandit() { # project output (exit 1 means "issues found")
  local dir
  dir="$(project "$1")"
  (cd "$dir" && "$BANDIT" -r . -q -f sarif -o "$HERE/$2" || [[ $? -eq 1 ]])
}
gosec() { # project output (exit 1 means "issues found")
  local dir
  dir="$(project "$1")"
  (cd "$dir" && "$GOSEC" -fmt sarif -out "$HERE/$2" ./... 2>/dev/null || [[ $? -eq 1 ]])
}

# Scan 1 and scan 2 of the same code base: scan 2 adds claims.py with a new injection. Semgrep OSS
# writes the placeholder fingerprint "requires login" on every result.
semgrep python-v1 sarif-semgrep-scan1.sarif
semgrep python-v2 sarif-semgrep-scan2.sarif
semgrep python-clean sarif-semgrep-clean.sarif
# Bandit: severity in result properties (issue_severity); a file it cannot parse is reported as
# an error notification of a run that still says executionSuccessful: true.
bandit python-v1 sarif-bandit.sarif
bandit broken-python sarif-bandit-syntax-error.sarif
# gosec (without -quiet, which skips -out when nothing is found): level "error" for MEDIUM findings, the real severity in the rule's tags. A package that
# does not type-check gives a log with no results and no rules, indistinguishable from a clean one.
gosec go sarif-gosec.sarif
gosec go-broken sarif-gosec-type-error.sarif

# Paths in the logs are relative to the copied project; nothing machine-specific is kept.
{
  echo "semgrep $("$SEMGREP" --version 2>/dev/null | tail -n1)"
  echo "bandit $("$BANDIT" --version | sed -n '1s/^bandit //p')"
  echo "gosec $(go version -m "$GOSEC" | awk '$1 == "mod" { print $3 }') ($(go version -m "$GOSEC" | sed -n '1s/.*: //p'))"
} >"$HERE/sarif-VERSIONS"
cat "$HERE/sarif-VERSIONS"
