#!/usr/bin/env node
// Checks SOQL strings with two independent parsers:
//   - @jetstreamapp/soql-parser-js (a hand-written Chevrotain parser), and
//   - @salesforce/soql-common (Salesforce's own ANTLR grammar for SOQL, run on antlr4ts).
// Input: a file with one JSON string per line (blank lines ignored). Duplicates are checked once.
// Output: one block per failing query with each parser's message, then the line
//   soql-check: N passed, M failed
// Exit status: 0 when every query is accepted by both parsers, 1 otherwise, 2 on bad usage.
'use strict';

const fs = require('fs');
const jetstream = require('@jetstreamapp/soql-parser-js');
const { CommonTokenStream } = require('antlr4ts');
const { SoqlLexer } = require('@salesforce/soql-common/lib/soql-parser/generated/SoqlLexer');
const { SoqlParser } = require('@salesforce/soql-common/lib/soql-parser/generated/SoqlParser');
const { ParserHelper } = require('@salesforce/soql-common/lib/soql-parser/parserHelper');
const { LowerCasingCharStream } = require('@salesforce/soql-common/lib/soql-parser');

// The API version the FDW uses by default (server option api_version v62.0).
const API_VERSION = 62;

function collectingListener(errors, kind) {
  return {
    syntaxError(_recognizer, _symbol, line, column, message) {
      errors.push(`${kind} error at ${line}:${column}: ${message}`);
    },
  };
}

// Salesforce grammar: lexer and parser errors both count; the start rule ends with EOF,
// so trailing garbage is an error too.
function checkSalesforce(soql) {
  const errors = [];
  const lexer = new SoqlLexer(new LowerCasingCharStream(soql));
  lexer.removeErrorListeners();
  lexer.addErrorListener(collectingListener(errors, 'lexer'));
  const parser = new SoqlParser(new CommonTokenStream(lexer));
  parser.removeErrorListeners();
  parser.addErrorListener(collectingListener(errors, 'parser'));
  parser.helper = new ParserHelper(false, API_VERSION, false);
  parser.soqlQuery();
  return errors;
}

function checkJetstream(soql) {
  try {
    jetstream.parseQuery(soql);
    return [];
  } catch (e) {
    return [String((e && e.message) || e)];
  }
}

function main(argv) {
  if (argv.length !== 1) {
    console.error('usage: node check.js FILE   (one JSON-encoded SOQL string per line)');
    return 2;
  }
  const lines = fs.readFileSync(argv[0], 'utf8').split('\n');
  const seen = new Set();
  let passed = 0;
  let failed = 0;
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let soql;
    try {
      soql = JSON.parse(line);
    } catch (e) {
      failed += 1;
      console.log(`line ${index + 1}: not a JSON string: ${e.message}`);
      return;
    }
    if (typeof soql !== 'string') {
      failed += 1;
      console.log(`line ${index + 1}: not a JSON string`);
      return;
    }
    if (seen.has(soql)) return;
    seen.add(soql);
    const problems = [];
    for (const message of checkJetstream(soql)) problems.push(`  soql-parser-js: ${message}`);
    for (const message of checkSalesforce(soql)) problems.push(`  soql-common: ${message}`);
    if (problems.length === 0) {
      passed += 1;
    } else {
      failed += 1;
      console.log(`FAILED: ${soql}`);
      for (const p of problems) console.log(p.replace(/\n/g, '\n    '));
    }
  });
  console.log(`soql-check: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
