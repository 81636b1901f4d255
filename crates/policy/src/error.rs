use std::fmt;

/// Where in a policy document a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The top-level document object.
    Document,
    /// The statement at this zero-based index of `Statement`.
    Statement(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Document => f.write_str("policy document"),
            Location::Statement(index) => write!(f, "Statement[{index}]"),
        }
    }
}

/// Why a policy document could not be decoded or parsed.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy document is empty")]
    Empty,
    #[error("percent-decoded policy document is not valid UTF-8")]
    InvalidUtf8,
    #[error("policy document is not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("policy document must be a JSON object, got {found}")]
    NotAnObject { found: &'static str },
    #[error("{location}: missing required field {field}")]
    MissingField {
        location: Location,
        field: &'static str,
    },
    #[error("{location}: {field} must be {expected}, got {found}")]
    InvalidType {
        location: Location,
        field: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{location}: Effect must be \"Allow\" or \"Deny\", got {value:?}")]
    InvalidEffect { location: Location, value: String },
    #[error("{location}: {first} and {second} cannot both be present")]
    ConflictingFields {
        location: Location,
        first: &'static str,
        second: &'static str,
    },
    #[error("{location}: unknown field {field:?}")]
    UnknownField { location: Location, field: String },
    #[error(
        "{location}: unknown principal type {kind:?} (expected AWS, Service, Federated or CanonicalUser)"
    )]
    UnknownPrincipalType { location: Location, kind: String },
}

/// A JSON value's kind, for error messages.
pub(crate) fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
