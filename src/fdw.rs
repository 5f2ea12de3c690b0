//! The handler and the validator (through supabase-wrappers' trait and macro), and the hook
//! that installs our own scan and import callbacks over the framework's. Nothing else: the
//! scan's state lives in `scan`, IMPORT's in `import`. Read-only: no modify callbacks.

use std::collections::HashMap;

use pgrx::pg_sys;
use supabase_wrappers::prelude::*;

use crate::error::SfError;
use crate::options::{self, OptionLevel, ServerOptions};

#[wrappers_fdw(
    version = "0.1.0",
    author = "salesforce_fdw developers",
    website = "https://github.com/salesforce-fdw/salesforce_fdw",
    error_type = "SfError"
)]
pub struct SalesforceFdw;

impl ForeignDataWrapper<SfError> for SalesforceFdw {
    fn new(server: ForeignServer) -> Result<Self, SfError> {
        ServerOptions::from_map(&server.options)?;
        Ok(SalesforceFdw)
    }

    /// The framework's scan entry points are not used: `fdw_routine_hook` installs our own
    /// scan callbacks (see `scan`), which plan at plan time and fill slots directly.
    fn begin_scan(
        &mut self,
        _quals: &[Qual],
        _columns: &[Column],
        _sorts: &[Sort],
        _limit: &Option<Limit>,
        _options: &HashMap<String, String>,
    ) -> Result<(), SfError> {
        Err(SfError::Protocol {
            url: "scan".into(),
            reason: "scans run through salesforce_fdw's own callbacks".into(),
        })
    }

    fn iter_scan(&mut self, _row: &mut Row) -> Result<Option<()>, SfError> {
        Ok(None)
    }

    fn end_scan(&mut self) -> Result<(), SfError> {
        Ok(())
    }

    fn fdw_routine_hook(routine: &mut supabase_wrappers::FdwRoutine<pgrx::AllocatedByRust>) {
        crate::scan::install(routine);
        crate::import::callback::install(routine);
    }

    fn validator(
        options: Vec<Option<String>>,
        catalog: Option<pg_sys::Oid>,
    ) -> Result<(), SfError> {
        let Some(catalog) = catalog else {
            return Ok(());
        };
        let level = match catalog {
            pg_sys::ForeignDataWrapperRelationId => OptionLevel::Wrapper,
            pg_sys::ForeignServerRelationId => OptionLevel::Server,
            pg_sys::UserMappingRelationId => OptionLevel::UserMapping,
            pg_sys::ForeignTableRelationId => OptionLevel::Table,
            pg_sys::AttributeRelationId => OptionLevel::Column,
            _ => return Ok(()),
        };
        let pairs: Vec<(String, String)> = options
            .into_iter()
            .flatten()
            .map(|entry| match entry.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (entry, String::new()),
            })
            .collect();
        options::validate(level, &pairs)
    }
}
