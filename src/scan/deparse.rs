//! Postgres WHERE clauses -> pushdown conditions (`crate::pushdown::Cond`), as postgres_fdw's
//! deparse.c decides what is safe to ship. Anything not recognised here stays local.

use std::ffi::CStr;

use pgrx::pg_sys::{self, Datum, Node, NodeTag, Oid};
use pgrx::{AnyNumeric, FromDatum};

use crate::pushdown::{CmpOp, Cond, FieldClass, Operand, Value};
use crate::scan::metadata::FieldInfo;

/// Built-in objects have OIDs below this; user-defined operators never get pushed.
const FIRST_NORMAL_OBJECT_ID: u32 = 16384;

/// A column the WHERE clause may reference.
pub struct ColumnRef {
    pub attnum: i16,
    pub field: String,
    pub type_oid: Oid,
    /// How conditions on it are shipped; None: never.
    pub class: Option<FieldClass>,
    /// Salesforce can ORDER BY the field.
    pub sortable: bool,
}

/// The comparison class of a column, from its Postgres type and what describe says of its
/// field: only filterable fields, and only where the Salesforce type takes the same literals
/// (a text column over a number field gets nothing pushed). Unknown fields get nothing.
pub fn column_class(
    type_oid: Oid,
    typmod: i32,
    field: &str,
    info: Option<&FieldInfo>,
) -> Option<FieldClass> {
    let class = base_column_class(type_oid, field, info)?;
    // numeric(p,s) shows values rounded to s decimals; Salesforce compares stored values.
    if class == FieldClass::Number && type_oid == pg_sys::NUMERICOID && typmod >= 4 {
        let scale = ((typmod - 4) & 0xffff) as u16;
        return Some(FieldClass::RoundedNumber { scale });
    }
    Some(class)
}

fn base_column_class(type_oid: Oid, field: &str, info: Option<&FieldInfo>) -> Option<FieldClass> {
    let base = field_class(type_oid)?;
    // The type of a polymorphic reference (What.Type) is an object name: plain text.
    if let Some((_, last)) = field.rsplit_once('.') {
        return (base == FieldClass::Text && last.eq_ignore_ascii_case("Type"))
            .then_some(FieldClass::Text);
    }
    let info = info?;
    if !info.filterable {
        return None;
    }
    match (base, info.sf_type.as_str()) {
        (FieldClass::Text, "id" | "reference") => Some(FieldClass::Id),
        (
            FieldClass::Text,
            "string" | "picklist" | "textarea" | "email" | "phone" | "url" | "combobox",
        ) => Some(FieldClass::Text),
        (FieldClass::Number, "int" | "long" | "double" | "currency" | "percent") => {
            Some(FieldClass::Number)
        }
        (FieldClass::Bool, "boolean") => Some(FieldClass::Bool),
        (FieldClass::Date, "date") => Some(FieldClass::Date),
        (FieldClass::DateTime, "datetime") => Some(FieldClass::DateTime),
        _ => None,
    }
}

/// The comparison class of a Postgres type, if its comparisons can be shipped at all.
pub fn field_class(type_oid: Oid) -> Option<FieldClass> {
    Some(match type_oid {
        pg_sys::INT2OID | pg_sys::INT4OID | pg_sys::INT8OID | pg_sys::NUMERICOID => {
            FieldClass::Number
        }
        pg_sys::TEXTOID | pg_sys::VARCHAROID => FieldClass::Text,
        pg_sys::BOOLOID => FieldClass::Bool,
        pg_sys::DATEOID => FieldClass::Date,
        pg_sys::TIMESTAMPTZOID | pg_sys::TIMESTAMPOID => FieldClass::DateTime,
        _ => return None,
    })
}

/// Operand types an operator of the class may take (no cross-type operators that depend on
/// the session, such as date vs timestamptz).
fn operand_type_fits(class: FieldClass, column_type: Oid, other_type: Oid) -> bool {
    match class {
        FieldClass::Number | FieldClass::RoundedNumber { .. } => {
            field_class(other_type) == Some(FieldClass::Number)
        }
        FieldClass::Text | FieldClass::Id => matches!(
            other_type,
            pg_sys::TEXTOID | pg_sys::VARCHAROID | pg_sys::UNKNOWNOID
        ),
        FieldClass::Bool => other_type == pg_sys::BOOLOID,
        FieldClass::Date => other_type == pg_sys::DATEOID,
        FieldClass::DateTime => other_type == column_type,
    }
}

