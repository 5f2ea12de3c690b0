//! Postgres' side: catalog reads (servers, user mappings, foreign tables and their options) and
//! the conversion of Salesforce values into datums.

pub mod catalog;
pub mod compat;
pub mod datum;
