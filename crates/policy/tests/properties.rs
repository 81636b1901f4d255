//! Property tests: the IAM wildcard matcher and identity-policy evaluation
//! against small reference models written here, independently of the
//! implementation.

use eksposture_policy::{allows, wildcard_match, ActionSpec, Decision, Policy, ResourceSpec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

/// The textbook recursive glob: `*` any run (including none), `?` exactly one
/// character, everything else itself. Exponential in the worst case, which
/// is fine for the short strings generated here.
fn reference_match(pattern: &[char], value: &[char]) -> bool {
    match pattern.split_first() {
        None => value.is_empty(),
        Some(('*', rest)) => {
            reference_match(rest, value)
                || (!value.is_empty() && reference_match(pattern, &value[1..]))
        }
        Some(('?', rest)) => !value.is_empty() && reference_match(rest, &value[1..]),
        Some((c, rest)) => value.first() == Some(c) && reference_match(rest, &value[1..]),
    }
}

/// IAM compares actions case-insensitively and resources case-sensitively.
/// The alphabet below has only characters whose lowercase is one character,
/// so folding each character is the whole case rule.
fn reference(pattern: &str, value: &str, case_insensitive: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        s.chars()
            .map(|c| {
                if case_insensitive {
                    c.to_lowercase().next().unwrap_or(c)
                } else {
                    c
                }
            })
            .collect()
    };
    reference_match(&fold(pattern), &fold(value))
}

const TEXT: &str = "[aAbB:/éÉ-]{0,10}";
const PATTERN: &str = "[aAbB:/éÉ*?-]{0,10}";

/// A pattern made from `value` by replacing some characters with `?` and
/// some runs with `*`, so that matches are common rather than rare.
fn pattern_from(value: String) -> impl Strategy<Value = (String, String)> {
    let len = value.chars().count();
    proptest::collection::vec((0u8..6, 0usize..3), len).prop_map(move |edits| {
        let chars: Vec<char> = value.chars().collect();
        let mut pattern = String::new();
        let mut i = 0;
        while i < chars.len() {
            let (op, run) = edits[i];
            match op {
                0 => {
                    pattern.push('*');
                    i += run.max(1);
                }
                1 => {
                    pattern.push('?');
                    i += 1;
                }
                2 => {
                    pattern.push('*');
                    pattern.push(chars[i]);
                    i += 1;
                }
                _ => {
                    pattern.push(chars[i]);
                    i += 1;
                }
            }
        }
        (pattern, value.clone())
    })
}

