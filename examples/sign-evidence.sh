#!/usr/bin/env bash
# Regenerates examples/evidence/ from examples/evidence-sources/ with the DEMO keys, the way a
# team's pipeline would: each report parsed, summarised and signed by the role that owns it.
set -euo pipefail
cd "$(dirname "$0")/.."
golive() { npx --no-install tsx cli/main.ts "$@"; }
R=underwriting-api-2-4-1
SRC=examples/evidence-sources
OUT=examples/evidence
KEYS=examples/keys
rm -rf "$OUT" && mkdir -p "$OUT"

evidence() { # type file key out
  golive evidence create --release "$R" --type "$1" --file "$SRC/$2" --key "$KEYS/$3.key" -f examples/release.yaml > "$OUT/$4.yaml"
  echo "signed $1 ($2) as $3"
}
evidence UnitTestReport unit-tests.xml qa-lead unit-tests
evidence FunctionalTestReport functional-tests.xml qa-lead functional-tests
evidence IntegrationTestReport integration-tests.xml qa-lead integration-tests
evidence DefectList defects.csv qa-lead defects
evidence PerformanceTestReport k6-summary.json qa-lead performance
# 8.6 a-c: one scan of each kind; each SARIF run says its kind in automationDetails.id (or the tool is a known one).
evidence SecurityScan sast.sarif security-officer sast
evidence SecurityScan dast.sarif security-officer dast
evidence SecurityScan config-scan.sarif security-officer config-scan
evidence PenetrationTestReport pentest.md security-officer pentest
evidence ConfigurationBaseline sbom.cdx.json release-manager sbom
evidence SLA sla.md release-manager sla
evidence OperationsManual ops-manual.md release-manager ops-manual
evidence RolloutPlan rollout-plan.md release-manager rollout-plan
evidence RollbackPlan rollback-plan.md release-manager rollback-plan
evidence RollbackTestReport rollback-test.md release-manager rollback-test
evidence TrainingPlan training-plan.md release-manager training-plan
evidence RiskAssessment risk-assessment.md release-manager risk-assessment
evidence ChangeList changes.md release-manager changes

approve() { # role key
  golive approve --release "$R" --role "$1" --key "$KEYS/$2.key" --stage Release -f examples/release.yaml --comment "Approved for go-live" > "$OUT/approval-$1.yaml"
  echo "approved as $1"
}
# The business owner's signed acceptance of the deferred defect (the defect list's acceptedBy
# column is QA's note and accepts nothing).
golive accept --release "$R" --defects UW-9 --reason "Legacy template retired in Q1; the misalignment is cosmetic" --key "$KEYS/business-owner.key" -f examples/release.yaml > "$OUT/acceptance.yaml"
echo "accepted UW-9 as business-owner"

approve business-owner business-owner
approve release-manager release-manager
approve security-officer security-officer
