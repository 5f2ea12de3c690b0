//! What a describe's field entry says, read the same way by IMPORT FOREIGN SCHEMA (which stores
//! it as column options) and by planning (which asks describe for tables made by hand).

use serde_json::Value;

/// The one object a reference field points to and the relationship its parent's fields are
/// read through (`Account` for AccountId, `Account__r` for Account__c). None for polymorphic
/// references (several `referenceTo`, or `polymorphicForeignKey`), for fields that are not
/// references, and when describe gives no relationship name.
pub fn parent_reference(field: &Value) -> Option<(String, String)> {
    if field.get("polymorphicForeignKey").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let [only] = field.get("referenceTo")?.as_array()?.as_slice() else {
        return None;
    };
    let relationship = field.get("relationshipName")?.as_str()?;
    if relationship.is_empty() {
        return None;
    }
    Some((only.as_str()?.to_string(), relationship.to_string()))
}

/// The objects a polymorphic reference may point to and its relationship (`What` for WhatId),
/// when the field is one (`polymorphicForeignKey`, or several `referenceTo`) and describe names
/// the relationship. Only the `Name` pseudo-object's fields (Id, Name, Type, ...) are read
/// through it, and `What.Type` says which object a record points to (SALESFORCE.md 12;
/// SFDOC sforce_api_calls_soql_relationships_and_polymorph_keys).
pub fn polymorphic_reference(field: &Value) -> Option<(Vec<String>, String)> {
    let targets: Vec<String> = field
        .get("referenceTo")?
        .as_array()?
        .iter()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    let flagged = field.get("polymorphicForeignKey").and_then(Value::as_bool) == Some(true);
    if targets.is_empty() || !(flagged || targets.len() > 1) {
        return None;
    }
    let relationship = field.get("relationshipName")?.as_str()?;
    if relationship.is_empty() {
        return None;
    }
    Some((targets, relationship.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_reference_to_one_object_has_its_relationship() {
        let field = json!({"name": "AccountId", "type": "reference", "referenceTo": ["Account"],
                           "relationshipName": "Account", "polymorphicForeignKey": false});
        assert_eq!(
            parent_reference(&field),
            Some(("Account".into(), "Account".into()))
        );
    }

    #[test]
    fn polymorphic_and_nameless_references_have_none() {
        let several = json!({"referenceTo": ["Contact", "Lead"], "relationshipName": "Who"});
        let flagged = json!({"referenceTo": ["User"], "relationshipName": "Owner",
                             "polymorphicForeignKey": true});
        let nameless = json!({"referenceTo": ["User"], "relationshipName": null});
        let plain = json!({"name": "Name", "type": "string", "referenceTo": []});
        for field in [several, flagged, nameless, plain] {
            assert_eq!(parent_reference(&field), None, "{field}");
        }
    }

    #[test]
    fn polymorphic_references_have_their_objects_and_relationship() {
        let several = json!({"referenceTo": ["Contact", "Lead"], "relationshipName": "Who"});
        assert_eq!(
            polymorphic_reference(&several),
            Some((vec!["Contact".into(), "Lead".into()], "Who".into()))
        );
        let flagged = json!({"referenceTo": ["User"], "relationshipName": "Owner",
                             "polymorphicForeignKey": true});
        assert_eq!(
            polymorphic_reference(&flagged),
            Some((vec!["User".into()], "Owner".into()))
        );
        let single = json!({"referenceTo": ["Account"], "relationshipName": "Account",
                            "polymorphicForeignKey": false});
        let nameless = json!({"referenceTo": ["A", "B"], "relationshipName": null});
        for field in [single, nameless] {
            assert_eq!(polymorphic_reference(&field), None, "{field}");
        }
    }
}
