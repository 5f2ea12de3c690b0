#!/usr/bin/env node
// jsforce (npm, pinned in package-lock.json) reads every Opportunity of the sf-emulator with the
// SOQL of query.soql twice: a REST query with autoFetch (all pages) and a Bulk API 2.0 query job
// (conn.bulk2.query). For tests/regress/sql/16_real_clients.sql.
//
//   read_jsforce.js OUTDIR   writes OUTDIR/jsforce_rest.csv and OUTDIR/jsforce_bulk2.csv,
//                            prints one line each
//
// Environment: SF_EMULATOR_URL (http://127.0.0.1:PORT), the emulator's default credentials; the
// token comes from jsforce's own OAuth2 refresh-token request.
// CSV written: header = the field paths of the SELECT; every non-null value double-quoted, as the
// client returned it (booleans true/false; REST numbers are JavaScript numbers, printed with
// String()); null = empty and unquoted, which COPY (FORMAT csv) reads as NULL. Bulk CSV has no
// null marker: an empty cell is null (Salesforce never stores '' in a field).
'use strict';

const fs = require('fs');
const path = require('path');
const jsforce = require('jsforce');

function soqlAndFields() {
  const soql = fs.readFileSync(path.join(__dirname, 'query.soql'), 'utf8').split(/\s+/).join(' ').trim();
  const select = soql.slice('SELECT '.length, soql.indexOf(' FROM '));
  return { soql, fields: select.split(',').map((f) => f.trim()) };
}

function text(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  throw new TypeError(`unexpected value ${JSON.stringify(value)}`);
}

// `Account.Name` is record.Account.Name; a null parent is null. A missing key is an error.
function restValue(record, fieldPath) {
  let value = record;
  for (const part of fieldPath.split('.')) {
    if (value === null) return null;
    if (!(part in value)) throw new Error(`no ${part} in ${JSON.stringify(value)}`);
    value = value[part];
  }
  return value;
}

function writeCsv(file, fields, rows) {
  const cell = (v) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`);
  const lines = [fields.map(cell).join(',')];
  for (const row of rows) lines.push(row.map(cell).join(','));
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

async function readRest(conn, soql, fields) {
  const result = await conn.query(soql, { autoFetch: true, maxFetch: 1000000 });
  if (result.totalSize !== result.records.length) {
    throw new Error(`totalSize ${result.totalSize}, ${result.records.length} records`);
  }
  return result.records.map((r) => fields.map((f) => text(restValue(r, f))));
}

async function readBulk2(conn, soql, fields) {
  const stream = await conn.bulk2.query(soql, { pollInterval: 100, pollTimeout: 60000 });
  const rows = [];
  await new Promise((resolve, reject) => {
    stream.on('record', (record) => {
      const keys = Object.keys(record);
      if (keys.join(',') !== fields.join(',')) {
        reject(new Error(`bulk2 columns ${keys} are not ${fields}`));
        return;
      }
      rows.push(fields.map((f) => (record[f] === '' ? null : record[f])));
    });
    stream.on('error', reject);
    stream.on('end', resolve);
  });
  return rows;
}

async function main() {
  const outdir = process.argv[2];
  const { soql, fields } = soqlAndFields();
  const oauth2 = new jsforce.OAuth2({
    loginUrl: process.env.SF_EMULATOR_URL,
    clientId: 'sf-emulator-client',
    clientSecret: 'sf-emulator-secret',
  });
  const token = await oauth2.refreshToken('sf-emulator-refresh');
  const conn = new jsforce.Connection({ instanceUrl: token.instance_url, accessToken: token.access_token });
  for (const [name, read] of [['rest', readRest], ['bulk2', readBulk2]]) {
    const rows = await read(conn, soql, fields);
    writeCsv(path.join(outdir, `jsforce_${name}.csv`), fields, rows);
    console.log(`jsforce ${name}: ${rows.length} rows`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
