//! IMPORT FOREIGN SCHEMA: Salesforce describe JSON -> CREATE FOREIGN TABLE statements.
//!
//! Pure functions over the JSON of the global describe (`GET /sobjects`) and of one sObject
//! describe (`GET /sobjects/{Obj}/describe`); the FDW glue fetches those and hands the statements
//! to Postgres, which applies the IMPORT's target schema (so table names are never qualified).
//!
//! Table names always follow the `naming` option, whatever the LIMIT TO entry looked like
//! (`LIMIT TO ("Invoice__c")` and `LIMIT TO (invoice__c)` both create `invoice__c`). Postgres core
//! would drop every statement whose table name is not *exactly* a LIMIT TO entry
//! (`IsImportableForeignTable`, a plain `strcmp`), so our ImportForeignSchema callback
//! (`crate::import::callback`) applies LIMIT TO / EXCEPT itself and then lifts core's filter.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::error::{SfError, SfResult};
use crate::naming::snake_case;
use crate::options::parse_bool;

/// The options `IMPORT FOREIGN SCHEMA ... OPTIONS (...)` accepts.
pub const IMPORT_OPTIONS: &[&str] = &["naming", "include_base64", "converted_currency"];

/// Postgres truncates identifiers to NAMEDATALEN - 1 bytes; two long field names that differ
/// only after that would otherwise become the same column.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// How IMPORT names tables and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Naming {
    /// `StageName` -> `stage_name`, `Invoice__c` -> `invoice__c`.
    #[default]
    Snake,
    /// The API name itself, as a quoted identifier (`"StageName"`).
    Api,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOptions {
    pub naming: Naming,
    /// base64 fields hold a URL to a blob, not the data, so they are left out unless asked for.
    pub include_base64: bool,
    /// Beside each currency field of a multi-currency object, a `<name>_converted` column
    /// reading `convertCurrency(<field>)`: the amount in the Salesforce user's currency.
    pub converted_currency: bool,
}

/// Reads the options of `IMPORT FOREIGN SCHEMA ... OPTIONS (naming 'api', include_base64 'true')`.
pub fn parse_import_options(options: &HashMap<String, String>) -> SfResult<ImportOptions> {
    let mut parsed = ImportOptions::default();
    // Sorted so that, of several bad options, the same one is always reported.
    let mut names: Vec<&String> = options.keys().collect();
    names.sort();
    for name in names {
        let value = &options[name];
        match name.as_str() {
            "naming" => {
                parsed.naming = match value.trim().to_ascii_lowercase().as_str() {
                    "snake" => Naming::Snake,
                    "api" => Naming::Api,
                    _ => {
                        return Err(SfError::invalid_option(
                            "naming",
                            format!(
                                "\"{value}\" is not a naming: use 'snake' (the default: stage_name) or 'api' (API names as quoted identifiers: \"StageName\")"
                            ),
                        ))
                    }
                }
            }
            "include_base64" => parsed.include_base64 = parse_bool("include_base64", value)?,
            "converted_currency" => {
                parsed.converted_currency = parse_bool("converted_currency", value)?
            }
            _ => {
                return Err(SfError::UnknownOption {
                    option: name.clone(),
                    level: "IMPORT FOREIGN SCHEMA",
                    accepted: IMPORT_OPTIONS.join(", "),
                })
            }
        }
    }
    Ok(parsed)
}

/// The IMPORT's table filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListType {
    All,
    LimitTo,
    Except,
}

/// One object to import and the name its foreign table gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportTarget {
    /// API name, for the describe request and the table's `object` option.
    pub object: String,
    /// Unquoted, unqualified table name.
    pub table: String,
}

/// The API names to import, in global describe order: queryable objects only, filtered by
/// LIMIT TO / EXCEPT (see [`import_targets`] for how entries match).
pub fn select_objects(global: &Value, list: ListType, names: &[String]) -> SfResult<Vec<String>> {
    Ok(import_targets(global, list, names, Naming::Snake)?
        .into_iter()
        .map(|target| target.object)
        .collect())
}

/// The objects to import with their table names, in global describe order.
///
/// Only queryable, not deprecated-and-hidden objects are imported. A LIMIT TO / EXCEPT entry
/// matches an object's API name or its snake_case name, case-insensitively (`Invoice__c`,
/// `invoice__c`, `OpportunityLineItem`, `opportunitylineitem`, `opportunity_line_item`); an API
/// name match wins over a snake_case one. A LIMIT TO entry that matches nothing, or names an
/// object that cannot be queried, is an error rather than a silently missing table.
pub fn import_targets(
    global: &Value,
    list: ListType,
    names: &[String],
    naming: Naming,
) -> SfResult<Vec<ImportTarget>> {
    let objects = global_objects(global)?;
    match list {
        ListType::All => Ok(disambiguated_tables(
            objects.iter().filter(|o| o.importable()),
            naming,
        )),
        ListType::Except => {
            let mut excluded = HashSet::new();
            for entry in names {
                excluded.extend(resolve_entry(&objects, entry));
            }
            Ok(disambiguated_tables(
                objects
                    .iter()
                    .enumerate()
                    .filter(|(index, o)| o.importable() && !excluded.contains(index))
                    .map(|(_, o)| o),
                naming,
            ))
        }
        ListType::LimitTo => {
            let picked = limit_to_objects(&objects, names)?;
            Ok(disambiguated_tables(
                objects
                    .iter()
                    .enumerate()
                    .filter(|(index, _)| picked.contains(index))
                    .map(|(_, o)| o),
                naming,
            ))
        }
    }
}

/// The table name an object gets outside LIMIT TO.
pub fn table_name(object_api_name: &str, naming: Naming) -> String {
    match naming {
        Naming::Snake => snake_case(object_api_name),
        Naming::Api => object_api_name.to_string(),
    }
}

struct GlobalObject<'a> {
    name: &'a str,
    queryable: bool,
    deprecated_and_hidden: bool,
}

impl GlobalObject<'_> {
    fn importable(&self) -> bool {
        self.queryable && !self.deprecated_and_hidden
    }
}

fn global_objects(global: &Value) -> SfResult<Vec<GlobalObject<'_>>> {
    let malformed = |reason: &str| SfError::Protocol {
        url: "sobjects (global describe)".into(),
        reason: reason.into(),
    };
    let entries = global
        .get("sobjects")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no \"sobjects\" array"))?;
    entries
        .iter()
        .map(|entry| {
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .filter(|name| !name.is_empty())
                .ok_or_else(|| malformed("an sobjects entry has no \"name\""))?;
            Ok(GlobalObject {
                name,
                queryable: flag(entry, "queryable"),
                deprecated_and_hidden: flag(entry, "deprecatedAndHidden"),
            })
        })
        .collect()
}

