//! What the planner knows about an object, fetched once per backend, server, user and object:
//! its record count from `/limits/recordCount` (row estimates) and its fields from describe
//! (which fields Salesforce can filter and sort, and their types, so that only conditions it
//! accepts are pushed). Planning never fails because of it: when Salesforce cannot be asked
//! (no user mapping, unreachable, no permission), defaults are used and remembered, so
//! planning does not wait on the network again, and nothing is pushed down.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pgrx::pg_sys;
use serde_json::Value;

use crate::describe::{parent_reference, polymorphic_reference};
use crate::options::{AuthMethod, ServerOptions};
use crate::pg::catalog;
use crate::remote::client::SalesforceClient;

/// Rows assumed when the count is unknown.
pub const DEFAULT_ROWS: f64 = 1000.0;
/// Quick limits for a plan-time call.
const METADATA_TIMEOUT_MS: u64 = 10_000;

/// A field as describe reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    /// Salesforce type: `string`, `reference`, `currency`, `datetime`...
    pub sf_type: String,
    pub filterable: bool,
    pub sortable: bool,
    pub groupable: bool,
    pub aggregatable: bool,
    pub restricted_picklist: bool,
    /// A formula field (describe's `calculated`).
    pub formula: bool,
    /// Digits of a number field (describe's `precision`).
    pub precision: Option<u32>,
    /// The object a reference field points to, when it points to exactly one (describe's
    /// `referenceTo`; polymorphic references have none here).
    pub reference_to: Option<String>,
    /// The name parent fields are read through (`Account` for AccountId, `Account__r` for
    /// Account__c): describe's `relationshipName`.
    pub relationship_name: Option<String>,
    /// A polymorphic reference (`WhatId`): `reference_to` lists the objects it may point to,
    /// and only their Id and Name are read through `relationship_name`.
    pub polymorphic: bool,
}

impl FieldInfo {
    /// The objects a reference may point to (one, or a polymorphic reference's several).
    pub fn reference_targets(&self) -> Vec<&str> {
        self.reference_to
            .as_deref()
            .map(|to| to.split(',').collect())
            .unwrap_or_default()
    }
}

#[derive(Debug, Default)]
pub struct ObjectMeta {
    pub record_count: Option<u64>,
    /// Fields by lower-case API name; None when describe could not be had.
    pub fields: Option<HashMap<String, FieldInfo>>,
    /// Whether the object is multi-currency, when known otherwise than from `fields`.
    pub multi_currency: Option<bool>,
}

impl ObjectMeta {
    pub fn rows(&self) -> f64 {
        self.record_count.map(|n| n as f64).unwrap_or(DEFAULT_ROWS)
    }

    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields.as_ref()?.get(&name.to_ascii_lowercase())
    }

    /// Whether records of the object carry their own currency (the org has multi-currency
    /// on): describe then lists `CurrencyIsoCode`.
    pub fn multi_currency(&self) -> bool {
        self.multi_currency
            .unwrap_or_else(|| self.field("CurrencyIsoCode").is_some())
    }
}

/// How long what describe and recordCount said is trusted (a field added in Salesforce is
/// seen after this, or in a new session).
const TRUSTED_FOR: Duration = Duration::from_secs(600);

/// (server, user, lower-case object) -> what we know, and since when.
type MetaCache = HashMap<(u32, u32, String), (Instant, Arc<ObjectMeta>)>;

static CACHE: Mutex<Option<MetaCache>> = Mutex::new(None);

/// What is known of `object` for `user` (the role planning acts as) on the server. Asked on a
/// thread of its own, so a cancel or statement_timeout ends the wait; only complete answers
/// are kept (for TRUSTED_FOR, or until the server or a user mapping changes: `forget_all`),
/// so a failure is asked again next time.
pub fn object_meta(server_oid: pg_sys::Oid, user: pg_sys::Oid, object: &str) -> Arc<ObjectMeta> {
    let key = (
        server_oid.to_u32(),
        user.to_u32(),
        object.to_ascii_lowercase(),
    );
    if let Some(known) = CACHE.lock().ok().and_then(|c| {
        c.as_ref()?
            .get(&key)
            .filter(|(at, _)| at.elapsed() < TRUSTED_FOR)
            .map(|(_, meta)| meta.clone())
    }) {
        return known;
    }
    let meta = Arc::new(fetch(server_oid, user, object));
    if meta.record_count.is_some() && meta.fields.is_some() {
        if let Ok(mut guard) = CACHE.lock() {
            guard
                .get_or_insert_with(HashMap::new)
                .insert(key, (Instant::now(), meta.clone()));
        }
    }
    meta
}

/// Forgets everything cached: a server or user mapping changed (syscache invalidation).
pub fn forget_all() {
    if let Ok(mut guard) = CACHE.lock() {
        *guard = None;
    }
}

fn fetch(server_oid: pg_sys::Oid, user: pg_sys::Oid, object: &str) -> ObjectMeta {
    let Some(mut client) = client_for(server_oid, user) else {
        return ObjectMeta::default();
    };
    let object = object.to_string();
    crate::remote::threads::interruptible("Salesforce metadata", move || {
        client.set_off_main_thread(true);
        let record_count = client.record_count(&object).ok().flatten();
        let fields = client.describe(&object).ok().map(|d| fields_of(&d));
        Ok(ObjectMeta {
            record_count,
            fields,
            multi_currency: None,
        })
    })
    .unwrap_or_default()
}

