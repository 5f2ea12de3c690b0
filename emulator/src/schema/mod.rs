//! Object and field metadata, shaped after the describe API so it can be built in code
//! (`standard`) or loaded from real describe JSON files (`describe::object_from_describe`).

pub mod describe;
pub mod standard;

use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Id,
    Boolean,
    String,
    Picklist,
    MultiPicklist,
    Combobox,
    Textarea,
    Phone,
    Url,
    Email,
    Reference,
    Int,
    Double,
    Currency,
    Percent,
    Date,
    DateTime,
    Time,
    Address,
    Location,
}

impl FieldType {
    pub fn api_name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::Boolean => "boolean",
            FieldType::String => "string",
            FieldType::Picklist => "picklist",
            FieldType::MultiPicklist => "multipicklist",
            FieldType::Combobox => "combobox",
            FieldType::Textarea => "textarea",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Email => "email",
            FieldType::Reference => "reference",
            FieldType::Int => "int",
            FieldType::Double => "double",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Time => "time",
            FieldType::Address => "address",
            FieldType::Location => "location",
        }
    }

    pub fn from_api_name(s: &str) -> Option<FieldType> {
        Some(match s {
            "id" => FieldType::Id,
            "boolean" => FieldType::Boolean,
            "string" | "encryptedstring" => FieldType::String,
            "picklist" => FieldType::Picklist,
            "multipicklist" => FieldType::MultiPicklist,
            "combobox" => FieldType::Combobox,
            "textarea" => FieldType::Textarea,
            "phone" => FieldType::Phone,
            "url" => FieldType::Url,
            "email" => FieldType::Email,
            "reference" => FieldType::Reference,
            "int" | "long" => FieldType::Int,
            "double" => FieldType::Double,
            "currency" => FieldType::Currency,
            "percent" => FieldType::Percent,
            "date" => FieldType::Date,
            "datetime" => FieldType::DateTime,
            "time" => FieldType::Time,
            "address" => FieldType::Address,
            "location" => FieldType::Location,
            _ => return None,
        })
    }

    pub fn soap_type(self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "tns:ID",
            FieldType::Boolean => "xsd:boolean",
            FieldType::Int => "xsd:int",
            FieldType::Double | FieldType::Currency | FieldType::Percent => "xsd:double",
            FieldType::Date => "xsd:date",
            FieldType::DateTime => "xsd:dateTime",
            FieldType::Time => "xsd:time",
            FieldType::Address => "urn:address",
            FieldType::Location => "urn:location",
            _ => "xsd:string",
        }
    }

    /// Text-like types: values are strings, compared case-insensitively.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::Picklist
                | FieldType::MultiPicklist
                | FieldType::Combobox
                | FieldType::Textarea
                | FieldType::Phone
                | FieldType::Url
                | FieldType::Email
        )
    }

    /// Fixed-scale decimal types stored as scaled integers.
    pub fn is_decimal(self) -> bool {
        matches!(
            self,
            FieldType::Double | FieldType::Currency | FieldType::Percent
        )
    }

    pub fn is_compound(self) -> bool {
        matches!(self, FieldType::Address | FieldType::Location)
    }

    pub fn is_id_like(self) -> bool {
        matches!(self, FieldType::Id | FieldType::Reference)
    }
}

#[derive(Clone, Debug)]
pub struct PicklistValue {
    pub value: String,
    pub label: String,
    pub default: bool,
    /// Dependent picklists: base64 bitmap of the controlling values this value is valid for.
    pub valid_for: Option<String>,
}