/// A relation's WHERE conditions as its scan takes them: every one that translates goes to
/// Salesforce (`pushed`); those Salesforce evaluates exactly are its alone (`exact`: what an
/// EvalPlanQual recheck needs), the others (only narrowed by Salesforce, or not translated)
/// Postgres checks on the rows (`local`).
#[derive(Default)]
pub struct Conditions {
    pub pushed: Vec<Cond>,
    pub exact: Vec<*mut pg_sys::Expr>,
    pub local: Vec<*mut pg_sys::Expr>,
    /// Some local condition translated, and Salesforce only narrows it.
    pub narrowed: bool,
}

pub struct Deparser<'a> {
    pub relid: u32,
    pub columns: &'a [ColumnRef],
    /// Expressions evaluated at execution (parameters, stable expressions): `fdw_exprs`.
    pub params: Vec<*mut pg_sys::Expr>,
}

impl<'a> Deparser<'a> {
    pub fn new(relid: u32, columns: &'a [ColumnRef]) -> Self {
        Deparser {
            relid,
            columns,
            params: Vec::new(),
        }
    }

    /// Sorts a List of RestrictInfo (pseudo-constant ones are the planner's: left out).
    ///
    /// # Safety
    /// `restrictions` must be a List of RestrictInfo of the query being planned.
    pub unsafe fn sort_conditions(&mut self, restrictions: *mut pg_sys::List) -> Conditions {
        let mut sorted = Conditions::default();
        // SAFETY: a List of RestrictInfo (caller); a null List is empty.
        unsafe {
            let length = if restrictions.is_null() {
                0
            } else {
                (*restrictions).length as usize
            };
            for i in 0..length {
                let info =
                    (*(*restrictions).elements.add(i)).ptr_value as *mut pg_sys::RestrictInfo;
                if (*info).pseudoconstant {
                    continue;
                }
                let clause = (*info).clause;
                match self.translate(clause as *mut Node) {
                    Some(cond) => {
                        if cond.plan_exact() {
                            sorted.exact.push(clause);
                        } else {
                            sorted.narrowed = true;
                            sorted.local.push(clause);
                        }
                        sorted.pushed.push(cond);
                    }
                    None => sorted.local.push(clause),
                }
            }
        }
        sorted
    }

    /// Translates one clause, or None when it must stay local. Parameters registered for a
    /// clause that turns out not to translate are rolled back.
    ///
    /// # Safety
    /// `clause` must be a valid expression tree of the query being planned.
    pub unsafe fn translate(&mut self, clause: *mut Node) -> Option<Cond> {
        let mark = self.params.len();
        let cond = unsafe { self.node(clause) };
        if cond.is_none() {
            self.params.truncate(mark);
        }
        cond
    }

    unsafe fn node(&mut self, node: *mut Node) -> Option<Cond> {
        if node.is_null() {
            return None;
        }
        unsafe {
            match (*node).type_ {
                NodeTag::T_OpExpr => self.op_expr(node as *mut pg_sys::OpExpr),
                NodeTag::T_ScalarArrayOpExpr => {
                    self.scalar_array_op(node as *mut pg_sys::ScalarArrayOpExpr)
                }
                NodeTag::T_NullTest => self.null_test(node as *mut pg_sys::NullTest),
                NodeTag::T_BoolExpr => self.bool_expr(node as *mut pg_sys::BoolExpr),
                NodeTag::T_BooleanTest => self.boolean_test(node as *mut pg_sys::BooleanTest),
                NodeTag::T_Var | NodeTag::T_RelabelType => {
                    let column = self.column(node)?;
                    (column.class? == FieldClass::Bool).then(|| Cond::BoolField {
                        field: column.field.clone(),
                        value: true,
                    })
                }
                _ => None,
            }
        }
    }