fn flag(entry: &Value, key: &str) -> bool {
    entry.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Indexes of the objects one LIMIT TO / EXCEPT entry names: API name matches if any, else
/// snake_case matches.
fn resolve_entry(objects: &[GlobalObject<'_>], entry: &str) -> Vec<usize> {
    let by_api_name: Vec<usize> = (0..objects.len())
        .filter(|&i| objects[i].name.eq_ignore_ascii_case(entry))
        .collect();
    if !by_api_name.is_empty() {
        return by_api_name;
    }
    let lowered = entry.to_ascii_lowercase();
    (0..objects.len())
        .filter(|&i| snake_case(objects[i].name) == lowered)
        .collect()
}

/// Indexes of the objects LIMIT TO picks, validating every entry.
fn limit_to_objects(objects: &[GlobalObject<'_>], names: &[String]) -> SfResult<HashSet<usize>> {
    let mut unknown = Vec::new();
    let mut not_queryable = Vec::new();
    let mut picked: HashSet<usize> = HashSet::new();
    for entry in names {
        match resolve_entry(objects, entry).as_slice() {
            [] => unknown.push(entry.as_str()),
            [index] => {
                let object = &objects[*index];
                if object.importable() {
                    picked.insert(*index);
                } else {
                    not_queryable.push(object);
                }
            }
            several => {
                let matches: Vec<&str> = several.iter().map(|&i| objects[i].name).collect();
                return Err(invalid_type(
                    entry,
                    format!(
                        "LIMIT TO entry \"{entry}\" matches several objects ({}); write the API name, quoted, e.g. \"{}\"",
                        matches.join(", "),
                        matches[0]
                    ),
                ));
            }
        }
    }
    if !unknown.is_empty() {
        let quoted: Vec<String> = unknown.iter().map(|name| format!("\"{name}\"")).collect();
        let (noun, verb) = if unknown.len() == 1 {
            ("object", "is")
        } else {
            ("objects", "are")
        };
        return Err(invalid_type(
            unknown[0],
            format!(
                "{noun} {} {verb} not in this org's global describe; LIMIT TO takes an object's API name (Invoice__c, OpportunityLineItem) or its snake_case name (invoice__c, opportunity_line_item), and the Salesforce user must have access to the object",
                quoted.join(", ")
            ),
        ));
    }
    if let Some(object) = not_queryable.first() {
        let why = if object.deprecated_and_hidden {
            "it is deprecated and hidden"
        } else {
            "its global describe says queryable: false"
        };
        return Err(invalid_type(
            object.name,
            format!(
                "object \"{}\" cannot be queried ({why}), so it cannot be imported",
                object.name
            ),
        ));
    }
    Ok(picked)
}

/// An unknown or unusable object named in LIMIT TO (SQLSTATE fdw_table_not_found).
fn invalid_type(object: &str, message: String) -> SfError {
    SfError::ImportObject {
        object: object.to_string(),
        reason: message,
    }
}

/// Table names by `naming`, with objects whose names coincide (`FooBar__c` and `Foo_Bar__c` both
/// snake to `foo_bar__c`) made distinct, so no CREATE fails on an existing relation.
fn disambiguated_tables<'a, 'o: 'a>(
    objects: impl Iterator<Item = &'a GlobalObject<'o>>,
    naming: Naming,
) -> Vec<ImportTarget> {
    let objects: Vec<&GlobalObject<'_>> = objects.collect();
    let natural: Vec<String> = objects
        .iter()
        .map(|o| truncate_identifier(&table_name(o.name, naming)))
        .collect();
    unique_names(&natural, &vec![true; natural.len()])
        .into_iter()
        .zip(objects)
        .map(|(table, object)| ImportTarget {
            object: object.name.to_string(),
            table,
        })
        .collect()
}

/// Objects that global describe calls queryable but that refuse a query without a particular
/// filter (SALESFORCE.md 2.2 and 12.8, from tap-salesforce's QUERY_RESTRICTED_SALESFORCE_OBJECTS),
/// with the filter they need.
const FILTER_REQUIRED: &[(&str, &str)] = &[
    (
        "ContentDocumentLink",
        "ContentDocumentId or LinkedEntityId = an id (or IN a list of ids)",
    ),
    ("EntityParticle", UNNAMED_FILTER),
    ("FieldDefinition", UNNAMED_FILTER),
    ("IdeaComment", UNNAMED_FILTER),
    ("PicklistValueInfo", UNNAMED_FILTER),
    ("UserFieldAccess", UNNAMED_FILTER),
    ("Vote", UNNAMED_FILTER),
];
const UNNAMED_FILTER: &str = "a condition on one of its ids (Salesforce's error names it)";

/// The filter an object needs before Salesforce answers a query of it, if it is one of those.
pub fn required_filter(object: &str) -> Option<&'static str> {
    FILTER_REQUIRED
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(object))
        .map(|(_, filter)| *filter)
}

/// One column of an imported foreign table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportColumn {
    /// Unquoted column name.
    pub name: String,
    /// Postgres type, e.g. `text`, `numeric`, `text[]`.
    pub pg_type: String,
    /// The `field` option: an API name or, for the type of a polymorphic reference, `What.Type`.
    pub field: String,
    /// Its value can change without SystemModstamp moving (the `formula` column option):
    /// formula fields and converted amounts.
    pub formula: bool,
    /// What describe says of the field, for planning without asking: its type, and whether
    /// Salesforce can filter and sort by it (None for columns that are not a field).
    pub described: Option<Described>,
}

/// See `ImportColumn::described`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub sf_type: String,
    pub filterable: bool,
    pub sortable: bool,
    pub groupable: bool,
    pub aggregatable: bool,
    pub restricted_picklist: bool,
    /// Digits of a number field, when describe gives them.
    pub precision: Option<u64>,
    /// A reference to one object: that object and the relationship its fields are read
    /// through, so that a join on the reference can be one query (`scan::join`).
    pub parent: Option<(String, String)>,
    /// A polymorphic reference: the objects it may point to and its relationship (`What`),
    /// through which a join reads a parent's Id and Name (`scan::join`).
    pub polymorphic: Option<(Vec<String>, String)>,
}

/// The Postgres column type for one describe field entry, or None when IMPORT leaves the field
/// out (deprecated-and-hidden fields, and base64 unless `include_base64`).
pub fn pg_type(field: &Value, options: &ImportOptions) -> Option<String> {
    if flag(field, "deprecatedAndHidden") {
        return None;
    }
    let salesforce_type = field
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let pg_type = match salesforce_type.as_str() {
        "multipicklist" => "text[]",
        "int" => "integer",
        "long" => "bigint",
        // Unconstrained: values written through the API keep more decimals than describe's
        // scale (SALESFORCE.md 12.2); numeric(p,s) would round them, and then show values
        // that are not the ones Salesforce filters and sorts by.
        "double" | "percent" | "currency" => "numeric",
        "boolean" => "boolean",
        "date" => "date",
        "datetime" => "timestamptz",
        "time" => "time",
        // Compound fields; their components are separate fields of the describe.
        "address" | "location" | "complexvalue" | "json" => "jsonb",
        "base64" if !options.include_base64 => return None,
        // id, reference, string, textarea, combobox, phone, email, url, encryptedstring,
        // picklist, anyType, base64 (a blob URL) and any type Salesforce adds later: text
        // shows whatever comes, where a guessed type could fail on the first row.
        _ => "text",
    };
    Some(pg_type.to_string())
}