#[derive(Clone, Debug)]
pub struct FieldMeta {
    pub name: String,
    pub label: String,
    pub ftype: FieldType,
    pub length: u32,
    pub precision: u32,
    pub scale: u32,
    pub digits: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    pub filterable: bool,
    pub sortable: bool,
    pub groupable: bool,
    pub aggregatable: bool,
    pub custom: bool,
    pub calculated: bool,
    pub case_sensitive: bool,
    pub external_id: bool,
    pub unique: bool,
    pub id_lookup: bool,
    pub name_field: bool,
    pub auto_number: bool,
    pub defaulted_on_create: bool,
    pub html_formatted: bool,
    pub restricted_picklist: bool,
    pub cascade_delete: bool,
    pub reference_to: Vec<String>,
    pub relationship_name: Option<String>,
    pub polymorphic: bool,
    pub compound_field_name: Option<String>,
    pub extra_type_info: Option<String>,
    pub picklist: Vec<PicklistValue>,
    pub default_value: Option<serde_json::Value>,
    /// Formula fields: describe's `calculatedFormula`. A formula that is a plain field path
    /// (`Account__r.Name`) is evaluated at read time (see `store::Org::value`).
    pub calculated_formula: Option<String>,
    pub formula_treat_null_number_as_zero: bool,
    /// Dependent picklists: the controlling field (describe's `controllerName`).
    pub controller_name: Option<String>,
}

impl FieldMeta {
    /// A field with the describe defaults Salesforce reports for its type.
    pub fn new(name: &str, label: &str, ftype: FieldType) -> FieldMeta {
        let (length, precision, scale, digits) = match ftype {
            FieldType::Id | FieldType::Reference => (18, 0, 0, 0),
            FieldType::String | FieldType::Url | FieldType::Combobox => (255, 0, 0, 0),
            FieldType::Picklist | FieldType::MultiPicklist => (255, 0, 0, 0),
            FieldType::Textarea => (255, 0, 0, 0),
            FieldType::Phone => (40, 0, 0, 0),
            FieldType::Email => (80, 0, 0, 0),
            FieldType::Int => (0, 0, 0, 9),
            FieldType::Double | FieldType::Currency => (0, 18, 2, 0),
            FieldType::Percent => (0, 3, 0, 0),
            _ => (0, 0, 0, 0),
        };
        let mut f = FieldMeta {
            name: name.to_string(),
            label: label.to_string(),
            ftype,
            length,
            precision,
            scale,
            digits,
            nillable: true,
            createable: true,
            updateable: true,
            filterable: true,
            sortable: true,
            groupable: true,
            aggregatable: true,
            custom: name.ends_with("__c") || name.ends_with("__s"),
            calculated: false,
            case_sensitive: false,
            external_id: false,
            unique: false,
            id_lookup: false,
            name_field: false,
            auto_number: false,
            defaulted_on_create: false,
            html_formatted: false,
            restricted_picklist: false,
            cascade_delete: false,
            reference_to: vec![],
            relationship_name: None,
            polymorphic: false,
            compound_field_name: None,
            extra_type_info: None,
            picklist: vec![],
            default_value: None,
            calculated_formula: None,
            formula_treat_null_number_as_zero: false,
            controller_name: None,
        };
        f.apply_type_flags();
        f
    }

    /// Recomputes the flags that follow from type and length (long text areas, compounds...).
    fn apply_type_flags(&mut self) {
        let t = self.ftype;
        let long_text = t == FieldType::Textarea && self.length > 255;
        if long_text {
            self.filterable = false;
            self.sortable = false;
            self.groupable = false;
            self.aggregatable = false;
        }
        if t == FieldType::Textarea && self.extra_type_info.is_none() {
            self.extra_type_info = Some("plaintextarea".into());
        }
        if t.is_compound() {
            self.sortable = false;
            self.groupable = false;
            self.aggregatable = false;
            self.createable = false;
            self.updateable = false;
        }
        if t.is_decimal() || t == FieldType::DateTime || t == FieldType::Time {
            self.groupable = false;
        }
        if t == FieldType::MultiPicklist {
            self.sortable = false;
            self.groupable = false;
        }
        if t == FieldType::Boolean {
            self.nillable = false;
            self.defaulted_on_create = true;
            self.aggregatable = false;
        }
        if t == FieldType::Id {
            self.nillable = false;
            self.createable = false;
            self.updateable = false;
            self.defaulted_on_create = true;
            self.id_lookup = true;
            self.unique = false;
        }
    }

