#!/usr/bin/env node
// What a Node user would script without the FDW: jsforce (pinned in tests/real-clients/
// package-lock.json, installed by bench/refresh.sh into bench/.venv-jsforce) reads every
// Opportunity through a Bulk API 2.0 query job (conn.bulk2.query: create, poll, results pages
// one after another by Sforce-Locator) and writes the records as CSV to stdout, for
//   psql -c "\copy TABLE (COLUMNS) from stdin (format csv, header)"
// in the same pipeline.
//
// Usage: node jsforce_bulk_load.js EMULATOR_URL COLUMN=Field [COLUMN=Field...]
// EMULATOR_URL is the sf-emulator's http URL: jsforce takes it as loginUrl (token through its
// own OAuth2 refresh-token request) and the token's http instance_url, no redirect needed.
//
// CSV written: a header of the table's column names, then one line per record, the fields in
// the order given. jsforce's record stream gives every cell as a string (csv-parse, no casts):
// an empty cell is null (Bulk CSV has no null marker, and Salesforce never stores '' in a
// field), written empty and unquoted, which COPY (FORMAT csv) reads as NULL; every other value
// is double-quoted as the client returned it ("true"/"false", ISO datetimes ending in Z, exact
// decimal text): PostgreSQL's input functions read them as the snapshot's types. The records
// go to stdout as they arrive; when the pipe is full the record stream is paused.
// jsforce 3.10.16 pipes every results page, header line included, into one CSV parser: the
// header of each page after the first arrives as a record whose every value is its own field
// name (found here; no valid record looks like that: "Id" is not an Id). Those are skipped and
// counted. Counts go to stderr ("jsforce bulk2: N records, M repeated headers skipped").
'use strict';

const path = require('path');
// jsforce is installed next to this script's venv, not globally.
const jsforce = require(path.join(__dirname, '..', '.venv-jsforce', 'node_modules', 'jsforce'));

const POLL_INTERVAL_MS = 100; // jsforce's default is 1000 ms: see bench/README.md

function cell(value) {
  if (value === null || value === undefined || value === '') return '';
  return `"${String(value).replace(/"/g, '""')}"`;
}

async function main() {
  const [emulator, ...pairs] = process.argv.slice(2);
  const columns = pairs.map((p) => p.slice(0, p.indexOf('=')));
  const fields = pairs.map((p) => p.slice(p.indexOf('=') + 1));
  const oauth2 = new jsforce.OAuth2({
    loginUrl: emulator,
    clientId: 'sf-emulator-client',
    clientSecret: 'sf-emulator-secret',
  });
  const token = await oauth2.refreshToken('sf-emulator-refresh');
  const conn = new jsforce.Connection({
    instanceUrl: token.instance_url,
    accessToken: token.access_token,
    version: '62.0',
  });
  const soql = `SELECT ${fields.join(', ')} FROM Opportunity`;
  const records = await conn.bulk2.query(soql, { pollInterval: POLL_INTERVAL_MS, pollTimeout: 3600000 });

  const out = process.stdout;
  let buffered = [];
  let count = 0;
  let headers = 0;
  const flush = () => {
    if (buffered.length === 0) return true;
    const ok = out.write(buffered.join(''));
    buffered = [];
    return ok;
  };
  out.write(columns.join(',') + '\n');
  await new Promise((resolve, reject) => {
    let checked = false;
    records.on('record', (record) => {
      if (!checked) {
        const keys = Object.keys(record);
        if (keys.join(',') !== fields.join(',')) {
          reject(new Error(`bulk2 columns ${keys} are not ${fields}`));
          return;
        }
        checked = true;
      }
      if (fields.every((f) => record[f] === f)) {
        headers += 1;
        return;
      }
      let line = '';
      for (let i = 0; i < fields.length; i++) {
        if (i > 0) line += ',';
        line += cell(record[fields[i]]);
      }
      buffered.push(line + '\n');
      count += 1;
      if (buffered.length >= 1000 && !flush()) {
        records.pause();
        out.once('drain', () => records.resume());
      }
    });
    records.on('error', reject);
    records.on('end', resolve);
  });
  flush();
  process.stderr.write(`jsforce bulk2: ${count} records, ${headers} repeated headers skipped\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