    /// The column a node refers to: a Var of our relation, possibly under a binary-compatible
    /// relabel (varchar -> text).
    unsafe fn column(&self, node: *mut Node) -> Option<&'a ColumnRef> {
        unsafe {
            let mut node = node;
            while !node.is_null() && (*node).type_ == NodeTag::T_RelabelType {
                node = (*(node as *mut pg_sys::RelabelType)).arg as *mut Node;
            }
            if node.is_null() || (*node).type_ != NodeTag::T_Var {
                return None;
            }
            let var = node as *mut pg_sys::Var;
            if (*var).varno as u32 != self.relid || (*var).varlevelsup != 0 || (*var).varattno <= 0
            {
                return None;
            }
            self.columns.iter().find(|c| c.attnum == (*var).varattno)
        }
    }

    /// A value side: a constant, or an expression without our columns and without volatile
    /// functions or subplans, evaluated once at execution.
    unsafe fn operand(&mut self, node: *mut Node) -> Option<(Operand, Oid)> {
        unsafe {
            let type_oid = pg_sys::exprType(node);
            if (*node).type_ == NodeTag::T_Const {
                let c = node as *mut pg_sys::Const;
                let value = datum_to_value((*c).constvalue, (*c).constisnull, (*c).consttype);
                return Some((Operand::Const(value), type_oid));
            }
            if pg_sys::contain_var_clause(node)
                || pg_sys::contain_volatile_functions(node)
                || pg_sys::contain_subplans(node)
            {
                return None;
            }
            self.params.push(node as *mut pg_sys::Expr);
            Some((Operand::Param(self.params.len() - 1), type_oid))
        }
    }

    unsafe fn op_expr(&mut self, op: *mut pg_sys::OpExpr) -> Option<Cond> {
        unsafe {
            if (*op).opno.to_u32() >= FIRST_NORMAL_OBJECT_ID || list_len((*op).args) != 2 {
                return None;
            }
            let name = operator_name((*op).opno)?;
            let left = list_nth((*op).args, 0);
            let right = list_nth((*op).args, 1);
            let (column, other, swapped) = match (self.column(left), self.column(right)) {
                (Some(c), None) => (c, right, false),
                (None, Some(c)) => (c, left, true),
                _ => return None,
            };
            let class = column.class?;
            if matches!(class, FieldClass::Text | FieldClass::Id)
                && !deterministic_collation((*op).inputcollid)
            {
                return None;
            }
            if name == "~~" || name == "~~*" {
                if class != FieldClass::Text || swapped {
                    return None;
                }
                let (pattern, pattern_type) = self.operand(other)?;
                if !operand_type_fits(class, column.type_oid, pattern_type) {
                    return None;
                }
                return Some(Cond::Like {
                    field: column.field.clone(),
                    pattern,
                    case_insensitive: name == "~~*",
                });
            }
            let mut cmp = CmpOp::from_pg(&name)?;
            if swapped {
                cmp = cmp.commuted();
            }
            let (value, value_type) = self.operand(other)?;
            if !operand_type_fits(class, column.type_oid, value_type) {
                return None;
            }
            Some(Cond::Compare {
                field: column.field.clone(),
                class,
                op: cmp,
                value,
            })
        }
    }

    unsafe fn scalar_array_op(&mut self, op: *mut pg_sys::ScalarArrayOpExpr) -> Option<Cond> {
        unsafe {
            if (*op).opno.to_u32() >= FIRST_NORMAL_OBJECT_ID || list_len((*op).args) != 2 {
                return None;
            }
            let name = operator_name((*op).opno)?;
            let negated = match (name.as_str(), (*op).useOr) {
                ("=", true) => false,
                ("<>", false) => true,
                _ => return None,
            };
            let column = self.column(list_nth((*op).args, 0))?;
            let class = column.class?;
            if matches!(class, FieldClass::Text | FieldClass::Id)
                && !deterministic_collation((*op).inputcollid)
            {
                return None;
            }
            let (values, array_type) = self.operand(list_nth((*op).args, 1))?;
            let element_type = pg_sys::get_element_type(array_type);
            if element_type == pg_sys::InvalidOid
                || !operand_type_fits(class, column.type_oid, element_type)
            {
                return None;
            }
            Some(Cond::In {
                field: column.field.clone(),
                class,
                values,
                negated,
            })
        }
    }

    unsafe fn null_test(&mut self, test: *mut pg_sys::NullTest) -> Option<Cond> {
        unsafe {
            if (*test).argisrow {
                return None;
            }
            let column = self.column((*test).arg as *mut Node)?;
            // SOQL's `= null` on a boolean means `= false`: never ship null tests on booleans.
            if column.class? == FieldClass::Bool {
                return None;
            }
            Some(Cond::Null {
                field: column.field.clone(),
                is_null: (*test).nulltesttype == pg_sys::NullTestType::IS_NULL,
            })
        }
    }

    unsafe fn boolean_test(&mut self, test: *mut pg_sys::BooleanTest) -> Option<Cond> {
        unsafe {
            let column = self.column((*test).arg as *mut Node)?;
            if column.class? != FieldClass::Bool {
                return None;
            }
            // Salesforce booleans are never null, so IS TRUE / IS FALSE are plain values.
            let value = match (*test).booltesttype {
                pg_sys::BoolTestType::IS_TRUE => true,
                pg_sys::BoolTestType::IS_FALSE => false,
                _ => return None,
            };
            Some(Cond::BoolField {
                field: column.field.clone(),
                value,
            })
        }
    }

    unsafe fn bool_expr(&mut self, expr: *mut pg_sys::BoolExpr) -> Option<Cond> {
        unsafe {
            let args = (*expr).args;
            match (*expr).boolop {
                pg_sys::BoolExprType::NOT_EXPR => {
                    // Only NOT of a boolean column: the negation of a superset is not safe.
                    let column = self.column(list_nth(args, 0))?;
                    (column.class? == FieldClass::Bool).then(|| Cond::BoolField {
                        field: column.field.clone(),
                        value: false,
                    })
                }
                op => {
                    let mut items = Vec::new();
                    for i in 0..list_len(args) {
                        items.push(self.node(list_nth(args, i))?);
                    }
                    Some(if op == pg_sys::BoolExprType::AND_EXPR {
                        Cond::And(items)
                    } else {
                        Cond::Or(items)
                    })
                }
            }
        }
    }
}