    pub fn len(mut self, length: u32) -> Self {
        self.length = length;
        self.apply_type_flags();
        self
    }
    pub fn num(mut self, precision: u32, scale: u32) -> Self {
        self.precision = precision;
        self.scale = scale;
        self
    }
    pub fn digits(mut self, digits: u32) -> Self {
        self.digits = digits;
        self
    }
    pub fn required(mut self) -> Self {
        self.nillable = false;
        self
    }
    /// System-maintained: neither createable nor updateable.
    pub fn readonly(mut self) -> Self {
        self.createable = false;
        self.updateable = false;
        self
    }
    pub fn create_only(mut self) -> Self {
        self.updateable = false;
        self
    }
    pub fn defaulted(mut self) -> Self {
        self.defaulted_on_create = true;
        self
    }
    pub fn refs(mut self, targets: &[&str], relationship: &str) -> Self {
        self.reference_to = targets.iter().map(|s| s.to_string()).collect();
        self.relationship_name = Some(relationship.to_string());
        self.polymorphic = targets.len() > 1;
        self
    }
    pub fn picklist(mut self, values: &[&str]) -> Self {
        self.picklist = values
            .iter()
            .map(|v| PicklistValue {
                value: v.to_string(),
                label: v.to_string(),
                default: false,
                valid_for: None,
            })
            .collect();
        self
    }
    pub fn default_pick(mut self, value: &str) -> Self {
        for p in &mut self.picklist {
            p.default = p.value == value;
        }
        self.defaulted_on_create = true;
        self
    }
    pub fn restricted(mut self) -> Self {
        self.restricted_picklist = true;
        self
    }
    pub fn compound(mut self, compound: &str) -> Self {
        self.compound_field_name = Some(compound.to_string());
        self
    }
    pub fn extra(mut self, info: &str) -> Self {
        self.extra_type_info = Some(info.to_string());
        self
    }
    pub fn name_field(mut self) -> Self {
        self.name_field = true;
        self
    }
    pub fn auto_number(mut self) -> Self {
        self.auto_number = true;
        self.readonly().required().defaulted()
    }
    pub fn calculated(mut self) -> Self {
        self.calculated = true;
        self.readonly()
    }
    /// A formula field (read-only, never groupable) with the given `calculatedFormula`.
    pub fn formula(mut self, formula: &str) -> Self {
        self.calculated_formula = Some(formula.to_string());
        self.formula_treat_null_number_as_zero = true;
        self.groupable = false;
        self.calculated()
    }
    pub fn not_filterable(mut self) -> Self {
        self.filterable = false;
        self
    }

    pub fn default_picklist_value(&self) -> Option<&str> {
        self.picklist
            .iter()
            .find(|p| p.default)
            .map(|p| p.value.as_str())
    }
}

/// Components of a compound (address/location) field, by field position.
#[derive(Clone, Debug, Default)]
pub struct CompoundParts {
    pub street: Option<usize>,
    pub city: Option<usize>,
    pub state: Option<usize>,
    pub postal_code: Option<usize>,
    pub country: Option<usize>,
    pub latitude: Option<usize>,
    pub longitude: Option<usize>,
    pub geocode_accuracy: Option<usize>,
    /// State and country picklist codes (`BillingStateCode`, `BillingCountryCode`).
    pub state_code: Option<usize>,
    pub country_code: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct ObjectMeta {
    pub name: String,
    pub label: String,
    pub label_plural: String,
    pub key_prefix: String,
    pub custom: bool,
    pub queryable: bool,
    pub createable: bool,
    pub fields: Vec<FieldMeta>,
    by_lower_name: HashMap<String, usize>,
    by_lower_relationship: HashMap<String, usize>,
    /// Compound field position → its parts.
    pub compounds: HashMap<usize, CompoundParts>,
    pub name_field: Option<usize>,
}

impl ObjectMeta {
    pub fn new(
        name: &str,
        label: &str,
        plural: &str,
        prefix: &str,
        fields: Vec<FieldMeta>,
    ) -> Self {
        let mut o = ObjectMeta {
            name: name.to_string(),
            label: label.to_string(),
            label_plural: plural.to_string(),
            key_prefix: prefix.to_string(),
            custom: name.ends_with("__c"),
            queryable: true,
            createable: true,
            fields,
            by_lower_name: HashMap::new(),
            by_lower_relationship: HashMap::new(),
            compounds: HashMap::new(),
            name_field: None,
        };
        o.reindex();
        o
    }

