//! Salesforce-shaped REST errors: `[{"message":..,"errorCode":..,"fields":[..]}]`.

use serde_json::json;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub fields: Option<Vec<String>>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
            fields: None,
        }
    }
    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(400, code, message)
    }
    pub fn with_fields(mut self, fields: Vec<String>) -> ApiError {
        self.fields = Some(fields);
        self
    }
    pub fn not_found() -> ApiError {
        ApiError::new(404, "NOT_FOUND", "The requested resource does not exist")
    }
    pub fn invalid_session() -> ApiError {
        ApiError::new(401, "INVALID_SESSION_ID", "Session expired or invalid")
    }
    pub fn body(&self) -> String {
        let mut e = json!({"message": self.message, "errorCode": self.code});
        if let Some(f) = &self.fields {
            e["fields"] = json!(f);
        }
        json!([e]).to_string()
    }
}
