//! The scan plan: everything the executor needs, decided at plan time without any network
//! call, and serialisable so that it lives in the plan's `fdw_private` as a plain string node
//! (which `copyObject` copies, so a cached plan can be executed any number of times).

use serde::{Deserialize, Serialize};

use crate::error::{SfError, SfResult};
use crate::naming::default_field_for_column;
use crate::options::TableOptions;
use crate::pg::catalog::TableColumn;
use crate::pg::datum::PgKind;
use crate::pushdown::{render_all, Cond, NulText, Soql, Value};
use crate::soql::SoqlQuery;

/// A column the scan fills, with the SOQL field (or relationship path) it reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedColumn {
    pub attnum: i16,
    pub name: String,
    pub field: String,
    pub kind: PgKind,
    pub typmod: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanPlan {
    pub server_oid: u32,
    pub table_name: String,
    pub object: String,
    pub columns: Vec<PlannedColumn>,
    /// The SELECT list: the fields of the needed columns (none means `Id`).
    pub fields: Vec<String>,
    /// The table's `soql_where` option.
    pub soql_where: Option<String>,
    /// WHERE conditions shipped to Salesforce (ANDed).
    pub pushed: Vec<Cond>,
    /// Number of runtime parameters the pushed conditions use (`fdw_exprs`).
    pub param_count: usize,
    /// ORDER BY items sent to Salesforce, e.g. `CloseDate DESC NULLS LAST`.
    pub order_by: Vec<String>,
    /// LIMIT sent to Salesforce (only when nothing is filtered locally).
    pub limit: Option<u64>,
    /// Read through queryAll (deleted and archived rows included).
    pub all_rows: bool,
    /// Clauses Postgres still evaluates locally, for EXPLAIN.
    pub local_clauses: usize,
    /// The table's bulk option, and whether the estimate asks for Bulk (decided at plan time).
    pub bulk_mode: crate::options::BulkMode,
    /// Read through a Bulk API 2.0 query job.
    pub bulk: bool,
    /// Why the Bulk API is not used although it was asked for, for EXPLAIN.
    pub bulk_note: Option<String>,
    /// The SELECT list is too long for one REST request: REST reads are split into queries
    /// joined by Id (`scan::split`), so ORDER BY and LIMIT are not pushed.
    pub wide: bool,
    /// The server's text_may_hold_nul: text conditions also take values holding NUL.
    pub text_may_hold_nul: bool,
    /// The role the scan acts as when it is not the current user (a view's owner).
    pub check_as_user: Option<u32>,
    /// A GROUP BY / aggregate query computed by Salesforce (`scan::upper`) instead of rows.
    pub aggregate: Option<AggregateQuery>,
    /// Why Postgres aggregates the rows of this scan itself, for EXPLAIN VERBOSE.
    pub aggregate_note: Option<String>,
    /// Rows of the object (recordCount, or ANALYZE's), as planning estimated them.
    pub object_rows: f64,
    /// A scan looked up by one key per rescan, which rescans may answer from an index of
    /// all its rows (`scan::rescan_cache`).
    pub lookup: Option<Lookup>,
    /// Parent tables read through relationship fields of this scan (`scan::join`), as EXPLAIN
    /// names them: `sf.account through Account (inner join on AccountId)`.
    pub parents: Vec<String>,
    /// Why joins of this scan with other tables of the server are computed here, for EXPLAIN
    /// VERBOSE (`with sf.account: ...`).
    pub join_notes: Vec<String>,
}

/// `field = $param` on a text or id column, the scan's only condition with a parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lookup {
    /// The parameter (index into the scan's runtime parameters).
    pub param: usize,
    /// The field's position among the planned columns.
    pub column: usize,
    /// The condition's position in `pushed`.
    pub cond: usize,
    /// Requests a read of all the rows takes (estimated): rescans with new keys wait until they
    /// have cost as much before reading them all (so the scan costs at most twice the best of
    /// the two, whatever the number of outer rows).
    pub full_read_requests: u64,
    /// The read of all the rows goes through a Bulk API 2.0 job (fewer requests than REST
    /// pages), REST pages if the job cannot serve it.
    pub bulk: bool,
}

/// An aggregate query: its SELECT list and GROUP BY, how each output column (the scan tuple,
/// in `fdw_scan_tlist` order) is made from the answer, and the same aggregate as SQL, which
/// Postgres runs over the foreign table when Salesforce cannot answer (too many groups,
/// QUERY_TIMEOUT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateQuery {
    pub select: crate::aggregate::AggregateSelect,
    pub group_by: Vec<String>,
    /// HAVING conditions Salesforce evaluates exactly (Postgres checks all of HAVING too).
    pub having: Vec<String>,
    pub outputs: Vec<AggregateOutput>,
    pub fallback_sql: String,
}

