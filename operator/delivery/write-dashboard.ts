// `npm run dashboards`: writes the chart's dashboard of golive's release and delivery series.
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { deliveryDashboardFile } from "./dashboard.js";

const dir = join(import.meta.dirname, "..", "..", "charts", "golive", "dashboards");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "golive-releases.json"), deliveryDashboardFile());
process.stdout.write(`wrote ${join(dir, "golive-releases.json")}\n`);
