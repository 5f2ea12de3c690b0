//! IMPORT FOREIGN SCHEMA: Salesforce describe JSON -> CREATE FOREIGN TABLE statements.
