//! Describe JSON: rendering object metadata in the real describe shape, and building
//! metadata from real describe JSON (for `--describe-dir`).

use super::{FieldMeta, FieldType, ObjectMeta, PicklistValue, Schema};
use serde_json::{json, Value as Json};

fn urls(o: &ObjectMeta, version: &str) -> Json {
    let base = format!("/services/data/v{version}/sobjects/{}", o.name);
    json!({
        "compactLayouts": format!("{base}/describe/compactLayouts"),
        "rowTemplate": format!("{base}/{{ID}}"),
        "approvalLayouts": format!("{base}/describe/approvalLayouts"),
        "listviews": format!("{base}/listviews"),
        "describe": format!("{base}/describe"),
        "quickActions": format!("{base}/quickActions"),
        "layouts": format!("{base}/describe/layouts"),
        "sobject": base,
    })
}

/// One entry of the global describe (`GET /sobjects`).
pub fn global_entry(o: &ObjectMeta, version: &str) -> Json {
    let writable = o.createable;
    json!({
        "activateable": false,
        "associateEntityType": if o.queryable { Json::Null } else { json!("ChangeEvent") },
        "associateParentEntity": if o.queryable { Json::Null } else { json!("Account") },
        "createable": writable,
        "custom": o.custom,
        "customSetting": false,
        "deepCloneable": false,
        "deletable": writable && o.name != "User",
        "deprecatedAndHidden": false,
        "feedEnabled": o.queryable,
        "hasSubtypes": false,
        "isInterface": false,
        "isSubtype": false,
        "keyPrefix": o.key_prefix,
        "label": o.label,
        "labelPlural": o.label_plural,
        "layoutable": o.queryable,
        "mergeable": matches!(o.name.as_str(), "Account" | "Contact" | "Lead"),
        "mruEnabled": o.queryable,
        "name": o.name,
        "queryable": o.queryable,
        "replicateable": o.queryable,
        "retrieveable": o.queryable,
        "searchable": o.queryable,
        "triggerable": true,
        "undeletable": writable && o.name != "User",
        "updateable": writable,
        "urls": urls(o, version),
    })
}

pub fn global_describe(schema: &Schema, version: &str) -> Json {
    let sobjects: Vec<Json> = schema
        .objects
        .iter()
        .map(|o| global_entry(o, version))
        .collect();
    json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})
}

fn byte_length(f: &FieldMeta) -> u32 {
    match f.ftype {
        FieldType::Id | FieldType::Reference => 18,
        t if t.is_text() => f.length * 3,
        _ => 0,
    }
}

pub fn field_json(f: &FieldMeta) -> Json {
    let picklist: Vec<Json> = f
        .picklist
        .iter()
        .map(|p| {
            json!({"active": true, "defaultValue": p.default, "label": p.label, "validFor": p.valid_for, "value": p.value})
        })
        .collect();
    json!({
        "aggregatable": f.aggregatable,
        "aiPredictionField": false,
        "autoNumber": f.auto_number,
        "byteLength": byte_length(f),
        "calculated": f.calculated,
        "calculatedFormula": f.calculated_formula,
        "cascadeDelete": f.cascade_delete,
        "caseSensitive": f.case_sensitive,
        "compoundFieldName": f.compound_field_name,
        "controllerName": f.controller_name,
        "createable": f.createable,
        "custom": f.custom,
        "defaultValue": f.default_value.clone().unwrap_or(if f.ftype == FieldType::Boolean { json!(false) } else { Json::Null }),
        "defaultValueFormula": null,
        "defaultedOnCreate": f.defaulted_on_create,
        "dependentPicklist": f.controller_name.is_some(),
        "deprecatedAndHidden": false,
        "digits": f.digits,
        "displayLocationInDecimal": f.ftype == FieldType::Location,
        "encrypted": false,
        "externalId": f.external_id,
        "extraTypeInfo": f.extra_type_info,
        "filterable": f.filterable,
        "filteredLookupInfo": null,
        "formulaTreatNullNumberAsZero": f.formula_treat_null_number_as_zero,
        "groupable": f.groupable,
        "highScaleNumber": false,
        "htmlFormatted": f.html_formatted,
        "idLookup": f.id_lookup,
        "inlineHelpText": null,
        "label": f.label,
        "length": f.length,
        "mask": null,
        "maskType": null,
        "name": f.name,
        "nameField": f.name_field,
        "namePointing": f.polymorphic,
        "nillable": f.nillable,
        "permissionable": f.nillable && f.custom,
        "picklistValues": picklist,
        "polymorphicForeignKey": f.polymorphic,
        "precision": f.precision,
        "queryByDistance": false,
        "referenceTargetField": null,
        "referenceTo": f.reference_to,
        "relationshipName": f.relationship_name,
        "relationshipOrder": null,
        "restrictedDelete": false,
        "restrictedPicklist": f.restricted_picklist,
        "scale": f.scale,
        "searchPrefilterable": false,
        "soapType": f.ftype.soap_type(),
        "sortable": f.sortable,
        "type": f.ftype.api_name(),
        "unique": f.unique,
        "updateable": f.updateable,
        "writeRequiresMasterRead": false,
    })
}

