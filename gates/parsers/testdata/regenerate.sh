#!/usr/bin/env bash
# Regenerates golive's parser fixtures from the sample projects in projects/, with the real
# tools (installed once by tools.sh into a cache outside the repository). Each tool's output goes
# to testdata/<tool>/ with a VERSION file naming the tool versions that wrote it.
#
#   bash gates/parsers/testdata/regenerate.sh               # every tool
#   bash gates/parsers/testdata/regenerate.sh pytest jest   # only these
#
# Tools: pytest jest vitest go-junit-report surefire cyclonedx-npm cyclonedx-py syft k6.
# The sample projects are copied to a temporary directory first, so nothing is written into
# projects/. After regenerating, run the parser tests: they assert the counts of these files.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECTS="$HERE/projects"
tool() { bash "$HERE/tools.sh" "$1"; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

out_dir() { rm -rf "$HERE/$1"; mkdir -p "$HERE/$1"; echo "$HERE/$1"; }
copy_project() { cp -r "$PROJECTS/$1" "$WORK/$1"; echo "$WORK/$1"; }

regen_pytest() {
  local pytest out dir
  pytest="$(tool pytest)"; out="$(out_dir pytest)"; dir="$(copy_project pytest)"
  (cd "$dir" && "$pytest" -p no:cacheprovider --junitxml=junit.xml -q >"$out/pytest-output.txt" 2>&1 || true)
  cp "$dir/junit.xml" "$out/junit.xml"
  "$pytest" --version 2>&1 | sed -n 1p >"$out/VERSION"
}

regen_jest() {
  local jest reporter out dir
  jest="$(tool jest)"; out="$(out_dir jest)"; dir="$(copy_project jest)"
  # jest-junit lives in the tool cache, not in the project: name the reporter by its path.
  reporter="$(dirname "$(dirname "$jest")")/jest-junit"
  (cd "$dir" && JEST_JUNIT_OUTPUT_DIR=. JEST_JUNIT_OUTPUT_NAME=junit.xml "$jest" --ci --reporters=default --reporters="$reporter" >/dev/null 2>&1 || true)
  cp "$dir/junit.xml" "$out/junit.xml"
  (cd "$dir" && JEST_JUNIT_OUTPUT_DIR=. JEST_JUNIT_OUTPUT_NAME=junit-suite-errors.xml JEST_JUNIT_REPORT_TEST_SUITE_ERRORS=true "$jest" --ci --reporters=default --reporters="$reporter" >/dev/null 2>&1 || true)
  cp "$dir/junit-suite-errors.xml" "$out/junit-suite-errors.xml"
  { echo "jest $("$jest" --version)"; echo "jest-junit $(node -p "require('$reporter/package.json').version")"; } >"$out/VERSION"
}

regen_vitest() {
  local vitest out dir
  vitest="$(tool vitest)"; out="$(out_dir vitest)"; dir="$(copy_project vitest)"
  (cd "$dir" && "$vitest" run --root . --reporter=junit --outputFile=junit.xml >/dev/null 2>&1 || true)
  cp "$dir/junit.xml" "$out/junit.xml"
  "$vitest" --version | sed 's/^/vitest /' | sed -n 1p >"$out/VERSION"
}

regen_go_junit_report() {
  local gjr out dir
  gjr="$(tool go-junit-report)"; out="$(out_dir go-junit-report)"; dir="$(copy_project gotest)"
  (cd "$dir" && go test -v -count=1 ./... >"$out/go-test-v.txt" 2>&1 || true)
  # go test output carries the temporary directory's name in no line; the package path is fixed.
  "$gjr" -in "$out/go-test-v.txt" -out "$out/junit.xml"
  { go version; bash "$HERE/tools.sh" versions | grep '^go-junit-report '; } >"$out/VERSION"
}

regen_surefire() {
  local mvn out dir
  mvn="$(tool mvn)"; out="$(out_dir surefire)"; dir="$(copy_project maven)"
  (cd "$dir" && "$mvn" -B -q test >/dev/null 2>&1 || true)
  cp "$dir"/target/surefire-reports/*.xml "$out/"
  { "$mvn" -v 2>/dev/null | sed -n 1p | sed 's/\x1b\[[0-9;]*m//g'; echo "maven-surefire-plugin $(sed -n 's:.*<surefire.version>\(.*\)</surefire.version>.*:\1:p' "$dir/pom.xml")"; echo "junit-bom $(grep -A2 '<artifactId>junit-bom' "$dir/pom.xml" | sed -n 's:.*<version>\(.*\)</version>.*:\1:p')"; } >"$out/VERSION"
}

regen_cyclonedx_npm() {
  local cdx out dir
  cdx="$(tool cyclonedx-npm)"; out="$(out_dir cyclonedx-npm)"; dir="$(copy_project npm-sbom)"
  (cd "$dir" && npm ci --silent --no-audit --no-fund && "$cdx" --output-file "$out/bom.json" && "$cdx" --spec-version 1.7 --output-file "$out/bom-1.7.json")
  echo "cyclonedx-npm $("$cdx" --version)" >"$out/VERSION"
}

regen_cyclonedx_py() {
  local cdx out dir
  cdx="$(tool cyclonedx-py)"; out="$(out_dir cyclonedx-py)"; dir="$(copy_project py-sbom)"
  (cd "$dir" && "$cdx" requirements requirements.txt --output-file "$out/bom.json" && "$cdx" requirements --spec-version 1.7 requirements.txt --output-file "$out/bom-1.7.json")
  echo "cyclonedx-py $("$cdx" --version 2>&1 | sed -n 1p)" >"$out/VERSION"
}

regen_syft() {
  local syft out dir
  syft="$(tool syft)"; out="$(out_dir syft)"; dir="$(copy_project npm-sbom)"
  export SYFT_CHECK_FOR_APP_UPDATE=false
  "$syft" scan "dir:$dir" --source-name golive-sbom-sample --source-version 1.0.0 -q -o "cyclonedx-json=$out/cyclonedx.json" -o "spdx-json=$out/spdx.json"
  # A go-installed syft reports "[not provided]" as its version: record the pinned one.
  bash "$HERE/tools.sh" versions | grep '^syft ' >"$out/VERSION"
}

regen_k6() {
  local k6 out dir port pid
  k6="$(tool k6)"; out="$(out_dir k6)"; dir="$(copy_project k6)"
  port=$((20000 + RANDOM % 20000))
  node -e "require('http').createServer((q, s) => s.end('ok')).listen($port, '127.0.0.1')" &
  pid=$!
  sleep 1
  (cd "$dir" && K6_NO_USAGE_REPORT=true TARGET="http://127.0.0.1:$port" HANDLE_SUMMARY_OUT="$out/handle-summary.json" \
    "$k6" run --quiet --summary-export "$out/summary-export.json" --out "json=$WORK/k6-out.json" script.js >/dev/null)
  kill "$pid"
  # The metric stream has a line per sample; its first lines are enough to recognise it.
  head -n 20 "$WORK/k6-out.json" >"$out/out.json"
  "$k6" version | sed -n 1p >"$out/VERSION"
}

ALL=(pytest jest vitest go-junit-report surefire cyclonedx-npm cyclonedx-py syft k6)
for t in "${@:-${ALL[@]}}"; do
  echo "== $t"
  "regen_${t//-/_}"
done
