//! The executor side of a shipped aggregate (`scan::upper`): each AggregateResult record
//! becomes a scan tuple; and when Salesforce cannot answer (more groups than one answer holds,
//! QUERY_TIMEOUT) Postgres computes the same aggregate from the rows instead, by running the
//! plan's fallback SQL through SPI, planned with aggregate pushdown off.

use std::cell::Cell;
use std::ffi::{CStr, CString};

use pgrx::pg_sys::{self, Datum};
use pgrx::{AnyNumeric, IntoDatum};

use crate::aggregate::{Output, MAX_GROUPS};
use crate::error::{SfError, SfResult};
use crate::pg::datum::{field_to_datum, parse_integer};
use crate::remote::records::{Field, Page};
use crate::scan::plan::{AggregateOutput, AggregateQuery};

thread_local! {
    /// Set while the fallback query is planned: it must aggregate locally.
    static PLANNING_FALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Whether the query being planned is a fallback (no aggregate pushdown for it).
pub fn planning_fallback() -> bool {
    PLANNING_FALLBACK.with(Cell::get)
}

/// Marks the planning of a fallback query; unmarked when dropped, also on error (an ERROR in
/// SPI is turned into a Rust panic by pgrx's FFI boundary, which unwinds through here).
struct FallbackPlanning;

impl FallbackPlanning {
    fn enter() -> FallbackPlanning {
        PLANNING_FALLBACK.with(|p| p.set(true));
        FallbackPlanning
    }
}

impl Drop for FallbackPlanning {
    fn drop(&mut self) {
        PLANNING_FALLBACK.with(|p| p.set(false));
    }
}

/// Whether a GROUP BY answer may be incomplete: it stops at 2,000 rows, and one of exactly
/// 2,000 may have been cut there.
pub fn answer_too_big(rows: usize, grouped: bool) -> bool {
    grouped && rows as u64 >= MAX_GROUPS
}

/// Why Salesforce's answer (the whole of it: aggregate answers are one page) cannot be used,
/// or None: too many groups, or an average of numerics that the sum Salesforce sends cannot
/// give exactly. Checked before any row is returned, since rows cannot be taken back.
pub fn unusable_answer(page: &Page, outputs: &[AggregateOutput], grouped: bool) -> Option<String> {
    if answer_too_big(page.len(), grouped) {
        return Some("more groups than Salesforce answers in one query".into());
    }
    for output in outputs {
        let Output::NumericAverage {
            sum,
            count,
            decimals,
        } = output.value
        else {
            continue;
        };
        for record in 0..page.len() {
            if let (Field::Text(sum), Field::Text(count)) =
                (page.field(record, sum), page.field(record, count))
            {
                if numeric_average(sum, count, decimals).is_none() {
                    return Some(format!(
                        "{}: Salesforce's sum cannot give it exactly",
                        output.name
                    ));
                }
            }
        }
    }
    None
}

/// Postgres's avg of numerics from Salesforce's SUM and COUNT: numeric_div of the exact sum by
/// the count, as numeric_avg does; None when the sum is not known exactly or the quotient's
/// scale would depend on the sum's display scale (at most `decimals`).
fn numeric_average(sum: &str, count: &str, decimals: u32) -> Option<Option<Datum>> {
    let count = parse_integer(Field::Text(count)).ok()?;
    if count == 0 {
        return Some(None);
    }
    let sum = crate::aggregate::exact_sum(sum, decimals)?;
    let quotient = AnyNumeric::try_from(sum.to_string().as_str()).ok()? / AnyNumeric::from(count);
    // numeric_div's scale is max(digits it wants, the operands' scales): above `decimals`, the
    // sum's own scale (at most `decimals`) played no part.
    let text = quotient.to_string();
    let scale = text
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.len()) as u32;
    (scale > decimals).then(|| quotient.into_datum())
}

/// Why Postgres computes the aggregate itself after this error, and whether that deserves a
/// NOTICE: too many groups for one answer (quietly, as when the answer holds 2,000 rows), or a
/// query Salesforce gave up on (QUERY_TIMEOUT: it took long already). None for other errors.
pub fn fallback_reason(error: &SfError) -> Option<(&'static str, bool)> {
    match error {
        SfError::Api { code, .. } if code == "QUERY_TIMEOUT" => Some((
            "Salesforce timed out computing the aggregate (QUERY_TIMEOUT)",
            true,
        )),
        SfError::Api { message, .. } if message.contains("queryMore") => {
            Some(("more groups than Salesforce answers in one query", false))
        }
        _ => None,
    }
}

