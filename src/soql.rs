//! SOQL text: the SELECT the FDW sends, and literal escaping (SALESFORCE.md section 7.2).
//! A value never becomes SOQL syntax: every literal goes through `quote_string`.

use serde::{Deserialize, Serialize};

/// One SOQL query, as planned. Rendering is a pure function of this value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoqlQuery {
    pub object: String,
    /// Field API names or relationship paths, without duplicates (case-insensitive).
    pub fields: Vec<String>,
    /// Conditions ANDed together, each already valid SOQL (parenthesised when rendered).
    pub conditions: Vec<String>,
    /// ORDER BY items, e.g. `Amount DESC NULLS LAST`.
    pub order_by: Vec<String>,
    pub limit: Option<u64>,
    /// GROUP BY fields (an aggregate query).
    #[serde(default)]
    pub group_by: Vec<String>,
    /// HAVING conditions, ANDed (with GROUP BY only).
    #[serde(default)]
    pub having: Vec<String>,
}

impl SoqlQuery {
    pub fn new(object: &str) -> Self {
        SoqlQuery {
            object: object.to_string(),
            fields: Vec::new(),
            conditions: Vec::new(),
            order_by: Vec::new(),
            limit: None,
            group_by: Vec::new(),
            having: Vec::new(),
        }
    }

    /// Adds a field unless it is already selected (SOQL rejects duplicate fields).
    pub fn add_field(&mut self, field: &str) {
        if !self.fields.iter().any(|f| f.eq_ignore_ascii_case(field)) {
            self.fields.push(field.to_string());
        }
    }

    pub fn render(&self) -> String {
        let fields = if self.fields.is_empty() {
            "Id".to_string()
        } else {
            self.fields.join(", ")
        };
        let mut soql = format!("SELECT {fields} FROM {}", self.object);
        if !self.conditions.is_empty() {
            let parts: Vec<String> = if self.conditions.len() == 1 {
                self.conditions.clone()
            } else {
                self.conditions.iter().map(|c| format!("({c})")).collect()
            };
            soql.push_str(" WHERE ");
            soql.push_str(&parts.join(" AND "));
        }
        if !self.group_by.is_empty() {
            soql.push_str(" GROUP BY ");
            soql.push_str(&self.group_by.join(", "));
            if !self.having.is_empty() {
                soql.push_str(" HAVING ");
                soql.push_str(&self.having.join(" AND "));
            }
        }
        if !self.order_by.is_empty() {
            soql.push_str(" ORDER BY ");
            soql.push_str(&self.order_by.join(", "));
        }
        if let Some(limit) = self.limit {
            soql.push_str(&format!(" LIMIT {limit}"));
        }
        soql
    }
}

/// A SOQL string literal with Salesforce's backslash escapes.
pub fn quote_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_fields_object_and_conditions() {
        let mut q = SoqlQuery::new("Opportunity");
        q.add_field("Id");
        q.add_field("StageName");
        q.add_field("stagename");
        assert_eq!(q.render(), "SELECT Id, StageName FROM Opportunity");
        q.conditions.push("IsWon = true".into());
        assert_eq!(
            q.render(),
            "SELECT Id, StageName FROM Opportunity WHERE IsWon = true"
        );
        q.conditions.push("Amount > 5 OR Amount = null".into());
        assert_eq!(
            q.render(),
            "SELECT Id, StageName FROM Opportunity WHERE (IsWon = true) AND (Amount > 5 OR Amount = null)"
        );
    }

    #[test]
    fn order_by_and_limit_come_last() {
        let mut q = SoqlQuery::new("Opportunity");
        q.add_field("Name");
        q.conditions.push("Amount > 5".into());
        q.order_by.push("CloseDate DESC NULLS LAST".into());
        q.order_by.push("Id ASC NULLS FIRST".into());
        q.limit = Some(10);
        assert_eq!(
            q.render(),
            "SELECT Name FROM Opportunity WHERE Amount > 5 ORDER BY CloseDate DESC NULLS LAST, Id ASC NULLS FIRST LIMIT 10"
        );
    }

    #[test]
    fn count_star_selects_id() {
        assert_eq!(SoqlQuery::new("Account").render(), "SELECT Id FROM Account");
    }

    #[test]
    fn string_literals_are_escaped() {
        assert_eq!(quote_string("O'Brien"), r"'O\'Brien'");
        assert_eq!(quote_string(r"a\b"), r"'a\\b'");
        assert_eq!(quote_string("line\nnext\ttab"), r"'line\nnext\ttab'");
        assert_eq!(quote_string("say \"hi\""), r#"'say \"hi\"'"#);
        assert_eq!(quote_string("Zürich 東京"), "'Zürich 東京'");
        assert_eq!(quote_string("\u{1}"), r"'\u0001'");
    }
}
