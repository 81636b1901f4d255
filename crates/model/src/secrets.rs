//! Spotting credentials in launch-template user data and container
//! environments. Collectors run this on what they read and keep only the
//! hints (kind and location), so inventories written to disk never carry
//! the secret itself.

use crate::inventory::SecretHint;

/// Identifier words that name a credential when a literal value is assigned.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "private_key",
    "credential",
];

fn hint(kind: &str, location: impl Into<String>) -> SecretHint {
    SecretHint {
        kind: kind.to_string(),
        location: location.into(),
    }
}

/// `AKIA…`/`ASIA…` followed by 16 upper-case letters or digits.
fn has_access_key_id(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.windows(20).enumerate().any(|(i, w)| {
        (w.starts_with(b"AKIA") || w.starts_with(b"ASIA"))
            && w[4..]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && bytes.get(i + 20).is_none_or(|b| !b.is_ascii_alphanumeric())
    })
}

/// A literal (not a variable reference or an empty string) after `=` or `:`.
fn is_literal(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    !v.is_empty() && !v.starts_with('$') && !v.starts_with("{{") && v != "null"
}

/// `NAME=value`, `NAME: value`, `--name=value` where NAME contains a secret word.
fn assigns_secret(line: &str) -> bool {
    let line = line.trim().trim_start_matches("export ");
    for sep in ['=', ':'] {
        if let Some((name, value)) = line.split_once(sep) {
            let name = name.trim().trim_start_matches('-').to_ascii_lowercase();
            let is_identifier = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
            if is_identifier && SECRET_WORDS.iter().any(|w| name.contains(w)) && is_literal(value) {
                return true;
            }
        }
    }
    false
}

/// Credentials in a free text (user data), one hint per kind and line.
pub fn scan_text(text: &str) -> Vec<SecretHint> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = format!("line {}", n + 1);
        if has_access_key_id(line) {
            out.push(hint("aws-access-key-id", &at));
        }
        if line.contains("-----BEGIN") && line.contains("PRIVATE KEY-----") {
            out.push(hint("private-key", &at));
        }
        if ["ghp_", "github_pat_", "xoxb-", "xoxp-", "glpat-"]
            .iter()
            .any(|p| line.contains(p))
        {
            out.push(hint("api-token", &at));
        }
        if assigns_secret(line) {
            out.push(hint("secret-assignment", &at));
        }
    }
    out
}

/// A plain environment variable that carries a credential: by its name, or
/// by what its value looks like.
pub fn scan_env(name: &str, value: &str) -> Option<SecretHint> {
    let lower = name.to_ascii_lowercase();
    if SECRET_WORDS.iter().any(|w| lower.contains(w)) && is_literal(value) {
        return Some(hint("secret-named-variable", name));
    }
    scan_text(value)
        .into_iter()
        .next()
        .map(|h| hint(&h.kind, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<String> {
        scan_text(text).into_iter().map(|h| h.kind).collect()
    }

    #[test]
    fn finds_access_keys_private_keys_and_assignments() {
        let text = "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n\
                    export DB_PASSWORD='hunter2'\n-----BEGIN RSA PRIVATE KEY-----\n";
        assert_eq!(
            kinds(text),
            ["aws-access-key-id", "secret-assignment", "private-key"]
        );
        assert_eq!(scan_text(text)[0].location, "line 2");
    }

    #[test]
    fn eks_bootstrap_user_data_is_clean() {
        let text =
            "#!/bin/bash\nset -ex\n/etc/eks/bootstrap.sh prod --b64-cluster-ca LS0tLS1CRUdJTg== \
                    --apiserver-endpoint https://ABC.gr7.us-east-1.eks.amazonaws.com \
                    --kubelet-extra-args '--node-labels=role=web'\n";
        assert!(scan_text(text).is_empty());
    }

    #[test]
    fn variable_references_are_not_secrets() {
        assert!(kinds("PASSWORD=$DB_PASSWORD\nTOKEN=\"${TOKEN}\"\nsecret: \"\"").is_empty());
    }

    #[test]
    fn env_by_name_or_by_value() {
        assert_eq!(
            scan_env("STRIPE_API_KEY", "sk_live_x").unwrap().kind,
            "secret-named-variable"
        );
        assert_eq!(
            scan_env("CONFIG", "AKIAABCDEFGHIJKLMNOP").unwrap().kind,
            "aws-access-key-id"
        );
        assert!(scan_env("LOG_LEVEL", "debug").is_none());
        assert!(scan_env("DB_PASSWORD", "").is_none());
    }
}