/// The one row an aggregate without GROUP BY gives when no row can match (so nothing was
/// asked): its counts are 0 and everything else is null, as Postgres computes it over no rows.
pub fn fill_empty_input_row(aggregate: &AggregateQuery, values: &mut [Datum], nulls: &mut [bool]) {
    for (position, output) in aggregate.outputs.iter().enumerate() {
        if let Output::Value(at) = output.value {
            if aggregate.select.expression(at).starts_with("COUNT") {
                values[position] = Datum::from(0i64);
                nulls[position] = false;
            }
        }
    }
}

/// Sets the scan tuple's datums (by position) from one AggregateResult record.
pub fn fill_row(
    page: &Page,
    record: usize,
    outputs: &[AggregateOutput],
    values: &mut [Datum],
    nulls: &mut [bool],
) -> SfResult<()> {
    for (position, output) in outputs.iter().enumerate() {
        let field = |key: usize| page.field(record, key);
        let datum = match output.value {
            Output::Value(key) => field_to_datum(output.kind, output.typmod, field(key)),
            Output::IntegerAsNumeric(key) => match field(key) {
                Field::Null => Ok(None),
                sum => parse_integer(sum).map(|n| AnyNumeric::from(n).into_datum()),
            },
            Output::NumericAverage {
                sum,
                count,
                decimals,
            } => match (field(sum), field(count)) {
                (Field::Text(sum), Field::Text(count)) => numeric_average(sum, count, decimals)
                    .ok_or_else(|| {
                        format!("the average of sum {sum} and count {count} is not exact")
                    }),
                _ => Ok(None),
            },
            Output::Average { sum, count } => match (field(sum), field(count)) {
                (Field::Null, _) | (_, Field::Null) => Ok(None),
                (sum, count) => parse_integer(sum).and_then(|sum| {
                    let count = parse_integer(count)?;
                    // numeric_div, as Postgres's avg of integers divides its sum by its count.
                    Ok(if count == 0 {
                        None
                    } else {
                        (AnyNumeric::from(sum) / AnyNumeric::from(count)).into_datum()
                    })
                }),
            },
        }
        .map_err(|reason| SfError::Conversion {
            field: "an aggregate result".into(),
            column: output.name.clone(),
            type_name: format!("{:?}", output.kind).to_lowercase(),
            reason,
        })?;
        if let Some(datum) = datum {
            values[position] = datum;
            nulls[position] = false;
        }
    }
    Ok(())
}

/// Rows fetched from the fallback's cursor at a time.
const BATCH: i64 = 1000;

/// The fallback query, open as a cursor (a portal of the transaction), read in batches whose
/// tuples live in a context reset per batch.
pub struct Fallback {
    portal: CString,
    batch_context: pg_sys::MemoryContext,
    rows: Vec<pg_sys::HeapTuple>,
    next: usize,
    done: bool,
    /// Columns of the scan tuple the rows go into.
    natts: i32,
}

impl Fallback {
    /// Plans and opens `sql` (no aggregate pushdown for it).
    ///
    /// # Safety
    /// Backend thread, inside a transaction; `parent` outlives the scan.
    pub unsafe fn open(sql: &str, parent: pg_sys::MemoryContext, natts: i32) -> Fallback {
        let text = CString::new(sql).expect("the fallback SQL has no NUL");
        // SAFETY: SPI calls on the backend thread; pgrx's boundary turns an ERROR into a
        // panic that the calling callback's #[pg_guard] re-raises. The portal outlives
        // SPI_finish (it belongs to the transaction), so only its name is kept.
        unsafe {
            pg_sys::SPI_connect();
            let portal = {
                let _planning = FallbackPlanning::enter();
                let plan = pg_sys::SPI_prepare(text.as_ptr(), 0, std::ptr::null_mut());
                if plan.is_null() {
                    pgrx::error!(
                        "salesforce_fdw: cannot plan the local aggregate: {}",
                        CStr::from_ptr(pg_sys::SPI_result_code_string(pg_sys::SPI_result))
                            .to_string_lossy()
                    );
                }
                pg_sys::SPI_cursor_open(
                    std::ptr::null(),
                    plan,
                    std::ptr::null_mut(),
                    std::ptr::null(),
                    true,
                )
            };
            let portal = CStr::from_ptr((*portal).name).to_owned();
            pg_sys::SPI_finish();
            let batch_context = pg_sys::AllocSetContextCreateExtended(
                parent,
                c"salesforce_fdw local aggregate".as_ptr(),
                pg_sys::ALLOCSET_DEFAULT_MINSIZE as usize,
                pg_sys::ALLOCSET_DEFAULT_INITSIZE as usize,
                pg_sys::ALLOCSET_DEFAULT_MAXSIZE as usize,
            );
            Fallback {
                portal,
                batch_context,
                rows: Vec::new(),
                next: 0,
                done: false,
                natts,
            }
        }
    }