impl AggregateQuery {
    /// Whether this is a count of the rows alone (`count(*)` without GROUP BY), which goes
    /// as `SELECT COUNT() FROM ...`, answered by `totalSize` (SALESFORCE.md 12.15).
    pub fn counts_rows(&self) -> bool {
        self.group_by.is_empty() && self.select.items == ["COUNT(Id) a0"]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateOutput {
    pub value: crate::aggregate::Output,
    /// What the output column is called in errors (`count(*)`, `stage_name`).
    pub name: String,
    pub kind: PgKind,
    pub typmod: i32,
}

impl ScanPlan {
    /// Plans a scan of `table` that must fill the columns `needed` (attribute numbers).
    pub fn build(
        server_oid: u32,
        table_name: &str,
        options: &TableOptions,
        columns: &[TableColumn],
        needed: &[i16],
    ) -> SfResult<ScanPlan> {
        let (fields, planned) = select_list(
            columns
                .iter()
                .filter(|c| needed.contains(&c.attnum))
                .map(|c| (c, "", c.attnum)),
        )?;
        let wide = crate::scan::split::is_wide(&fields, options.soql_where.as_deref());
        Ok(ScanPlan {
            wide,
            text_may_hold_nul: true,
            check_as_user: None,
            aggregate: None,
            aggregate_note: None,
            object_rows: 0.0,
            lookup: None,
            parents: Vec::new(),
            join_notes: Vec::new(),
            server_oid,
            table_name: table_name.to_string(),
            object: options.object.clone(),
            columns: planned,
            fields,
            soql_where: options.soql_where.clone(),
            pushed: Vec::new(),
            param_count: 0,
            order_by: Vec::new(),
            limit: None,
            all_rows: options.include_deleted,
            local_clauses: 0,
            bulk_mode: options.bulk,
            bulk: false,
            bulk_note: None,
        })
    }

    /// The SOQL to send with these parameter values, or None when no row can match (then
    /// nothing is sent at all).
    pub fn soql(&self, params: &[Value]) -> Option<String> {
        self.query(params).map(|query| query.render())
    }

    /// The REST queries of a read too wide for one request, when it is.
    pub fn split(&self, params: &[Value]) -> Option<crate::scan::split::SplitQueries> {
        let fields: Vec<String> = self.columns.iter().map(|c| c.field.clone()).collect();
        crate::scan::split::split(&self.query(params)?, &fields)
    }

    fn query(&self, params: &[Value]) -> Option<SoqlQuery> {
        let mut query = SoqlQuery::new(&self.object);
        match &self.aggregate {
            Some(aggregate) if aggregate.counts_rows() => {
                query.fields = vec!["COUNT()".to_string()];
            }
            Some(aggregate) => {
                query.fields = aggregate.select.items.clone();
                query.group_by = aggregate.group_by.clone();
                query.having = aggregate.having.clone();
            }
            None => {
                for field in &self.fields {
                    query.add_field(field);
                }
                // A CSV line of one empty field is an empty line, which CSV readers skip: a
                // record whose only field is null would be lost. Id is never null.
                if self.bulk && query.fields.len() == 1 {
                    query.add_field("Id");
                }
            }
        }
        if let Some(condition) = &self.soql_where {
            query.conditions.push(condition.clone());
        }
        let nul = if self.text_may_hold_nul {
            NulText::MayHold
        } else {
            NulText::Never
        };
        match render_all(&self.pushed, params, nul) {
            Soql::Nothing => return None,
            Soql::All => {}
            Soql::Where { text, .. } => query.conditions.push(text),
        }
        query.order_by = self.order_by.clone();
        query.limit = self.limit;
        if self
            .aggregate
            .as_ref()
            .is_some_and(|a| !a.group_by.is_empty())
        {
            // One row more than Salesforce answers tells that there are too many groups.
            query.limit = Some(crate::aggregate::MAX_GROUPS + 1);
        }
        Some(query)
    }

    /// The lookup condition of a scan looked up by key per rescan, if it is one.
    pub fn find_lookup(&self, full_read_requests: u64, bulk: bool) -> Option<Lookup> {
        use crate::pushdown::{CmpOp, FieldClass, Operand};
        let with_params: Vec<usize> = (0..self.pushed.len())
            .filter(|&i| self.pushed[i].has_param())
            .collect();
        let [cond] = with_params[..] else {
            return None;
        };
        let Cond::Compare {
            field,
            class: FieldClass::Id | FieldClass::Text,
            op: CmpOp::Eq,
            value: Operand::Param(param),
        } = &self.pushed[cond]
        else {
            return None;
        };
        let column = self
            .columns
            .iter()
            .position(|c| c.field.eq_ignore_ascii_case(field))?;
        Some(Lookup {
            param: *param,
            column,
            cond,
            full_read_requests,
            bulk,
        })
    }

    /// The SOQL of all the rows a lookup scan may return: its conditions but the key's.
    pub fn soql_without_lookup(&self) -> Option<String> {
        let lookup = self.lookup.as_ref()?;
        let mut all = self.clone();
        all.pushed.remove(lookup.cond);
        all.lookup = None;
        all.soql(&[])
    }

    /// The key of a lookup rescan: the parameter's text (None when it is NULL: no row).
    pub fn lookup_key(&self, params: &[Value]) -> Option<String> {
        match params.get(self.lookup.as_ref()?.param) {
            Some(Value::Text(key)) => Some(key.clone()),
            _ => None,
        }
    }

    /// The SOQL as EXPLAIN shows it before execution: parameters as `$1`, `$2`...
    pub fn soql_for_explain(&self) -> Option<String> {
        let placeholders: Vec<Value> = (0..self.param_count).map(Value::Placeholder).collect();
        self.soql(&placeholders)
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("a scan plan always serialises")
    }

    pub fn from_text(text: &str) -> ScanPlan {
        serde_json::from_str(text).expect("fdw_private holds a scan plan written by to_text")
    }
}

/// The SELECT list and the planned columns of a scan's tuple: each table column is read through
/// a relationship path prefix (`""` for the object's own fields, `Account.` for its parent's)
/// into the tuple's position (its attribute number for a table scan, its place in
/// `fdw_scan_tlist` for a joined one).
pub fn select_list<'a>(
    columns: impl Iterator<Item = (&'a TableColumn, &'a str, i16)>,
) -> SfResult<(Vec<String>, Vec<PlannedColumn>)> {
    let mut fields: Vec<String> = Vec::new();
    let mut planned = Vec::new();
    let mut converted = 0;
    for (column, prefix, position) in columns {
        let kind = column.kind.ok_or_else(|| SfError::UnsupportedColumnType {
            column: column.name.clone(),
            type_name: column.type_name.clone(),
        })?;
        let field = format!("{prefix}{}", field_of(column));
        // convertCurrency(F) is selected under an alias, the key its value comes back as.
        let (select_item, key) = match crate::options::converted_currency_field(&field) {
            Some(inner) => {
                let alias = format!("cvt{}", converted);
                converted += 1;
                (format!("convertCurrency({inner}) {alias}"), alias)
            }
            None => (field.clone(), field),
        };
        if !fields.iter().any(|f| f.eq_ignore_ascii_case(&select_item)) {
            fields.push(select_item);
        }
        planned.push(PlannedColumn {
            attnum: position,
            name: column.name.clone(),
            field: key,
            kind,
            typmod: column.typmod,
        });
    }
    Ok((fields, planned))
}

/// The field a column reads: its `field` option, or the default for its name.
pub fn field_of(column: &TableColumn) -> String {
    column
        .field
        .clone()
        .unwrap_or_else(|| default_field_for_column(&column.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(attnum: i16, name: &str, kind: PgKind, field: Option<&str>) -> TableColumn {
        TableColumn {
            attnum,
            name: name.into(),
            type_name: "text".into(),
            type_oid: pgrx::pg_sys::TEXTOID,
            typmod: -1,
            kind: Some(kind),
            field: field.map(str::to_string),
            options: Default::default(),
        }
    }

    fn table() -> Vec<TableColumn> {
        vec![
            col(1, "id", PgKind::Text, None),
            col(2, "stage_name", PgKind::Text, None),
            col(3, "amount", PgKind::Numeric, Some("Amount")),
            col(4, "owner_name", PgKind::Text, Some("Owner.Name")),
            TableColumn {
                attnum: 5,
                name: "weird".into(),
                type_name: "point".into(),
                type_oid: pgrx::pg_sys::POINTOID,
                typmod: -1,
                kind: None,
                field: None,
                options: Default::default(),
            },
        ]
    }

    fn options(soql_where: Option<&str>) -> TableOptions {
        TableOptions {
            object: "Opportunity".into(),
            soql_where: soql_where.map(str::to_string),
            include_deleted: false,
            bulk: crate::options::BulkMode::Auto,
        }
    }

    #[test]
    fn selects_only_needed_columns() {
        let plan = ScanPlan::build(1, "opp", &options(None), &table(), &[2, 3]).unwrap();
        assert_eq!(
            plan.soql(&[]).unwrap(),
            "SELECT stagename, Amount FROM Opportunity"
        );
        assert_eq!(plan.columns.len(), 2);
    }

    #[test]
    fn a_bulk_read_of_one_field_also_selects_id() {
        // Its CSV would hold an empty line for each record whose field is null.
        let mut plan = ScanPlan::build(1, "opp", &options(None), &table(), &[2]).unwrap();
        assert_eq!(plan.soql(&[]).unwrap(), "SELECT stagename FROM Opportunity");
        plan.bulk = true;
        assert_eq!(
            plan.soql(&[]).unwrap(),
            "SELECT stagename, Id FROM Opportunity"
        );
        let mut plan_of_id = ScanPlan::build(1, "opp", &options(None), &table(), &[1]).unwrap();
        plan_of_id.bulk = true;
        assert_eq!(plan_of_id.soql(&[]).unwrap(), "SELECT id FROM Opportunity");
    }

    #[test]
    fn no_columns_selects_id() {
        let plan = ScanPlan::build(1, "opp", &options(None), &table(), &[]).unwrap();
        assert_eq!(plan.soql(&[]).unwrap(), "SELECT Id FROM Opportunity");
        assert!(plan.columns.is_empty());
    }

    #[test]
    fn soql_where_is_anded() {
        let plan =
            ScanPlan::build(1, "opp", &options(Some("IsWon = true")), &table(), &[1, 4]).unwrap();
        assert_eq!(
            plan.soql(&[]).unwrap(),
            "SELECT id, Owner.Name FROM Opportunity WHERE IsWon = true"
        );
    }

    #[test]
    fn unsupported_types_fail_only_when_needed() {
        let err = ScanPlan::build(1, "opp", &options(None), &table(), &[5]).unwrap_err();
        assert!(err.to_string().contains("\"weird\""));
        assert!(ScanPlan::build(1, "opp", &options(None), &table(), &[1]).is_ok());
    }

    #[test]
    fn a_lookup_is_one_equality_on_a_parameter_and_reads_all_without_it() {
        use crate::pushdown::{CmpOp, FieldClass, Operand};
        let eq = |field: &str, class, value| Cond::Compare {
            field: field.into(),
            class,
            op: CmpOp::Eq,
            value,
        };
        let mut plan = ScanPlan::build(1, "opp", &options(None), &table(), &[1, 2]).unwrap();
        plan.pushed = vec![
            eq(
                "stagename",
                FieldClass::Text,
                Operand::Const(Value::Text("Won".into())),
            ),
            eq("Id", FieldClass::Id, Operand::Param(0)),
        ];
        let lookup = plan.find_lookup(4, false).unwrap();
        assert_eq!((lookup.param, lookup.column, lookup.cond), (0, 0, 1));
        plan.lookup = Some(lookup);
        assert_eq!(
            plan.soql_without_lookup().unwrap(),
            "SELECT id, stagename FROM Opportunity WHERE stagename = 'Won' OR stagename LIKE '%\\u0000%'"
        );
        assert_eq!(
            plan.lookup_key(&[Value::Text("006A".into())]).as_deref(),
            Some("006A")
        );
        assert_eq!(plan.lookup_key(&[Value::Null]), None);

        // two parameters, or one on a number or in a range: no lookup
        let mut two = plan.clone();
        two.pushed
            .push(eq("stagename", FieldClass::Text, Operand::Param(1)));
        assert!(two.find_lookup(4, false).is_none());
        let mut number = plan.clone();
        number.pushed[1] = eq("Id", FieldClass::Number, Operand::Param(0));
        assert!(number.find_lookup(4, false).is_none());
        // a field the scan does not read cannot be indexed
        let mut unread = plan.clone();
        unread.pushed[1] = eq("OwnerId", FieldClass::Id, Operand::Param(0));
        assert!(unread.find_lookup(4, false).is_none());
    }

    #[test]
    fn round_trips_through_text() {
        let plan =
            ScanPlan::build(7, "opp", &options(Some("Name = 'a'")), &table(), &[1, 2, 3]).unwrap();
        assert_eq!(ScanPlan::from_text(&plan.to_text()), plan);
    }
}