    pub fn not_queryable(mut self) -> Self {
        self.queryable = false;
        self.createable = false;
        self
    }

    /// Keeps only the fields `keep` accepts (positions and indexes are rebuilt).
    pub fn retain_fields(&mut self, keep: impl Fn(&FieldMeta) -> bool) {
        self.fields.retain(|f| keep(f));
        self.name_field = None;
        self.reindex();
    }

    fn reindex(&mut self) {
        self.by_lower_name.clear();
        self.by_lower_relationship.clear();
        self.compounds.clear();
        for (i, f) in self.fields.iter().enumerate() {
            self.by_lower_name.insert(f.name.to_ascii_lowercase(), i);
            if let Some(r) = &f.relationship_name {
                self.by_lower_relationship.insert(r.to_ascii_lowercase(), i);
            }
            if f.name_field && self.name_field.is_none() {
                self.name_field = Some(i);
            }
        }
        for (i, f) in self.fields.iter().enumerate() {
            if !f.ftype.is_compound() {
                continue;
            }
            let mut parts = CompoundParts::default();
            for (j, c) in self.fields.iter().enumerate() {
                if c.compound_field_name.as_deref() != Some(f.name.as_str()) {
                    continue;
                }
                let n = c.name.to_ascii_lowercase();
                let slot = if n.ends_with("statecode") {
                    &mut parts.state_code
                } else if n.ends_with("countrycode") {
                    &mut parts.country_code
                } else if n.ends_with("street") {
                    &mut parts.street
                } else if n.ends_with("city") {
                    &mut parts.city
                } else if n.ends_with("state") {
                    &mut parts.state
                } else if n.ends_with("postalcode") {
                    &mut parts.postal_code
                } else if n.ends_with("country") {
                    &mut parts.country
                } else if n.ends_with("latitude") || n.ends_with("latitude__s") {
                    &mut parts.latitude
                } else if n.ends_with("longitude") || n.ends_with("longitude__s") {
                    &mut parts.longitude
                } else if n.ends_with("geocodeaccuracy") {
                    &mut parts.geocode_accuracy
                } else {
                    continue;
                };
                *slot = Some(j);
            }
            self.compounds.insert(i, parts);
        }
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.by_lower_name.get(&name.to_ascii_lowercase()).copied()
    }

    pub fn field(&self, name: &str) -> Option<&FieldMeta> {
        self.field_index(name).map(|i| &self.fields[i])
    }

    /// The reference field whose relationshipName is `rel` (e.g. `Owner` → OwnerId).
    pub fn relationship_index(&self, rel: &str) -> Option<usize> {
        self.by_lower_relationship
            .get(&rel.to_ascii_lowercase())
            .copied()
    }

    /// Position of a field that must exist in every object (Id, IsDeleted, timestamps).
    pub fn required_index(&self, name: &str) -> Option<usize> {
        self.field_index(name)
    }
}

pub struct Schema {
    pub objects: Vec<ObjectMeta>,
    by_lower_name: HashMap<String, usize>,
    by_prefix: HashMap<String, usize>,
}

impl Schema {
    pub fn new(objects: Vec<ObjectMeta>) -> Schema {
        let mut by_lower_name = HashMap::new();
        let mut by_prefix = HashMap::new();
        for (i, o) in objects.iter().enumerate() {
            by_lower_name.insert(o.name.to_ascii_lowercase(), i);
            by_prefix.insert(o.key_prefix.clone(), i);
        }
        Schema {
            objects,
            by_lower_name,
            by_prefix,
        }
    }

    pub fn object_index(&self, name: &str) -> Option<usize> {
        self.by_lower_name.get(&name.to_ascii_lowercase()).copied()
    }

    pub fn object_by_prefix(&self, prefix: &str) -> Option<usize> {
        self.by_prefix.get(prefix).copied()
    }
}
