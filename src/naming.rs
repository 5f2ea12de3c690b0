//! Names: Postgres column names <-> Salesforce API names.

/// The SOQL field a column reads when it has no `field` option.
///
/// SOQL names are case-insensitive, so `stagename` and `"StageName"` work as they are. Standard
/// API names never contain underscores, so a snake_case name such as `stage_name` maps to
/// `stagename`; names with a double underscore (`amount__c`, `tax_rate__c`, `ns__field__c`) are
/// custom or namespaced API names whose underscores are significant and are kept verbatim.
pub fn default_field_for_column(column: &str) -> String {
    if column.contains("__") {
        column.to_string()
    } else {
        column.replace('_', "")
    }
}

/// snake_case for an API name: `StageName` -> `stage_name`, `OpportunityLineItem` ->
/// `opportunity_line_item`, `Invoice__c` -> `invoice__c`, `NPSP__Total__c` -> `npsp__total__c`.
pub fn snake_case(api_name: &str) -> String {
    let chars: Vec<char> = api_name.chars().collect();
    let mut out = String::with_capacity(api_name.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_is_lower);
            if boundary && prev != '_' {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_map_to_fields() {
        assert_eq!(default_field_for_column("stage_name"), "stagename");
        assert_eq!(default_field_for_column("StageName"), "StageName");
        assert_eq!(default_field_for_column("id"), "id");
        assert_eq!(default_field_for_column("tax_rate__c"), "tax_rate__c");
        assert_eq!(default_field_for_column("is_won"), "iswon");
    }

    #[test]
    fn snake_case_of_api_names() {
        assert_eq!(snake_case("StageName"), "stage_name");
        assert_eq!(snake_case("OpportunityLineItem"), "opportunity_line_item");
        assert_eq!(snake_case("Invoice__c"), "invoice__c");
        assert_eq!(snake_case("Tax_Rate__c"), "tax_rate__c");
        assert_eq!(snake_case("Id"), "id");
        assert_eq!(snake_case("SystemModstamp"), "system_modstamp");
        assert_eq!(snake_case("CurrencyIsoCode"), "currency_iso_code");
        assert_eq!(snake_case("BillingAddress"), "billing_address");
        assert_eq!(snake_case("URLField"), "url_field");
        assert_eq!(snake_case("NPSP__Total__c"), "npsp__total__c");
        assert_eq!(snake_case("Location__Latitude__s"), "location__latitude__s");
    }
}
