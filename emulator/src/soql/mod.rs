//! SOQL: lexer → parser (AST) → compiler (name binding and Salesforce type checks) →
//! evaluator (filter, ordering, paging snapshot); `aggregate` binds and runs GROUP BY /
//! aggregate-function queries.

pub mod aggregate;
pub mod ast;
pub mod compile;
pub mod eval;
pub mod lexer;
pub mod parser;

use crate::error::ApiError;

/// Builds the real Salesforce error message layout:
/// `\n<query line>\n<caret>\nERROR at Row:r:Column:c\n<detail>`.
pub fn positioned_error(query: &str, pos: usize, code: &str, detail: &str) -> ApiError {
    let pos = pos.min(query.len());
    let before = &query[..pos];
    let row = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = query[pos..].find('\n').map_or(query.len(), |i| pos + i);
    let col = query[line_start..pos].chars().count() + 1;
    let line = &query[line_start..line_end];
    let caret = format!("{}^", " ".repeat(col - 1));
    ApiError::bad_request(
        code,
        format!("\n{line}\n{caret}\nERROR at Row:{row}:Column:{col}\n{detail}"),
    )
}

pub fn malformed(query: &str, pos: usize, detail: &str) -> ApiError {
    positioned_error(query, pos, "MALFORMED_QUERY", detail)
}

#[cfg(test)]
mod aggregate_tests;
#[cfg(test)]
mod tests;
