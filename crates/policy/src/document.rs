use serde_json::{Map, Value};

use crate::decode::decode_document;
use crate::error::{kind_of, Location, PolicyError};
use eksposture_model::wildcard::wildcard_match;

/// A parsed IAM policy document (identity, trust or resource policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// `None` when absent or empty.
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: ActionSpec,
    /// `None` in trust policies and resource policies, where the resource is
    /// implicitly the one the policy is attached to.
    pub resource: Option<ResourceSpec>,
    /// `None` in identity policies, where the principal is the holder.
    pub principal: Option<PrincipalSpec>,
    /// Every condition, flattened; IAM ANDs all of them.
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action` (the listed patterns) or `NotAction` (everything but them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionSpec {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

/// `Resource` (the listed patterns) or `NotResource` (everything but them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSpec {
    Resource(Vec<String>),
    NotResource(Vec<String>),
}

/// `Principal` or `NotPrincipal` (everyone but the listed principals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSpec {
    Principal(Principal),
    NotPrincipal(Principal),
}

/// The value of a `Principal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"Principal": "*"`.
    Any,
    /// `"Principal": {"AWS": ..., "Service": ..., ...}`.
    Specific(Principals),
}

/// Principals by type; each list holds the values as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    pub aws: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
    pub canonical_user: Vec<String>,
}

/// One `operator -> key -> values` entry of a `Condition` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// As written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator: String,
    pub key: String,
    /// Booleans and numbers are stringified: IAM compares them as text.
    pub values: Vec<String>,
}

/// The set qualifier of a multivalued condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

impl Policy {
    /// Parses a JSON policy document.
    ///
    /// Every element IAM accepts as "string or array" accepts both; unknown
    /// elements are errors, since IAM itself rejects them on write.
    pub fn parse(document: &Value) -> Result<Policy, PolicyError> {
        let object = document.as_object().ok_or(PolicyError::NotAnObject {
            found: kind_of(document),
        })?;
        let loc = Location::Document;
        let mut version = None;
        let mut id = None;
        let mut statements = None;
        for (field, value) in object {
            match field.as_str() {
                "Version" => version = Some(string(value, loc, field)?),
                "Id" => id = Some(string(value, loc, field)?),
                "Statement" => statements = Some(parse_statements(value)?),
                _ => return Err(unknown(loc, field)),
            }
        }
        let statements = statements.ok_or(PolicyError::MissingField {
            location: loc,
            field: "Statement",
        })?;
        Ok(Policy {
            version,
            id,
            statements,
        })
    }

    /// Decodes (plain or URL-encoded, see [`decode_document`]) and parses a document.
    pub fn from_raw(raw: &str) -> Result<Policy, PolicyError> {
        Policy::parse(&decode_document(raw)?)
    }

    /// Parses a document as an inventory holds it: decoded JSON, or a JSON
    /// string still holding the (URL-encoded) text IAM returned.
    pub fn from_document(document: &Value) -> Result<Policy, PolicyError> {
        match document {
            Value::String(raw) => Policy::from_raw(raw),
            other => Policy::parse(other),
        }
    }
}

impl Statement {
    /// Whether the statement's `Action`/`NotAction` covers `action`
    /// (case-insensitive, as IAM compares actions).
    pub fn matches_action(&self, action: &str) -> bool {
        match &self.action {
            ActionSpec::Action(patterns) => any_match(patterns, action, true),
            ActionSpec::NotAction(patterns) => !any_match(patterns, action, true),
        }
    }

    /// Whether the statement's `Resource`/`NotResource` covers `resource`
    /// (case-sensitive). A statement without either covers every resource:
    /// in resource and trust policies the resource is implicit.
    pub fn matches_resource(&self, resource: &str) -> bool {
        match &self.resource {
            None => true,
            Some(ResourceSpec::Resource(patterns)) => any_match(patterns, resource, false),
            Some(ResourceSpec::NotResource(patterns)) => !any_match(patterns, resource, false),
        }
    }

    /// Whether the statement only applies when its conditions hold.
    pub fn is_conditional(&self) -> bool {
        !self.conditions.is_empty()
    }
}

impl Principal {
    /// `"*"` or an `AWS` list containing `"*"`: anyone, in any account.
    pub fn is_anyone(&self) -> bool {
        match self {
            Principal::Any => true,
            Principal::Specific(p) => p.aws.iter().any(|a| a == "*"),
        }
    }
}

impl Condition {
    /// `ForAnyValue:` / `ForAllValues:` prefix, if any.
    pub fn qualifier(&self) -> Option<SetQualifier> {
        let (qualifier, _) = split_qualifier(&self.operator);
        qualifier
    }

    /// Whether the operator ends in `IfExists` (true when the key is absent).
    pub fn if_exists(&self) -> bool {
        ends_with_ignore_case(&self.operator, "IfExists")
    }

    /// The operator without set qualifier and `IfExists`, e.g. `StringLike`.
    pub fn base_operator(&self) -> &str {
        let (_, rest) = split_qualifier(&self.operator);
        if ends_with_ignore_case(rest, "IfExists") {
            &rest[..rest.len() - "IfExists".len()]
        } else {
            rest
        }
    }
}

fn split_qualifier(operator: &str) -> (Option<SetQualifier>, &str) {
    for (prefix, qualifier) in [
        ("ForAnyValue:", SetQualifier::ForAnyValue),
        ("ForAllValues:", SetQualifier::ForAllValues),
    ] {
        if operator.len() >= prefix.len()
            && operator.is_char_boundary(prefix.len())
            && operator[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            return (Some(qualifier), &operator[prefix.len()..]);
        }
    }
    (None, operator)
}

fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text.is_char_boundary(text.len() - suffix.len())
        && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn any_match(patterns: &[String], value: &str, case_insensitive: bool) -> bool {
    patterns
        .iter()
        .any(|p| wildcard_match(p, value, case_insensitive))
}

fn parse_statements(value: &Value) -> Result<Vec<Statement>, PolicyError> {
    match value {
        Value::Object(object) => Ok(vec![parse_statement(object, 0)?]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::Object(object) => parse_statement(object, index),
                other => Err(PolicyError::InvalidType {
                    location: Location::Statement(index),
                    field: "Statement".into(),
                    expected: "an object",
                    found: kind_of(other),
                }),
            })
            .collect(),
        other => Err(PolicyError::InvalidType {
            location: Location::Document,
            field: "Statement".into(),
            expected: "an object or an array of objects",
            found: kind_of(other),
        }),
    }
}

fn parse_statement(object: &Map<String, Value>, index: usize) -> Result<Statement, PolicyError> {
    let loc = Location::Statement(index);
    let field = |name: &'static str| object.get(name).map(|v| (name, v));
    for key in object.keys() {
        if !STATEMENT_FIELDS.contains(&key.as_str()) {
            return Err(unknown(loc, key));
        }
    }
    let sid = match object.get("Sid") {
        Some(v) => Some(string(v, loc, "Sid")?).filter(|s| !s.is_empty()),
        None => None,
    };
    let effect = match object.get("Effect") {
        None => {
            return Err(PolicyError::MissingField {
                location: loc,
                field: "Effect",
            })
        }
        Some(v) => match string(v, loc, "Effect")?.as_str() {
            // IAM compares Effect case-sensitively.
            "Allow" => Effect::Allow,
            "Deny" => Effect::Deny,
            other => {
                return Err(PolicyError::InvalidEffect {
                    location: loc,
                    value: other.to_owned(),
                })
            }
        },
    };
    let action = match exclusive(loc, field("Action"), field("NotAction"))? {
        None => {
            return Err(PolicyError::MissingField {
                location: loc,
                field: "Action or NotAction",
            })
        }
        Some(("Action", v)) => ActionSpec::Action(string_or_array(v, loc, "Action")?),
        Some((name, v)) => ActionSpec::NotAction(string_or_array(v, loc, name)?),
    };
    let resource = match exclusive(loc, field("Resource"), field("NotResource"))? {
        None => None,
        Some(("Resource", v)) => Some(ResourceSpec::Resource(string_or_array(v, loc, "Resource")?)),
        Some((name, v)) => Some(ResourceSpec::NotResource(string_or_array(v, loc, name)?)),
    };
    let principal = match exclusive(loc, field("Principal"), field("NotPrincipal"))? {
        None => None,
        Some(("Principal", v)) => Some(PrincipalSpec::Principal(parse_principal(v, loc)?)),
        Some((_, v)) => Some(PrincipalSpec::NotPrincipal(parse_principal(v, loc)?)),
    };
    let conditions = match object.get("Condition") {
        None => Vec::new(),
        Some(v) => parse_conditions(v, loc)?,
    };
    Ok(Statement {
        sid,
        effect,
        action,
        resource,
        principal,
        conditions,
    })
}

const STATEMENT_FIELDS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

type Field<'a> = Option<(&'static str, &'a Value)>;

fn exclusive<'a>(
    loc: Location,
    first: Field<'a>,
    second: Field<'a>,
) -> Result<Field<'a>, PolicyError> {
    match (first, second) {
        (Some((a, _)), Some((b, _))) => Err(PolicyError::ConflictingFields {
            location: loc,
            first: a,
            second: b,
        }),
        (one, None) | (None, one) => Ok(one),
    }
}

fn parse_principal(value: &Value, loc: Location) -> Result<Principal, PolicyError> {
    match value {
        Value::String(s) if s == "*" => Ok(Principal::Any),
        Value::Object(map) => {
            let mut principals = Principals::default();
            for (kind, v) in map {
                let field = format!("Principal.{kind}");
                let list = match kind.as_str() {
                    "AWS" => &mut principals.aws,
                    "Service" => &mut principals.service,
                    "Federated" => &mut principals.federated,
                    "CanonicalUser" => &mut principals.canonical_user,
                    _ => {
                        return Err(PolicyError::UnknownPrincipalType {
                            location: loc,
                            kind: kind.clone(),
                        })
                    }
                };
                *list = string_or_array(v, loc, &field)?;
            }
            Ok(Principal::Specific(principals))
        }
        other => Err(PolicyError::InvalidType {
            location: loc,
            field: "Principal".into(),
            expected: "\"*\" or an object",
            found: match other {
                Value::String(_) => "a string other than \"*\"",
                other => kind_of(other),
            },
        }),
    }
}

fn parse_conditions(value: &Value, loc: Location) -> Result<Vec<Condition>, PolicyError> {
    let operators = value.as_object().ok_or_else(|| PolicyError::InvalidType {
        location: loc,
        field: "Condition".into(),
        expected: "an object",
        found: kind_of(value),
    })?;
    let mut conditions = Vec::new();
    for (operator, keys) in operators {
        let field = format!("Condition.{operator}");
        let keys = keys.as_object().ok_or_else(|| PolicyError::InvalidType {
            location: loc,
            field: field.clone(),
            expected: "an object of condition keys",
            found: kind_of(keys),
        })?;
        for (key, values) in keys {
            let field = format!("{field}.{key}");
            let values = match values {
                Value::Array(items) => items
                    .iter()
                    .map(|item| condition_value(item, loc, &field))
                    .collect::<Result<_, _>>()?,
                scalar => vec![condition_value(scalar, loc, &field)?],
            };
            conditions.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values,
            });
        }
    }
    Ok(conditions)
}

fn condition_value(value: &Value, loc: Location, field: &str) -> Result<String, PolicyError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(invalid(loc, field, "a string, boolean or number", other)),
    }
}

fn string(value: &Value, loc: Location, field: &str) -> Result<String, PolicyError> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| invalid(loc, field, "a string", value))
}

fn string_or_array(value: &Value, loc: Location, field: &str) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| invalid(loc, field, "a string or an array of strings", item))
            })
            .collect(),
        other => Err(invalid(
            loc,
            field,
            "a string or an array of strings",
            other,
        )),
    }
}

fn invalid(loc: Location, field: &str, expected: &'static str, found: &Value) -> PolicyError {
    PolicyError::InvalidType {
        location: loc,
        field: field.to_owned(),
        expected,
        found: kind_of(found),
    }
}

fn unknown(loc: Location, field: &str) -> PolicyError {
    PolicyError::UnknownField {
        location: loc,
        field: field.to_owned(),
    }
}

#[cfg(test)]
mod tests;
