//! Everything that talks to Salesforce: OAuth flows and the token store, the REST client with
//! its retries, Bulk API 2.0 query jobs, the API-limit governor, page decoding, and the threads
//! that keep waits interruptible, over an HTTP transport whose reads a cancel can drop. Never calls into Postgres except to check for interrupts on
//! the backend's own thread.

pub mod auth;
pub mod bulk_job;
pub mod client;
pub mod connection;
pub mod governor;
pub mod records;
pub mod threads;
pub mod token_store;
pub mod transport;
