// Sample k6 test for golive's fixtures: a few requests to a loopback server the script
// regenerate.sh starts, a capacity_ counter, and handleSummary writing the summary object.
import http from "k6/http";
import { Counter } from "k6/metrics";

const issued = new Counter("capacity_policies_issued");

export const options = { vus: 2, iterations: 20, summaryTrendStats: ["avg", "med", "p(90)", "p(95)", "p(99)", "max"] };

export default function () {
  const res = http.get(`${__ENV.TARGET}/quote`);
  if (res.status === 200) issued.add(1);
}

export function handleSummary(data) {
  return { [__ENV.HANDLE_SUMMARY_OUT]: JSON.stringify(data, null, 2) };
}