unsafe fn list_len(list: *mut pg_sys::List) -> usize {
    if list.is_null() {
        0
    } else {
        unsafe { (*list).length as usize }
    }
}

unsafe fn list_nth(list: *mut pg_sys::List, n: usize) -> *mut Node {
    unsafe { (*(*list).elements.add(n)).ptr_value as *mut Node }
}

unsafe fn operator_name(opno: Oid) -> Option<String> {
    unsafe {
        let name = pg_sys::get_opname(opno);
        (!name.is_null()).then(|| CStr::from_ptr(name).to_string_lossy().into_owned())
    }
}

unsafe fn deterministic_collation(collation: Oid) -> bool {
    collation == pg_sys::InvalidOid
        || collation == pg_sys::DEFAULT_COLLATION_OID
        || collation == pg_sys::C_COLLATION_OID
        || collation == crate::pg::compat::POSIX_COLLATION_OID
        || unsafe { pg_sys::get_collation_isdeterministic(collation) }
}

/// Converts a datum of a pushable type (or an array of one) to a pushdown value.
///
/// # Safety
/// `datum` must be a valid datum of `type_oid` unless `is_null`.
pub unsafe fn datum_to_value(datum: Datum, is_null: bool, type_oid: Oid) -> Value {
    if is_null {
        return Value::Null;
    }
    unsafe {
        match type_oid {
            pg_sys::INT2OID => {
                Value::Number(i16::from_datum(datum, false).unwrap_or(0).to_string())
            }
            pg_sys::INT4OID => {
                Value::Number(i32::from_datum(datum, false).unwrap_or(0).to_string())
            }
            pg_sys::INT8OID => {
                Value::Number(i64::from_datum(datum, false).unwrap_or(0).to_string())
            }
            pg_sys::NUMERICOID => match AnyNumeric::from_datum(datum, false) {
                Some(n) => Value::Number(n.to_string()),
                None => Value::Unrenderable,
            },
            pg_sys::BOOLOID => Value::Bool(bool::from_datum(datum, false).unwrap_or(false)),
            pg_sys::TEXTOID | pg_sys::VARCHAROID | pg_sys::UNKNOWNOID => {
                let text = if type_oid == pg_sys::UNKNOWNOID {
                    CStr::from_ptr(datum.cast_mut_ptr::<std::ffi::c_char>())
                        .to_string_lossy()
                        .into_owned()
                } else {
                    String::from_datum(datum, false).unwrap_or_default()
                };
                Value::Text(text)
            }
            pg_sys::DATEOID => match pgrx::prelude::Date::from_datum(datum, false) {
                Some(d) if d.is_finite() => Value::Date(d.to_pg_epoch_days()),
                _ => Value::Unrenderable,
            },
            pg_sys::TIMESTAMPTZOID | pg_sys::TIMESTAMPOID => {
                let micros = datum.value() as i64;
                if micros == i64::MIN || micros == i64::MAX {
                    Value::Unrenderable
                } else {
                    Value::Timestamp(micros)
                }
            }
            _ => {
                let element_type = pg_sys::get_element_type(type_oid);
                if element_type == pg_sys::InvalidOid {
                    Value::Unrenderable
                } else {
                    array_to_value(datum, element_type)
                }
            }
        }
    }
}

unsafe fn array_to_value(datum: Datum, element_type: Oid) -> Value {
    unsafe {
        let array = pg_sys::pg_detoast_datum(datum.cast_mut_ptr()) as *mut pg_sys::ArrayType;
        let mut len: i16 = 0;
        let mut byval = false;
        let mut align: std::ffi::c_char = 0;
        pg_sys::get_typlenbyvalalign(element_type, &mut len, &mut byval, &mut align);
        let mut elements: *mut Datum = std::ptr::null_mut();
        let mut nulls: *mut bool = std::ptr::null_mut();
        let mut count: i32 = 0;
        pg_sys::deconstruct_array(
            array,
            element_type,
            len as i32,
            byval,
            align,
            &mut elements,
            &mut nulls,
            &mut count,
        );
        let mut values = Vec::with_capacity(count as usize);
        for i in 0..count as usize {
            let value = datum_to_value(*elements.add(i), *nulls.add(i), element_type);
            if matches!(value, Value::Array(_) | Value::Unrenderable) {
                return Value::Unrenderable;
            }
            values.push(value);
        }
        Value::Array(values)
    }
}
