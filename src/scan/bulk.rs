//! Whether a scan can read through Bulk API 2.0 (SALESFORCE.md section 8.1): Bulk cannot
//! select compound fields, and ORDER BY or LIMIT would disable its PK chunking, so such scans
//! stay on REST query pages, and EXPLAIN says why.

use crate::scan::metadata::ObjectMeta;
use crate::scan::plan::ScanPlan;

/// Why the plan cannot use Bulk API 2.0, or None when it can.
pub fn obstacle(plan: &ScanPlan, meta: &ObjectMeta) -> Option<String> {
    if plan.limit.is_some() {
        return Some("the LIMIT is sent to Salesforce".into());
    }
    if !plan.order_by.is_empty() {
        return Some("the ORDER BY is sent to Salesforce".into());
    }
    if let Some(item) = plan.fields.iter().find(|f| f.contains('(')) {
        return Some(format!("it is not known to take {item}"));
    }
    plan.fields.iter().find_map(|field| {
        let info = meta.field(field)?;
        matches!(
            info.sf_type.as_str(),
            "address" | "location" | "complexvalue"
        )
        .then(|| format!("it cannot select the compound field {field}"))
    })
}