fn pattern_and_value() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        (PATTERN, TEXT),
        TEXT.prop_flat_map(pattern_from),
        // Case changes of a derived pattern.
        TEXT.prop_flat_map(pattern_from)
            .prop_map(|(p, v)| (p.to_uppercase(), v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn wildcard_match_agrees_with_the_reference(
        (pattern, value) in pattern_and_value(),
        case_insensitive in any::<bool>(),
    ) {
        prop_assert_eq!(
            wildcard_match(&pattern, &value, case_insensitive),
            reference(&pattern, &value, case_insensitive),
            "pattern {:?} value {:?} case_insensitive {}", pattern, value, case_insensitive
        );
    }

    #[test]
    fn case_insensitive_match_is_a_match_of_the_lowercased_text(
        (pattern, value) in pattern_and_value(),
    ) {
        prop_assert_eq!(
            wildcard_match(&pattern, &value, true),
            wildcard_match(&pattern.to_lowercase(), &value.to_lowercase(), false)
        );
    }

    #[test]
    fn text_without_metacharacters_matches_itself_and_star_matches_all(value in TEXT) {
        prop_assert!(wildcard_match(&value, &value, false));
        prop_assert!(wildcard_match(&value.to_uppercase(), &value, true));
        prop_assert!(wildcard_match("*", &value, false));
        prop_assert!(wildcard_match("**", &value, true));
        let any_one = "?".repeat(value.chars().count());
        prop_assert!(wildcard_match(&any_one, &value, false));
    }
}

// ---- policy evaluation ------------------------------------------------------

const ACTIONS: [&str; 6] = [
    "s3:GetObject",
    "s3:PutObject",
    "iam:PassRole",
    "iam:GetRole",
    "ec2:DescribeInstances",
    "S3:getobject",
];
const ACTION_PATTERNS: [&str; 10] = [
    "*",
    "s3:*",
    "s3:Get*",
    "S3:GETOBJECT",
    "s3:?utObject",
    "iam:PassRole",
    "iam:*Role",
    "ec2:Describe*",
    "*:*",
    "kms:*",
];
const RESOURCES: [&str; 5] = [
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::Bucket/key",
    "arn:aws:iam::123456789012:role/node",
    "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
    "*",
];
const RESOURCE_PATTERNS: [&str; 8] = [
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::?ucket/key",
    "arn:aws:iam::*:role/*",
    "arn:*",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:s3:::other",
    "arn:aws:iam::123456789012:role/node",
];

#[derive(Debug, Clone)]
struct Stmt {
    allow: bool,
    not_action: bool,
    actions: Vec<&'static str>,
    /// `None`: no `Resource` element; `Some((not, patterns))`.
    resources: Option<(bool, Vec<&'static str>)>,
    conditional: bool,
    /// Write one-element lists as a bare string.
    scalar: bool,
}

impl Stmt {
    fn json(&self) -> Value {
        let list = |items: &[&str]| -> Value {
            if self.scalar && items.len() == 1 {
                json!(items[0])
            } else {
                json!(items)
            }
        };
        let mut s = json!({"Effect": if self.allow { "Allow" } else { "Deny" }});
        let key = if self.not_action {
            "NotAction"
        } else {
            "Action"
        };
        s[key] = list(&self.actions);
        if let Some((not, patterns)) = &self.resources {
            s[if *not { "NotResource" } else { "Resource" }] = list(patterns);
        }
        if self.conditional {
            s["Condition"] = json!({"Bool": {"aws:SecureTransport": "true"}});
        }
        s
    }

    fn matches(&self, action: &str, resource: &str) -> bool {
        let action_listed = self.actions.iter().any(|p| reference(p, action, true));
        let action_ok = action_listed != self.not_action;
        let resource_ok = match &self.resources {
            None => true,
            Some((not, patterns)) => patterns.iter().any(|p| reference(p, resource, false)) != *not,
        };
        action_ok && resource_ok
    }
}

fn statement() -> impl Strategy<Value = Stmt> {
    (
        any::<bool>(),
        prop::bool::weighted(0.25),
        proptest::collection::vec(select(&ACTION_PATTERNS[..]), 1..3),
        prop::option::weighted(
            0.85,
            (
                prop::bool::weighted(0.25),
                proptest::collection::vec(select(&RESOURCE_PATTERNS[..]), 1..3),
            ),
        ),
        prop::bool::weighted(0.25),
        any::<bool>(),
    )
        .prop_map(
            |(allow, not_action, actions, resources, conditional, scalar)| Stmt {
                allow,
                not_action,
                actions,
                resources,
                conditional,
                scalar,
            },
        )
}

/// Explicit deny wins over any allow; an unconditional allow is needed for
/// `Allow`; a conditional deny never denies for sure; conditional allows
/// alone make `ConditionalAllow`; otherwise the default is an implicit deny.
fn reference_decision(policies: &[Vec<Stmt>], action: &str, resource: &str) -> Decision {
    let matching: Vec<&Stmt> = policies
        .iter()
        .flatten()
        .filter(|s| s.matches(action, resource))
        .collect();
    if matching.iter().any(|s| !s.allow && !s.conditional) {
        Decision::ExplicitDeny
    } else if matching.iter().any(|s| s.allow && !s.conditional) {
        Decision::Allow
    } else if matching.iter().any(|s| s.allow) {
        Decision::ConditionalAllow
    } else {
        Decision::ImplicitDeny
    }
}

fn parse(statements: &[Stmt], as_array: bool) -> Policy {
    let body: Value = if !as_array && statements.len() == 1 {
        statements[0].json()
    } else {
        statements.iter().map(Stmt::json).collect()
    };
    let doc = json!({"Version": "2012-10-17", "Statement": body});
    Policy::parse(&doc).unwrap_or_else(|e| panic!("{doc}: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn evaluation_agrees_with_the_reference(
        policies in proptest::collection::vec(
            (proptest::collection::vec(statement(), 1..5), any::<bool>()),
            0..3,
        ),
    ) {
        let parsed: Vec<Policy> = policies.iter().map(|(s, array)| parse(s, *array)).collect();
        let statements: Vec<Vec<Stmt>> = policies.into_iter().map(|(s, _)| s).collect();
        let set: eksposture_policy::PolicySet = parsed
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("p{i}"), p.clone()))
            .collect();
        for action in ACTIONS {
            for resource in RESOURCES {
                let expected = reference_decision(&statements, action, resource);
                prop_assert_eq!(
                    allows(&parsed, action, resource),
                    expected,
                    "{} on {}", action, resource
                );
                prop_assert_eq!(set.allows(action, resource), expected);
            }
        }
    }

    /// An unconditional `Action`-listed full-admin grant on `Resource` `*`
    /// leaves only explicit denies: nothing is implicitly denied.
    #[test]
    fn full_admin_grant_allows_everything_not_explicitly_denied(
        statements in proptest::collection::vec(statement(), 1..5),
    ) {
        let policy = parse(&statements, true);
        let set: eksposture_policy::PolicySet = [("p", policy.clone())].into_iter().collect();
        if let Some(grant) = set.grants_full_admin() {
            let star_resource = matches!(&grant.resources,
                Some(ResourceSpec::Resource(r)) if r.iter().any(|p| p == "*"));
            if !grant.conditional && matches!(grant.actions, ActionSpec::Action(_)) && star_resource {
                for action in ACTIONS {
                    for resource in RESOURCES {
                        let d = allows(std::slice::from_ref(&policy), action, resource);
                        prop_assert!(
                            matches!(d, Decision::Allow | Decision::ExplicitDeny),
                            "{} on {}: {:?} despite {}", action, resource, d, grant
                        );
                    }
                }
            }
        }
    }
}