/// The columns IMPORT creates for an sObject describe, in describe order; a polymorphic
/// reference (`polymorphicForeignKey`, or several `referenceTo`) is followed by a text column
/// holding the referenced object's type (`what_type`, field `What.Type`; `What_Type` with naming
/// 'api', a name no standard or custom field can have). Columns whose names would coincide
/// (also after Postgres' 63-byte truncation) get `_2`, `_3`... appended; fields keep their natural
/// name before `_type` columns and later duplicates do.
pub fn columns(describe: &Value, options: &ImportOptions) -> SfResult<Vec<ImportColumn>> {
    let object = object_name(describe)?;
    let fields = describe
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed_describe(object, "no \"fields\" array"))?;

    // A multi-currency org gives records their own currency: describe lists CurrencyIsoCode.
    let multi_currency = fields
        .iter()
        .any(|f| f.get("name").and_then(Value::as_str) == Some("CurrencyIsoCode"));
    let mut wanted: Vec<WantedColumn> = Vec::new();
    for field in fields {
        let Some(pg_type) = pg_type(field, options) else {
            continue;
        };
        let field_type = field.get("type").and_then(Value::as_str).unwrap_or("");
        let api_name = field
            .get("name")
            .and_then(Value::as_str)
            .filter(|name| is_usable_name(name))
            .ok_or_else(|| malformed_describe(object, "a field has no usable \"name\""))?;
        wanted.push(WantedColumn {
            natural_name: column_name(api_name, options.naming),
            pg_type,
            field: api_name.to_string(),
            is_real_field: true,
            formula: is_formula(field),
            described: Some(Described {
                sf_type: field_type.to_ascii_lowercase(),
                filterable: flag(field, "filterable"),
                sortable: flag(field, "sortable"),
                groupable: flag(field, "groupable"),
                aggregatable: flag(field, "aggregatable"),
                restricted_picklist: flag(field, "restrictedPicklist"),
                precision: field
                    .get("precision")
                    .and_then(Value::as_u64)
                    .filter(|p| *p > 0),
                parent: crate::describe::parent_reference(field)
                    .filter(|(object, name)| is_usable_name(object) && is_usable_name(name)),
                polymorphic: crate::describe::polymorphic_reference(field).filter(
                    |(objects, name)| {
                        objects.iter().all(|o| crate::options::is_api_name(o))
                            && crate::options::is_api_name(name)
                    },
                ),
            }),
        });
        if options.converted_currency && multi_currency && field_type == "currency" {
            let converted = match options.naming {
                Naming::Snake => format!("{}_converted", snake_case(api_name)),
                Naming::Api => format!("{api_name}_Converted"),
            };
            wanted.push(WantedColumn {
                natural_name: truncate_identifier(&converted),
                pg_type: "numeric".to_string(),
                field: format!("convertCurrency({api_name})"),
                is_real_field: false,
                // Follows the conversion rates, which change without SystemModstamp moving.
                formula: true,
                described: None,
            });
        }
        if let Some(relationship) = polymorphic_relationship(field) {
            let type_column = match options.naming {
                Naming::Snake => format!("{}_type", snake_case(relationship)),
                Naming::Api => format!("{relationship}_Type"),
            };
            wanted.push(WantedColumn {
                natural_name: truncate_identifier(&type_column),
                pg_type: "text".to_string(),
                field: format!("{relationship}.Type"),
                is_real_field: false,
                formula: false,
                described: None,
            });
        }
    }

    let natural: Vec<String> = wanted.iter().map(|w| w.natural_name.clone()).collect();
    let preferred: Vec<bool> = wanted.iter().map(|w| w.is_real_field).collect();
    Ok(unique_names(&natural, &preferred)
        .into_iter()
        .zip(wanted)
        .map(|(name, wanted)| ImportColumn {
            name,
            pg_type: wanted.pg_type,
            field: wanted.field,
            formula: wanted.formula,
            described: wanted.described,
        })
        .collect())
}

/// A formula field (describe `calculated` with a `calculatedFormula`): its value can change
/// without the record's SystemModstamp moving (a parent or the date changed).
fn is_formula(field: &Value) -> bool {
    flag(field, "calculated")
        && field
            .get("calculatedFormula")
            .and_then(Value::as_str)
            .is_some_and(|f| !f.trim().is_empty())
}

/// A column before name collisions are resolved.
struct WantedColumn {
    natural_name: String,
    pg_type: String,
    field: String,
    /// A field of the describe, as opposed to the `_type` column of a polymorphic reference.
    is_real_field: bool,
    formula: bool,
    described: Option<Described>,
}

fn column_name(api_name: &str, naming: Naming) -> String {
    truncate_identifier(&match naming {
        Naming::Snake => snake_case(api_name),
        Naming::Api => api_name.to_string(),
    })
}

/// The relationship name of a polymorphic reference, when it has one to build `X.Type` from.
fn polymorphic_relationship(field: &Value) -> Option<&str> {
    let several_targets = field
        .get("referenceTo")
        .and_then(Value::as_array)
        .is_some_and(|targets| targets.len() > 1);
    if !(flag(field, "polymorphicForeignKey") || several_targets) {
        return None;
    }
    field
        .get("relationshipName")
        .and_then(Value::as_str)
        .filter(|name| is_usable_name(name))
}

/// Names made distinct: first every `preferred` name keeps its natural form if no earlier one
/// took it, then the rest take the natural form if still free, else the first free `_N`.
fn unique_names(natural: &[String], preferred: &[bool]) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut assigned: Vec<Option<String>> = vec![None; natural.len()];
    for (index, name) in natural.iter().enumerate() {
        if preferred[index] && taken.insert(name.clone()) {
            assigned[index] = Some(name.clone());
        }
    }
    for (index, name) in natural.iter().enumerate() {
        if assigned[index].is_some() {
            continue;
        }
        let mut candidate = name.clone();
        let mut counter = 2;
        while taken.contains(&candidate) {
            let suffix = format!("_{counter}");
            let base = truncate_to(name, MAX_IDENTIFIER_BYTES - suffix.len());
            candidate = format!("{base}{suffix}");
            counter += 1;
        }
        taken.insert(candidate.clone());
        assigned[index] = Some(candidate);
    }
    assigned.into_iter().flatten().collect()
}

fn truncate_identifier(name: &str) -> String {
    truncate_to(name, MAX_IDENTIFIER_BYTES).to_string()
}

fn truncate_to(name: &str, max_bytes: usize) -> &str {
    if name.len() <= max_bytes {
        return name;
    }
    let mut end = max_bytes;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// Postgres strings cannot hold NUL; an empty name cannot be an identifier.
fn is_usable_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('\0')
}

