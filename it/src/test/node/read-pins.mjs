// Reads a graph the way another tool would: LanceDB opens every table at the Lance version an
// `ingraft graph pins --json` document pins, and prints all rows as one JSON object,
// {"<table>": {"version": N, "rows": [...]}}. With --head it opens each table's HEAD instead,
// which is NOT the graph (docs/reading.md): the test uses it to show the difference.
//
// usage: node read-pins.mjs PINS.json [--head]
import { readFileSync } from "node:fs";
import * as lancedb from "@lancedb/lancedb";

const [pinsFile, mode] = process.argv.slice(2);
const pins = JSON.parse(readFileSync(pinsFile, "utf8"));
const head = mode === "--head";

// Arrow gives 64-bit integers as BigInt, which JSON.stringify refuses: print them as numbers
// when they fit a double exactly, else as strings.
function plain(value) {
  if (typeof value === "bigint") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  return value;
}

const out = {};
for (const [name, pin] of Object.entries(pins.tables)) {
  // A table URI is <dir>/<Name>.lance: LanceDB connects to the directory and opens the name.
  const slash = pin.uri.lastIndexOf("/");
  const dir = pin.uri.slice(0, slash);
  const table = pin.uri.slice(slash + 1).replace(/\.lance$/, "");
  const db = await lancedb.connect(dir, { storageOptions: pins.storageOptions ?? {} });
  const t = await db.openTable(table);
  if (!head) {
    await t.checkout(pin.version);
  }
  const rows = [];
  for (const batch of await t.query().toArrow().then((tbl) => tbl.batches)) {
    for (let i = 0; i < batch.numRows; i++) {
      const row = {};
      for (const field of batch.schema.fields) {
        const v = batch.getChild(field.name).get(i);
        if (v !== null && v !== undefined) {
          row[field.name] = plain(v);
        }
      }
      rows.push(row);
    }
  }
  out[name] = { version: await t.version(), rows };
  t.close();
  db.close();
}
process.stdout.write(JSON.stringify(out) + "\n");