fn child_relationships(schema: &Schema, o: &ObjectMeta) -> Vec<Json> {
    let mut out = vec![];
    for child in &schema.objects {
        for f in &child.fields {
            if !f.reference_to.iter().any(|t| t == &o.name) {
                continue;
            }
            let audit = matches!(f.name.as_str(), "CreatedById" | "LastModifiedById");
            let rel = if audit {
                Json::Null
            } else if f.custom {
                json!(format!("{}__r", child.label_plural.replace(' ', "_")))
            } else {
                json!(child.label_plural.replace(' ', ""))
            };
            out.push(json!({
                "cascadeDelete": false,
                "childSObject": child.name,
                "deprecatedAndHidden": false,
                "field": f.name,
                "junctionIdListNames": [],
                "junctionReferenceTo": [],
                "relationshipName": rel,
                "restrictedDelete": false,
            }));
        }
    }
    out
}

/// Full `GET /sobjects/{Object}/describe` body.
pub fn describe(schema: &Schema, o: &ObjectMeta, version: &str) -> Json {
    let g = global_entry(o, version);
    let fields: Vec<Json> = o.fields.iter().map(field_json).collect();
    json!({
        "actionOverrides": [],
        "activateable": false,
        "associateEntityType": g["associateEntityType"],
        "associateParentEntity": g["associateParentEntity"],
        "childRelationships": child_relationships(schema, o),
        "compactLayoutable": o.queryable,
        "createable": g["createable"],
        "custom": o.custom,
        "customSetting": false,
        "deepCloneable": false,
        "defaultImplementation": null,
        "deletable": g["deletable"],
        "deprecatedAndHidden": false,
        "extendedBy": null,
        "extendsInterfaces": null,
        "feedEnabled": g["feedEnabled"],
        "fields": fields,
        "hasSubtypes": false,
        "implementedBy": null,
        "implementsInterfaces": null,
        "isInterface": false,
        "isSubtype": false,
        "keyPrefix": o.key_prefix,
        "label": o.label,
        "labelPlural": o.label_plural,
        "layoutable": o.queryable,
        "listviewable": null,
        "lookupLayoutable": null,
        "mergeable": g["mergeable"],
        "mruEnabled": g["mruEnabled"],
        "name": o.name,
        "namedLayoutInfos": [],
        "networkScopeFieldName": null,
        "queryable": o.queryable,
        "recordTypeInfos": [{
            "active": true,
            "available": true,
            "defaultRecordTypeMapping": true,
            "developerName": "Master",
            "master": true,
            "name": "Master",
            "recordTypeId": "012000000000000AAA",
            "urls": {"layout": format!("/services/data/v{version}/sobjects/{}/describe/layouts/012000000000000AAA", o.name)},
        }],
        "replicateable": g["replicateable"],
        "retrieveable": g["retrieveable"],
        "searchLayoutable": o.queryable,
        "searchable": g["searchable"],
        "sobjectDescribeOption": "FULL",
        "supportedScopes": [{"label": "All", "name": "everything"}],
        "triggerable": true,
        "undeletable": g["undeletable"],
        "updateable": g["updateable"],
        "urls": g["urls"],
    })
}