fn object_name(describe: &Value) -> SfResult<&str> {
    describe
        .get("name")
        .and_then(Value::as_str)
        .filter(|name| is_usable_name(name))
        .ok_or_else(|| SfError::Protocol {
            url: "sobjects/{object}/describe".into(),
            reason: "the describe has no object \"name\"".into(),
        })
}

fn malformed_describe(object: &str, reason: &str) -> SfError {
    SfError::Protocol {
        url: format!("sobjects/{object}/describe"),
        reason: reason.into(),
    }
}

/// One CREATE FOREIGN TABLE statement for an sObject describe, the table named by
/// [`table_name`] (use [`foreign_table_sql_named`] for the names [`import_targets`] gives).
pub fn foreign_table_sql(
    describe: &Value,
    server_name: &str,
    options: &ImportOptions,
) -> SfResult<String> {
    let table = table_name(object_name(describe)?, options.naming);
    foreign_table_sql_named(describe, &table, server_name, options, None)
}

/// One CREATE FOREIGN TABLE statement for an sObject describe, with the given (unquoted,
/// unqualified) table name.
pub fn foreign_table_sql_named(
    describe: &Value,
    table_name: &str,
    server_name: &str,
    options: &ImportOptions,
    estimated_rows: Option<u64>,
) -> SfResult<String> {
    let object = object_name(describe)?;
    let column_lines: Vec<String> = columns(describe, options)?
        .iter()
        .map(|column| {
            let mut extra = String::new();
            if column.formula {
                extra.push_str(", formula 'true'");
            }
            if let Some(d) = &column.described {
                extra.push_str(&format!(", sf_type {}", quote_literal(&d.sf_type)));
                if !d.filterable {
                    extra.push_str(", filterable 'false'");
                }
                if !d.sortable {
                    extra.push_str(", sortable 'false'");
                }
                if !d.groupable {
                    extra.push_str(", groupable 'false'");
                }
                if !d.aggregatable {
                    extra.push_str(", aggregatable 'false'");
                }
                if d.restricted_picklist {
                    extra.push_str(", restricted_picklist 'true'");
                }
                if let Some(precision) = d.precision {
                    extra.push_str(&format!(", precision '{precision}'"));
                }
                if let Some((object, relationship)) = &d.parent {
                    extra.push_str(&format!(
                        ", reference_to {}, relationship_name {}",
                        quote_literal(object),
                        quote_literal(relationship)
                    ));
                }
                if let Some((objects, relationship)) = &d.polymorphic {
                    extra.push_str(&format!(
                        ", polymorphic 'true', reference_to {}, relationship_name {}",
                        quote_literal(&objects.join(",")),
                        quote_literal(relationship)
                    ));
                }
            }
            format!(
                "  {} {} OPTIONS (field {}{extra})",
                quote_identifier(&column.name),
                column.pg_type,
                quote_literal(&column.field),
            )
        })
        .collect();
    // Planning reads these instead of asking Salesforce (scan::metadata::table_meta).
    let multi_currency = describe
        .get("fields")
        .and_then(Value::as_array)
        .is_some_and(|fields| {
            fields
                .iter()
                .any(|f| f.get("name").and_then(Value::as_str) == Some("CurrencyIsoCode"))
        });
    let estimate = match estimated_rows {
        Some(n) => format!(", estimated_rows '{n}'"),
        None => String::new(),
    };
    Ok(format!(
        "CREATE FOREIGN TABLE {} (\n{}\n) SERVER {} OPTIONS (object {}, multi_currency '{multi_currency}'{estimate})",
        quote_identifier(table_name),
        column_lines.join(",\n"),
        quote_identifier(server_name),
        quote_literal(object)
    ))
}

