-- Every SOQL string the FDW sent during the whole run must be accepted by two independent
-- SOQL parsers: @jetstreamapp/soql-parser-js and Salesforce's own ANTLR grammar
-- (@salesforce/soql-common), see tests/soql-check/. Each `emulator_log.py reset` of the
-- earlier tests appended the log's SOQL to $SF_TEST_TMP/all-soql.jsonl; this reset appends the
-- rest. Must stay the last test of the schedule.
\! python3 tests/emulator_log.py reset
-- Some SOQL was collected (more than the few queries of one test).
\! test "$(wc -l < "$SF_TEST_TMP/all-soql.jsonl")" -gt 100 && echo "soql collected"
-- Prints each rejected query with the parsers' messages; the summary line's count depends on
-- the tests in the schedule, so a clean run prints a fixed line instead.
\! cd tests/soql-check && npm ci --silent --no-audit --no-fund >/dev/null && node check.js "$SF_TEST_TMP/all-soql.jsonl" | sed -E 's/^soql-check: [1-9][0-9]* passed, 0 failed$/soql-check: all accepted/'