    /// Stores the next row in the slot's arrays; false at the end.
    ///
    /// # Safety
    /// `slot` is the scan's tuple slot, whose descriptor matches the fallback's columns.
    pub unsafe fn fill_next(&mut self, slot: *mut pg_sys::TupleTableSlot) -> bool {
        unsafe {
            if self.next >= self.rows.len() {
                if self.done {
                    return false;
                }
                self.fetch();
                if self.rows.is_empty() {
                    return false;
                }
            }
            let tuple = self.rows[self.next];
            self.next += 1;
            pg_sys::heap_deform_tuple(
                tuple,
                (*slot).tts_tupleDescriptor,
                (*slot).tts_values,
                (*slot).tts_isnull,
            );
            true
        }
    }

    /// The next batch, copied out of SPI's memory into the batch context.
    unsafe fn fetch(&mut self) {
        // SAFETY: as in `open`; the previous batch's tuples are no longer referenced (the
        // slot was cleared before the next row was asked for).
        unsafe {
            pg_sys::MemoryContextReset(self.batch_context);
            self.rows.clear();
            self.next = 0;
            pg_sys::SPI_connect();
            let portal = pg_sys::SPI_cursor_find(self.portal.as_ptr());
            if portal.is_null() {
                pg_sys::SPI_finish();
                self.done = true;
                return;
            }
            pg_sys::SPI_cursor_fetch(portal, true, BATCH as std::os::raw::c_long);
            let table = pg_sys::SPI_tuptable;
            let fetched = pg_sys::SPI_processed as usize;
            if fetched > 0 && (*(*table).tupdesc).natts != self.natts {
                // The fallback SQL names the scan's own outputs; anything else is a bug here,
                // reported rather than deformed into the wrong slots.
                pgrx::error!(
                    "salesforce_fdw: the local aggregate returned {} columns where the scan has {}",
                    (*(*table).tupdesc).natts,
                    self.natts
                );
            }
            let previous = pg_sys::MemoryContextSwitchTo(self.batch_context);
            for i in 0..fetched {
                self.rows
                    .push(pg_sys::heap_copytuple(*(*table).vals.add(i)));
            }
            pg_sys::MemoryContextSwitchTo(previous);
            pg_sys::SPI_freetuptable(table);
            if (fetched as i64) < BATCH {
                self.done = true;
            }
            pg_sys::SPI_finish();
        }
    }

    /// Closes the cursor (at the end of the scan, or before a rescan).
    ///
    /// # Safety
    /// Backend thread, inside the transaction that opened it.
    pub unsafe fn close(&mut self) {
        unsafe {
            pg_sys::SPI_connect();
            let portal = pg_sys::SPI_cursor_find(self.portal.as_ptr());
            if !portal.is_null() {
                pg_sys::SPI_cursor_close(portal);
            }
            pg_sys::SPI_finish();
            self.done = true;
            self.rows.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_2000_groups_or_more_are_not_trusted() {
        assert!(!answer_too_big(1999, true));
        assert!(answer_too_big(2000, true));
        assert!(answer_too_big(2001, true));
        // without GROUP BY there is one row
        assert!(!answer_too_big(1, false));
    }

    #[test]
    fn timeouts_and_overflows_fall_back_other_errors_do_not() {
        let api = |code: &str, message: &str| SfError::Api {
            status: 400,
            code: code.into(),
            message: message.into(),
            object: None,
        };
        assert!(fallback_reason(&api(
            "QUERY_TIMEOUT",
            "Your query request was running for too long."
        ))
        .is_some());
        assert!(fallback_reason(&api(
            "MALFORMED_QUERY",
            "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch"
        ))
        .is_some());
        assert!(fallback_reason(&api("INVALID_FIELD", "No such column")).is_none());
    }
}