/// `"name"`, with embedded double quotes doubled.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'`, with embedded quotes doubled; text with a backslash becomes `E'...'` with the
/// backslashes doubled, which reads the same whatever `standard_conforming_strings` says.
pub fn quote_literal(text: &str) -> String {
    let quoted = text.replace('\'', "''");
    if quoted.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::{Path, PathBuf};

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/salesforce");

    fn snake() -> ImportOptions {
        ImportOptions::default()
    }

    /// A statement without what describe said for planning (`sf_type`, `filterable`,
    /// `sortable`, `groupable`, ..., `multi_currency`): the tests of names and types read it more easily.
    fn plain(sql: String) -> String {
        let mut out = String::with_capacity(sql.len());
        let mut rest = sql.as_str();
        while let Some(at) = [
            ", sf_type '",
            ", filterable '",
            ", sortable '",
            ", groupable '",
            ", aggregatable '",
            ", restricted_picklist '",
            ", precision '",
            ", reference_to '",
            ", relationship_name '",
            ", polymorphic '",
            ", multi_currency '",
        ]
        .iter()
        .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
        .min()
        {
            out.push_str(&rest[..at.0]);
            let after = &rest[at.0 + at.1..];
            rest = &after[after.find('\'').map_or(after.len(), |q| q + 1)..];
        }
        out.push_str(rest);
        out
    }

    fn plain_sql(describe: &Value, server: &str, options: &ImportOptions) -> SfResult<String> {
        foreign_table_sql(describe, server, options).map(plain)
    }

    fn fixture(relative: &str) -> Option<Value> {
        let path = Path::new(FIXTURES).join(relative);
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(serde_json::from_str(&text).expect("fixture is JSON")),
            Err(_) => {
                eprintln!("skipping: fixture {} not found", path.display());
                None
            }
        }
    }

    /// Every sObject describe under the fixtures directory (bodies of composite responses too),
    /// as (file name, describe).
    fn all_describes() -> Vec<(String, Value)> {
        let mut files: Vec<PathBuf> = Vec::new();
        let Ok(dirs) = std::fs::read_dir(FIXTURES) else {
            eprintln!("skipping: {FIXTURES} not found");
            return Vec::new();
        };
        for dir in dirs.flatten() {
            if let Ok(entries) = std::fs::read_dir(dir.path()) {
                files.extend(entries.flatten().map(|e| e.path()));
            }
        }
        files.sort();
        let mut describes = Vec::new();
        for path in files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let Ok(json) = serde_json::from_str::<Value>(&text) else {
                continue; // a few fixtures are not JSON at all
            };
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            let bodies: Vec<Value> = match json.get("compositeResponse").and_then(Value::as_array) {
                Some(parts) => parts
                    .iter()
                    .filter_map(|p| p.get("body").cloned())
                    .collect(),
                None => vec![json],
            };
            for body in bodies {
                let is_describe = body.get("name").is_some_and(Value::is_string)
                    && body
                        .get("fields")
                        .and_then(Value::as_array)
                        .is_some_and(|fields| fields.iter().all(|f| f.get("type").is_some()));
                if is_describe {
                    describes.push((file.clone(), body));
                }
            }
        }
        describes
    }

    /// Reads the column lines back out of a statement: (name, type, field), unquoting both.
    fn parse_columns(sql: &str) -> Vec<(String, String, String)> {
        sql.lines()
            .filter(|line| line.starts_with("  \""))
            .map(|line| {
                let (name, rest) = read_quoted(line.trim_start(), '"');
                let (pg_type, field) = rest
                    .trim_start()
                    .split_once(" OPTIONS (field ")
                    .expect("column has a field option");
                let field = field.trim_end_matches(',').strip_suffix(')').unwrap();
                let (field, rest) = read_quoted(field, '\'');
                assert!(
                    rest.is_empty() || rest == ", formula 'true'",
                    "trailing text after field in {line}"
                );
                (name, pg_type.to_string(), field)
            })
            .collect()
    }

    fn read_quoted(text: &str, quote: char) -> (String, &str) {
        assert!(text.starts_with(quote), "{text} is not quoted with {quote}");
        let mut out = String::new();
        let mut chars = text.char_indices().skip(1).peekable();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                if chars.peek().map(|&(_, n)| n) == Some(quote) {
                    chars.next();
                    out.push(quote);
                } else {
                    return (out, &text[i + 1..]);
                }
            } else {
                out.push(c);
            }
        }
        panic!("unterminated quote in {text}");
    }

    fn column<'a>(columns: &'a [ImportColumn], name: &str) -> &'a ImportColumn {
        columns
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no column {name} in {columns:?}"))
    }

    fn position(columns: &[ImportColumn], name: &str) -> usize {
        columns.iter().position(|c| c.name == name).unwrap()
    }

    /// What a user may expect for each Salesforce type; `None` = deliberately left out.
    fn acceptable_type(salesforce_type: &str, pg_type: Option<&str>) -> bool {
        match (salesforce_type, pg_type) {
            ("base64", None) => true,
            (
                "id" | "reference" | "string" | "textarea" | "combobox" | "phone" | "email" | "url"
                | "encryptedstring" | "picklist" | "anyType",
                Some("text"),
            ) => true,
            ("multipicklist", Some("text[]")) => true,
            ("int", Some("integer")) => true,
            ("long", Some("bigint")) => true,
            ("double" | "percent" | "currency", Some(t)) => t.starts_with("numeric"),
            ("boolean", Some("boolean")) => true,
            ("date", Some("date")) => true,
            ("datetime", Some("timestamptz")) => true,
            ("time", Some("time")) => true,
            ("address" | "location", Some("jsonb")) => true,
            _ => false,
        }
    }

    #[test]
    fn every_fixture_field_gets_a_column_or_is_left_out_on_purpose() {
        let describes = all_describes();
        if describes.is_empty() {
            return;
        }
        let mut objects = 0;
        let mut fields_seen = 0;
        let mut columns_made = 0;
        for (file, describe) in &describes {
            let object = describe["name"].as_str().unwrap();
            let sql = plain_sql(describe, "sf", &snake()).unwrap();
            let expected_head = format!("CREATE FOREIGN TABLE \"{}\" (\n", snake_case(object));
            assert!(sql.starts_with(&expected_head), "{file}: {sql}");
            assert!(
                sql.ends_with(&format!("\n) SERVER \"sf\" OPTIONS (object '{object}')")),
                "{file}: {sql}"
            );
            let parsed = parse_columns(&sql);
            let distinct: HashSet<&String> = parsed.iter().map(|c| &c.0).collect();
            assert_eq!(distinct.len(), parsed.len(), "{file}: duplicate column");
            for field in describe["fields"].as_array().unwrap() {
                fields_seen += 1;
                let api_name = field["name"].as_str().unwrap();
                let salesforce_type = field["type"].as_str().unwrap();
                let option = format!("OPTIONS (field '{api_name}'");
                let mapped: Vec<_> = parsed.iter().filter(|c| c.2 == api_name).collect();
                if field["deprecatedAndHidden"].as_bool() == Some(true) {
                    assert!(mapped.is_empty(), "{file}: {api_name} is deprecated");
                    continue;
                }
                let pg = mapped.first().map(|c| c.1.as_str());
                assert!(
                    acceptable_type(salesforce_type, pg),
                    "{file}: {object}.{api_name} ({salesforce_type}) became {pg:?}"
                );
                if pg.is_some() {
                    assert_eq!(mapped.len(), 1, "{file}: {api_name}");
                    assert_eq!(sql.matches(&option).count(), 1, "{file}: {api_name}");
                    assert_eq!(mapped[0].0, snake_case(api_name), "{file}: {api_name}");
                }
            }
            objects += 1;
            columns_made += parsed.len();
        }
        eprintln!("{objects} describes, {fields_seen} fields, {columns_made} columns");
        let names: HashSet<&str> = describes
            .iter()
            .map(|(_, d)| d["name"].as_str().unwrap())
            .collect();
        for expected in [
            "Account",
            "Case",
            "Contact",
            "Custom__c",
            "Event",
            "Lead",
            "Opportunity",
            "OpportunityContactRole",
            "Task",
        ] {
            assert!(names.contains(expected), "no describe of {expected} found");
        }
    }

    #[test]
    fn polymorphic_references_get_a_type_column() {
        let Some(event) = fixture("cumulusci/GET_sobjects_Event_describe.json") else {
            return;
        };
        let cols = columns(&event, &snake()).unwrap();
        for (id, type_column, path) in [
            ("what_id", "what_type", "What.Type"),
            ("who_id", "who_type", "Who.Type"),
            ("owner_id", "owner_type", "Owner.Type"),
        ] {
            assert_eq!(position(&cols, type_column), position(&cols, id) + 1);
            assert_eq!(column(&cols, type_column).field, path);
            assert_eq!(column(&cols, type_column).pg_type, "text");
            assert_eq!(column(&cols, id).pg_type, "text");
        }
        let sql = plain_sql(&event, "sf", &snake()).unwrap();
        assert!(sql.contains(
            "  \"what_id\" text OPTIONS (field 'WhatId'),\n  \"what_type\" text OPTIONS (field 'What.Type'),\n"
        ));
        // Single-target references are plain ids.
        assert!(cols.iter().all(|c| c.name != "account_type"));
        assert!(cols.iter().all(|c| c.name != "created_by_type"));

        // v37 describes have no polymorphicForeignKey: several referenceTo decide.
        let Some(task) = fixture("swiftlysalesforce/Example__Tests__DescribeTaskResult.json")
        else {
            return;
        };
        let cols = columns(&task, &snake()).unwrap();
        assert_eq!(column(&cols, "who_type").field, "Who.Type");
        assert_eq!(column(&cols, "what_type").field, "What.Type");
        assert!(
            cols.iter().all(|c| c.name != "owner_type"),
            "Task.OwnerId -> [User]"
        );
    }

    #[test]
    fn polymorphic_reference_without_relationship_name_has_no_type_column() {
        let describe = json!({"name": "Thing", "fields": [
            {"name": "ParentId", "type": "reference", "referenceTo": ["A", "B"],
             "polymorphicForeignKey": true, "relationshipName": null}
        ]});
        let cols = columns(&describe, &snake()).unwrap();
        assert_eq!(cols.len(), 1);
        assert_eq!(cols[0].name, "parent_id");
    }

    #[test]
    fn address_is_jsonb_and_its_components_stay_columns() {
        let Some(account) = fixture("cumulusci/GET_sobjects_Account_describe.json") else {
            return;
        };
        let cols = columns(&account, &snake()).unwrap();
        assert_eq!(column(&cols, "billing_address").pg_type, "jsonb");
        assert_eq!(column(&cols, "billing_address").field, "BillingAddress");
        for component in ["billing_city", "billing_street", "billing_postal_code"] {
            assert_eq!(column(&cols, component).pg_type, "text");
        }
        assert_eq!(column(&cols, "billing_city").field, "BillingCity");
        assert_eq!(column(&cols, "billing_latitude").pg_type, "numeric");
        assert_eq!(column(&cols, "annual_revenue").pg_type, "numeric");
        assert_eq!(column(&cols, "number_of_employees").pg_type, "integer");
        assert_eq!(column(&cols, "is_deleted").pg_type, "boolean");
        assert_eq!(column(&cols, "created_date").pg_type, "timestamptz");
    }

    #[test]
    fn opportunity_numbers_are_not_rounded_to_describe_scale() {
        let Some(opportunity) = fixture("cumulusci/GET_sobjects_Opportunity_describe.json") else {
            return;
        };
        let cols = columns(&opportunity, &snake()).unwrap();
        assert_eq!(column(&cols, "amount").pg_type, "numeric");
        assert_eq!(column(&cols, "probability").pg_type, "numeric");
        assert_eq!(column(&cols, "close_date").pg_type, "date");
        assert_eq!(column(&cols, "stage_name").field, "StageName");
    }

    #[test]
    fn multipicklists_are_text_arrays() {
        let Some(account) = fixture("cumulusci/GET_sobjects_Account_PersonAccount_describe.json")
        else {
            return;
        };
        let cols = columns(&account, &snake()).unwrap();
        let funding = column(&cols, "npsp__funding_focus__c");
        assert_eq!(funding.pg_type, "text[]");
        assert_eq!(funding.field, "npsp__Funding_Focus__c");
        assert_eq!(
            column(&cols, "npsp__matching_gift_percent__c").pg_type,
            "numeric"
        );
    }

    #[test]
    fn base64_is_left_out_unless_asked_for() {
        let describe = json!({"name": "Attachment", "fields": [
            {"name": "Id", "type": "id"},
            {"name": "Body", "type": "base64"},
            {"name": "Name", "type": "string"}
        ]});
        let default_sql = plain_sql(&describe, "sf", &snake()).unwrap();
        assert!(!default_sql.contains("Body"), "{default_sql}");
        let with_base64 = ImportOptions {
            include_base64: true,
            ..snake()
        };
        let sql = plain_sql(&describe, "sf", &with_base64).unwrap();
        assert!(
            sql.contains("  \"body\" text OPTIONS (field 'Body'),\n"),
            "{sql}"
        );

        // Same on a real describe with a base64 field added.
        let Some(mut account) = fixture("cumulusci/GET_sobjects_Account_describe.json") else {
            return;
        };
        account["fields"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "Logo__c", "type": "base64"}));
        assert!(!plain_sql(&account, "sf", &snake())
            .unwrap()
            .contains("Logo__c"));
        assert!(plain_sql(&account, "sf", &with_base64)
            .unwrap()
            .contains("\"logo__c\" text OPTIONS (field 'Logo__c')"));
    }

    #[test]
    fn deprecated_and_hidden_fields_are_left_out() {
        let describe = json!({"name": "Account", "fields": [
            {"name": "Id", "type": "id"},
            {"name": "OldField", "type": "string", "deprecatedAndHidden": true}
        ]});
        let sql = plain_sql(&describe, "sf", &snake()).unwrap();
        assert!(!sql.contains("OldField"), "{sql}");
    }

    #[test]
    fn naming_api_keeps_api_names() {
        let Some(event) = fixture("cumulusci/GET_sobjects_Event_describe.json") else {
            return;
        };
        let api = ImportOptions {
            naming: Naming::Api,
            ..snake()
        };
        let sql = plain_sql(&event, "sf", &api).unwrap();
        assert!(sql.starts_with(
            "CREATE FOREIGN TABLE \"Event\" (\n  \"Id\" text OPTIONS (field 'Id'),\n"
        ));
        assert!(sql.contains(
            "  \"WhatId\" text OPTIONS (field 'WhatId'),\n  \"What_Type\" text OPTIONS (field 'What.Type'),\n"
        ));
        assert!(sql.contains("\"ActivityDateTime\" timestamptz OPTIONS (field 'ActivityDateTime')"));
        assert!(sql.ends_with(") SERVER \"sf\" OPTIONS (object 'Event')"));
    }

    #[test]
    fn formula_fields_are_marked_and_converted_amounts_added_on_request() {
        let describe = json!({"name": "Invoice__c", "fields": [
            {"name": "Id", "type": "id"},
            {"name": "CurrencyIsoCode", "type": "picklist"},
            {"name": "Total__c", "type": "currency"},
            {"name": "Account_Name__c", "type": "string", "calculated": true,
             "calculatedFormula": "Account__r.Name"},
            {"name": "Rollup__c", "type": "double", "calculated": true, "calculatedFormula": null}
        ]});
        let plain = columns(&describe, &snake()).unwrap();
        assert!(column(&plain, "account_name__c").formula);
        assert!(!column(&plain, "rollup__c").formula);
        assert!(!plain.iter().any(|c| c.name == "total__c_converted"));
        let options = ImportOptions {
            converted_currency: true,
            ..snake()
        };
        let cols = columns(&describe, &options).unwrap();
        let converted = column(&cols, "total__c_converted");
        assert_eq!(converted.field, "convertCurrency(Total__c)");
        assert_eq!(converted.pg_type, "numeric");
        assert!(converted.formula);
        let sql =
            foreign_table_sql_named(&describe, "invoice__c", "sf", &options, Some(7)).unwrap();
        assert!(
            sql.contains(
                "\"account_name__c\" text OPTIONS (field 'Account_Name__c', formula 'true', sf_type 'string', filterable 'false', sortable 'false', groupable 'false', aggregatable 'false')"
            ),
            "{sql}"
        );
        assert!(
            sql.contains("\"total__c_converted\" numeric OPTIONS (field 'convertCurrency(Total__c)', formula 'true'),"),
            "{sql}"
        );
        assert!(
            sql.ends_with(
                "OPTIONS (object 'Invoice__c', multi_currency 'true', estimated_rows '7')"
            ),
            "{sql}"
        );
        // Without CurrencyIsoCode (a single-currency org) there is nothing to convert.
        let single = json!({"name": "X", "fields": [{"name": "Total__c", "type": "currency"}]});
        assert_eq!(columns(&single, &options).unwrap().len(), 1);
        assert!(
            parse_import_options(&[("converted_currency".to_string(), "yes".to_string())].into())
                .unwrap()
                .converted_currency
        );
    }

    #[test]
    fn references_keep_their_objects_and_relationship() {
        let describe = json!({"name": "Task", "fields": [
            {"name": "Id", "type": "id"},
            {"name": "AccountId", "type": "reference", "referenceTo": ["Account"],
             "relationshipName": "Account"},
            {"name": "WhatId", "type": "reference", "referenceTo": ["Account", "Opportunity"],
             "relationshipName": "What", "polymorphicForeignKey": true},
            {"name": "OddId", "type": "reference", "referenceTo": ["A'B", "C"],
             "relationshipName": "Odd", "polymorphicForeignKey": true}
        ]});
        let sql = foreign_table_sql_named(&describe, "task", "sf", &snake(), None).unwrap();
        assert!(
            sql.contains("reference_to 'Account', relationship_name 'Account')"),
            "{sql}"
        );
        assert!(
            sql.contains(
                "polymorphic 'true', reference_to 'Account,Opportunity', relationship_name 'What')"
            ),
            "{sql}"
        );
        // An object name that is not an API name is not kept (nor could the option hold it).
        assert!(!sql.contains("relationship_name 'Odd'"), "{sql}");
    }

    #[test]
    fn objects_that_need_a_filter_are_known() {
        assert!(
            required_filter("contentdocumentlink").is_some_and(|f| f.contains("LinkedEntityId"))
        );
        assert_eq!(required_filter("Account"), None);
    }

    #[test]
    fn numbers_are_unconstrained_numeric() {
        for (precision, scale) in [
            (json!(18), json!(2)),
            (json!(3), json!(0)),
            (Value::Null, Value::Null),
        ] {
            let t = pg_type(
                &json!({"name": "X", "type": "currency", "precision": precision, "scale": scale}),
                &snake(),
            );
            assert_eq!(t.as_deref(), Some("numeric"));
        }
        assert_eq!(
            pg_type(&json!({"type": "percent"}), &snake()).as_deref(),
            Some("numeric")
        );
    }

    #[test]
    fn every_salesforce_type_has_a_postgres_type() {
        let of = |t: &str| pg_type(&json!({"name": "X", "type": t}), &snake());
        assert_eq!(of("long").as_deref(), Some("bigint"));
        assert_eq!(of("time").as_deref(), Some("time"));
        assert_eq!(of("location").as_deref(), Some("jsonb"));
        assert_eq!(of("complexvalue").as_deref(), Some("jsonb"));
        assert_eq!(of("json").as_deref(), Some("jsonb"));
        assert_eq!(of("anyType").as_deref(), Some("text"));
        assert_eq!(of("encryptedstring").as_deref(), Some("text"));
        assert_eq!(of("somethingNew").as_deref(), Some("text"));
        assert_eq!(of("base64"), None);
        assert_eq!(
            pg_type(&json!({"name": "X"}), &snake()).as_deref(),
            Some("text")
        );
    }

    #[test]
    fn colliding_column_names_are_made_distinct() {
        let long_a = format!("{}A__c", "Very_Long_Name_".repeat(5));
        let long_b = format!("{}B__c", "Very_Long_Name_".repeat(5));
        let describe = json!({"name": "Thing__c", "fields": [
            {"name": "StageName", "type": "string"},
            {"name": "Stage_Name__c", "type": "string"},
            {"name": "Stage_Name", "type": "int"},
            {"name": "WhatId", "type": "reference", "referenceTo": ["A", "B"], "relationshipName": "What"},
            {"name": "WhatType", "type": "picklist"},
            {"name": "stage_name_2", "type": "date"},
            {"name": long_a, "type": "string"},
            {"name": long_b, "type": "string"}
        ]});
        let cols = columns(&describe, &snake()).unwrap();
        let pairs: Vec<(&str, &str)> = cols
            .iter()
            .map(|c| (c.name.as_str(), c.field.as_str()))
            .collect();
        let long = "very_long_name_".repeat(5);
        let long_b_name = format!("{}_2", &long[..61]);
        assert_eq!(
            pairs,
            vec![
                ("stage_name", "StageName"),
                ("stage_name__c", "Stage_Name__c"),
                ("stage_name_3", "Stage_Name"),
                ("what_id", "WhatId"),
                ("what_type_2", "What.Type"),
                ("what_type", "WhatType"),
                ("stage_name_2", "stage_name_2"),
                (&long[..63], long_a.as_str()),
                (long_b_name.as_str(), long_b.as_str()),
            ]
        );
        let sql = plain_sql(&describe, "sf", &snake()).unwrap();
        assert_eq!(parse_columns(&sql).len(), 9);
    }

    #[test]
    fn odd_names_are_quoted() {
        let describe = json!({"name": "Odd'Name__c", "fields": [
            {"name": "Say \"Hi\"", "type": "string"},
            {"name": "Back\\slash", "type": "int"},
            {"name": "It's", "type": "boolean"}
        ]});
        let api = ImportOptions {
            naming: Naming::Api,
            ..snake()
        };
        let sql = plain_sql(&describe, "my \"srv\"", &api).unwrap();
        assert_eq!(
            sql,
            "CREATE FOREIGN TABLE \"Odd'Name__c\" (\n  \"Say \"\"Hi\"\"\" text OPTIONS (field 'Say \"Hi\"'),\n  \"Back\\slash\" integer OPTIONS (field E'Back\\\\slash'),\n  \"It's\" boolean OPTIONS (field 'It''s')\n) SERVER \"my \"\"srv\"\"\" OPTIONS (object 'Odd''Name__c')"
        );
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("O'Brien"), "'O''Brien'");
        assert_eq!(quote_literal("a\\'b"), "E'a\\\\''b'");
        let named =
            plain(foreign_table_sql_named(&describe, "Tab\"le", "sf", &snake(), None).unwrap());
        assert!(named.starts_with("CREATE FOREIGN TABLE \"Tab\"\"le\" (\n"));
    }

    #[test]
    fn malformed_describes_are_errors_not_panics() {
        assert!(plain_sql(&json!({"fields": []}), "sf", &snake()).is_err());
        assert!(plain_sql(&json!({"name": "A"}), "sf", &snake()).is_err());
        let nameless = json!({"name": "A", "fields": [{"type": "string"}]});
        assert!(plain_sql(&nameless, "sf", &snake()).is_err());
        let empty = plain_sql(&json!({"name": "A", "fields": []}), "sf", &snake());
        assert_eq!(
            empty.unwrap(),
            "CREATE FOREIGN TABLE \"a\" (\n\n) SERVER \"sf\" OPTIONS (object 'A')"
        );
    }

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn select_all_skips_objects_that_cannot_be_queried() {
        let Some(global) = fixture("cumulusci/GET_sobjects_Global_describe.json") else {
            return;
        };
        let all = select_objects(&global, ListType::All, &[]).unwrap();
        assert_eq!(all.len(), 104);
        assert!(all.iter().all(|name| !name.ends_with("ChangeEvent")));
        assert!(!all.contains(&"UriEventStream".to_string()));
        assert_eq!(all[0], "Account");
        let targets = import_targets(&global, ListType::All, &[], Naming::Snake).unwrap();
        let opportunity_contact_role = targets
            .iter()
            .find(|t| t.object == "OpportunityContactRole")
            .unwrap();
        assert_eq!(opportunity_contact_role.table, "opportunity_contact_role");
    }

    #[test]
    fn limit_to_accepts_api_and_snake_names() {
        let Some(global) = fixture("cumulusci/GET_sobjects_Global_describe.json") else {
            return;
        };
        let names = strings(&[
            "opportunity_contact_role",
            "account",
            "Account",
            "WORKORDER",
            "work_order_line_item",
        ]);
        assert_eq!(
            select_objects(&global, ListType::LimitTo, &names).unwrap(),
            strings(&[
                "Account",
                "OpportunityContactRole",
                "WorkOrder",
                "WorkOrderLineItem"
            ])
        );
        // Table names follow the naming option, not the spelling of the entry.
        let targets = import_targets(&global, ListType::LimitTo, &names, Naming::Snake).unwrap();
        let tables: Vec<&str> = targets.iter().map(|t| t.table.as_str()).collect();
        assert_eq!(
            tables,
            [
                "account",
                "opportunity_contact_role",
                "work_order",
                "work_order_line_item"
            ]
        );
        let targets = import_targets(&global, ListType::LimitTo, &names, Naming::Api).unwrap();
        let tables: Vec<&str> = targets.iter().map(|t| t.table.as_str()).collect();
        assert_eq!(
            tables,
            [
                "Account",
                "OpportunityContactRole",
                "WorkOrder",
                "WorkOrderLineItem"
            ]
        );
    }

    #[test]
    fn limit_to_custom_objects_and_multi_word_names() {
        let global = json!({"sobjects": [
            {"name": "Invoice__c", "queryable": true},
            {"name": "OpportunityLineItem", "queryable": true},
            {"name": "Opportunity", "queryable": true},
            {"name": "Gone", "queryable": true, "deprecatedAndHidden": true}
        ]});
        for entry in ["Invoice__c", "invoice__c", "INVOICE__C"] {
            let picked = select_objects(&global, ListType::LimitTo, &strings(&[entry])).unwrap();
            assert_eq!(picked, ["Invoice__c"], "{entry}");
        }
        for entry in [
            "opportunity_line_item",
            "OpportunityLineItem",
            "opportunitylineitem",
        ] {
            let picked = select_objects(&global, ListType::LimitTo, &strings(&[entry])).unwrap();
            assert_eq!(picked, ["OpportunityLineItem"], "{entry}");
        }
        let all = select_objects(&global, ListType::All, &[]).unwrap();
        assert_eq!(all, ["Invoice__c", "OpportunityLineItem", "Opportunity"]);
        let err = select_objects(&global, ListType::LimitTo, &strings(&["gone"])).unwrap_err();
        assert!(err.to_string().contains("deprecated and hidden"), "{err}");
    }

    #[test]
    fn limit_to_rejects_unknown_and_unqueryable_objects() {
        let Some(global) = fixture("cumulusci/GET_sobjects_Global_describe.json") else {
            return;
        };
        let err =
            select_objects(&global, ListType::LimitTo, &strings(&["account", "foo"])).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("object \"foo\" is not in this org's global describe"),
            "{message}"
        );
        assert!(!message.contains("\"account\""), "{message}");
        assert!(matches!(&err, SfError::ImportObject { .. }));

        let err =
            select_objects(&global, ListType::LimitTo, &strings(&["foo", "Bar__c"])).unwrap_err();
        assert!(
            err.to_string()
                .contains("objects \"foo\", \"Bar__c\" are not in this org's global describe"),
            "{err}"
        );

        let err = select_objects(&global, ListType::LimitTo, &strings(&["user_change_event"]))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("object \"UserChangeEvent\" cannot be queried"),
            "{err}"
        );
    }

    #[test]
    fn except_leaves_out_the_named_objects() {
        let Some(global) = fixture("cumulusci/GET_sobjects_Global_describe.json") else {
            return;
        };
        let names = strings(&["user", "WorkOrder", "no_such_object"]);
        let picked = select_objects(&global, ListType::Except, &names).unwrap();
        assert_eq!(picked.len(), 102);
        assert!(!picked.contains(&"User".to_string()));
        assert!(!picked.contains(&"WorkOrder".to_string()));
        assert!(picked.contains(&"WorkOrderFeed".to_string()));
        assert!(picked.contains(&"UserRole".to_string()));
    }

    #[test]
    fn objects_whose_table_names_coincide_get_distinct_tables() {
        let global = json!({"sobjects": [
            {"name": "FooBar__c", "queryable": true},
            {"name": "Foo_Bar__c", "queryable": true}
        ]});
        let targets = import_targets(&global, ListType::All, &[], Naming::Snake).unwrap();
        let tables: Vec<&str> = targets.iter().map(|t| t.table.as_str()).collect();
        assert_eq!(tables, ["foo_bar__c", "foo_bar__c_2"]);
        // An exact API name wins over a snake_case match.
        let picked = select_objects(&global, ListType::LimitTo, &strings(&["foo_bar__c"])).unwrap();
        assert_eq!(picked, ["Foo_Bar__c"]);
    }

    #[test]
    fn import_options() {
        let options = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>()
        };
        assert_eq!(parse_import_options(&options(&[])).unwrap(), snake());
        let parsed =
            parse_import_options(&options(&[("naming", "API"), ("include_base64", "true")]))
                .unwrap();
        assert_eq!(parsed.naming, Naming::Api);
        assert!(parsed.include_base64);
        assert_eq!(
            parse_import_options(&options(&[
                ("naming", "snake"),
                ("include_base64", "false")
            ]))
            .unwrap(),
            snake()
        );

        let err = parse_import_options(&options(&[("nameing", "api")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown option \"nameing\" for IMPORT FOREIGN SCHEMA"
        );
        assert_eq!(
            err.hint().unwrap(),
            "Valid options here are: naming, include_base64, converted_currency."
        );
        let err = parse_import_options(&options(&[("naming", "camel")])).unwrap_err();
        assert!(
            err.to_string().contains("\"camel\" is not a naming"),
            "{err}"
        );
        let err = parse_import_options(&options(&[("include_base64", "maybe")])).unwrap_err();
        assert!(err.to_string().contains("include_base64"), "{err}");
    }
}