/// What planning needs of a table, without asking Salesforce when IMPORT FOREIGN SCHEMA stored
/// it with the table (table option `multi_currency`, column options `sf_type`, `filterable`,
/// `sortable`; `estimated_rows`), else from describe and recordCount (`object_meta`).
///
/// # Safety
/// The table must be locked (it is, during planning).
pub unsafe fn table_meta(table_oid: pg_sys::Oid, user: pg_sys::Oid) -> Arc<ObjectMeta> {
    let (server_oid, options) = catalog::table_options(table_oid);
    let object = options
        .get("object")
        .map(|o| o.trim().to_string())
        .unwrap_or_default();
    let Some(multi_currency) = options
        .get("multi_currency")
        .and_then(|v| crate::options::parse_bool("multi_currency", v).ok())
    else {
        return object_meta(server_oid, user, &object);
    };
    // SAFETY: the caller holds the table's lock.
    let (_, columns) = unsafe { catalog::table_columns(table_oid) };
    // IMPORT writes a flag only when it differs from the default.
    let flag = |column: &crate::pg::catalog::TableColumn, name: &str, default: bool| {
        column
            .options
            .get(name)
            .and_then(|v| crate::options::parse_bool(name, v).ok())
            .unwrap_or(default)
    };
    let fields = columns
        .iter()
        .filter_map(|column| {
            let sf_type = column.options.get("sf_type")?.to_ascii_lowercase();
            Some((
                crate::scan::plan::field_of(column).to_ascii_lowercase(),
                FieldInfo {
                    sf_type,
                    filterable: flag(column, "filterable", true),
                    sortable: flag(column, "sortable", true),
                    groupable: flag(column, "groupable", true),
                    aggregatable: flag(column, "aggregatable", true),
                    restricted_picklist: flag(column, "restricted_picklist", false),
                    formula: flag(column, "formula", false),
                    precision: column.options.get("precision").and_then(|p| p.parse().ok()),
                    reference_to: column.options.get("reference_to").cloned(),
                    relationship_name: column.options.get("relationship_name").cloned(),
                    // (a reference to several objects is polymorphic, flagged or not)
                    polymorphic: flag(column, "polymorphic", false)
                        || column
                            .options
                            .get("reference_to")
                            .is_some_and(|to| to.contains(',')),
                },
            ))
        })
        .collect();
    Arc::new(ObjectMeta {
        record_count: options
            .get("estimated_rows")
            .and_then(|v| v.trim().parse().ok()),
        fields: Some(fields),
        multi_currency: Some(multi_currency),
    })
}

/// The object's record count, asked now (ANALYZE): an error when it cannot be had.
pub fn record_count_now(server_oid: pg_sys::Oid, object: &str) -> crate::error::SfResult<u64> {
    // SAFETY: GetUserId only reads the backend's current user id.
    let user = unsafe { pg_sys::GetUserId() };
    let mapping = catalog::user_mapping_or_error(user, server_oid)?;
    let mut client = client_with(server_oid, &mapping, None)?;
    let object = object.to_string();
    crate::remote::threads::interruptible("Salesforce recordCount", move || {
        client.set_off_main_thread(true);
        Ok(client.record_count(&object)?.unwrap_or(0))
    })
}

fn client_for(server_oid: pg_sys::Oid, user: pg_sys::Oid) -> Option<SalesforceClient> {
    // No user mapping only means "unknown" here.
    let mapping = catalog::user_mapping_if_any(user, server_oid)?;
    client_with(server_oid, &mapping, Some(METADATA_TIMEOUT_MS)).ok()
}

/// A client for the server as this mapping; `plan_time_timeout_ms` caps its timeout and
/// retries so that planning is not held up long.
fn client_with(
    server_oid: pg_sys::Oid,
    mapping: &HashMap<String, String>,
    plan_time_timeout_ms: Option<u64>,
) -> crate::error::SfResult<SalesforceClient> {
    let server = catalog::server(server_oid);
    let mut options = ServerOptions::from_map(&server.options)?;
    if let Some(timeout_ms) = plan_time_timeout_ms {
        options.request_timeout_ms = options.request_timeout_ms.min(timeout_ms);
        options.max_retries = options.max_retries.min(3);
    }
    let auth = AuthMethod::from_options(&server.options, mapping)?;
    SalesforceClient::new(options, auth)
}

/// The fields of a describe, by lower-case name.
pub fn fields_of(describe: &Value) -> HashMap<String, FieldInfo> {
    describe["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| {
                    let name = f["name"].as_str()?;
                    let parent = parent_reference(f);
                    let polymorphic = polymorphic_reference(f);
                    Some((
                        name.to_ascii_lowercase(),
                        FieldInfo {
                            sf_type: f["type"].as_str().unwrap_or("").to_ascii_lowercase(),
                            filterable: f["filterable"].as_bool().unwrap_or(false),
                            sortable: f["sortable"].as_bool().unwrap_or(false),
                            groupable: f["groupable"].as_bool().unwrap_or(false),
                            aggregatable: f["aggregatable"].as_bool().unwrap_or(false),
                            restricted_picklist: f["restrictedPicklist"].as_bool().unwrap_or(false),
                            formula: f["calculated"].as_bool().unwrap_or(false),
                            precision: f["precision"].as_u64().filter(|p| *p > 0).map(|p| p as u32),
                            polymorphic: polymorphic.is_some(),
                            reference_to: parent
                                .as_ref()
                                .map(|(object, _)| object.clone())
                                .or_else(|| {
                                    polymorphic.as_ref().map(|(objects, _)| objects.join(","))
                                }),
                            relationship_name: parent
                                .map(|(_, name)| name)
                                .or(polymorphic.map(|(_, name)| name)),
                        },
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}