fn b(v: &Json, k: &str) -> bool {
    v.get(k).and_then(Json::as_bool).unwrap_or(false)
}
fn u(v: &Json, k: &str) -> u32 {
    v.get(k).and_then(Json::as_u64).unwrap_or(0) as u32
}
fn s(v: &Json, k: &str) -> Option<String> {
    v.get(k).and_then(Json::as_str).map(str::to_string)
}

/// Builds field metadata from one entry of a real describe's `fields` array.
/// Returns None for field types the emulator does not store (base64, anyType, ...).
pub fn field_from_describe(v: &Json) -> Option<FieldMeta> {
    let name = s(v, "name")?;
    let ftype = FieldType::from_api_name(v.get("type")?.as_str()?)?;
    let mut f = FieldMeta::new(&name, &s(v, "label").unwrap_or_else(|| name.clone()), ftype);
    f.length = u(v, "length");
    f.precision = u(v, "precision");
    f.scale = u(v, "scale");
    f.digits = u(v, "digits");
    f.nillable = b(v, "nillable");
    f.createable = b(v, "createable");
    f.updateable = b(v, "updateable");
    f.filterable = b(v, "filterable");
    f.sortable = b(v, "sortable");
    f.groupable = b(v, "groupable");
    f.aggregatable = b(v, "aggregatable");
    f.custom = b(v, "custom");
    f.calculated = b(v, "calculated");
    f.calculated_formula = s(v, "calculatedFormula");
    f.formula_treat_null_number_as_zero = b(v, "formulaTreatNullNumberAsZero");
    f.controller_name = s(v, "controllerName");
    f.case_sensitive = b(v, "caseSensitive");
    f.external_id = b(v, "externalId");
    f.unique = b(v, "unique");
    f.id_lookup = b(v, "idLookup");
    f.name_field = b(v, "nameField");
    f.auto_number = b(v, "autoNumber");
    f.defaulted_on_create = b(v, "defaultedOnCreate");
    f.html_formatted = b(v, "htmlFormatted");
    f.restricted_picklist = b(v, "restrictedPicklist");
    f.cascade_delete = b(v, "cascadeDelete");
    // Describes before v38 lack polymorphicForeignKey: several referenceTo targets say it too.
    f.polymorphic = b(v, "polymorphicForeignKey")
        || v.get("referenceTo")
            .and_then(Json::as_array)
            .is_some_and(|targets| targets.len() > 1);
    f.relationship_name = s(v, "relationshipName");
    f.compound_field_name = s(v, "compoundFieldName");
    f.extra_type_info = s(v, "extraTypeInfo");
    f.default_value = v.get("defaultValue").filter(|d| !d.is_null()).cloned();
    f.reference_to = v
        .get("referenceTo")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    f.picklist = v
        .get("picklistValues")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter(|p| p.get("active").and_then(Json::as_bool).unwrap_or(true))
                .filter_map(|p| {
                    Some(PicklistValue {
                        value: s(p, "value")?,
                        label: s(p, "label").unwrap_or_default(),
                        default: b(p, "defaultValue"),
                        valid_for: s(p, "validFor"),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some(f)
}

/// Builds object metadata from a real `GET /sobjects/X/describe` body.
pub fn object_from_describe(v: &Json) -> Option<ObjectMeta> {
    let name = s(v, "name")?;
    let fields: Vec<FieldMeta> = v
        .get("fields")?
        .as_array()?
        .iter()
        .filter_map(field_from_describe)
        .collect();
    if !fields.iter().any(|f| f.ftype == FieldType::Id) {
        return None;
    }
    let prefix = s(v, "keyPrefix").filter(|p| p.len() == 3)?;
    let mut o = ObjectMeta::new(
        &name,
        &s(v, "label").unwrap_or_else(|| name.clone()),
        &s(v, "labelPlural").unwrap_or_else(|| name.clone()),
        &prefix,
        fields,
    );
    o.custom = b(v, "custom");
    o.queryable = v.get("queryable").and_then(Json::as_bool).unwrap_or(true);
    o.createable = b(v, "createable");
    Some(o)
}
