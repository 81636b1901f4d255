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

fn unquoted(value: &str) -> &str {
    value.trim().trim_matches(|c| c == '"' || c == '\'')
}

/// Switch values, which no credential is (`SECRET_ROTATION_ENABLED=true`).
const FLAGS: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "enabled", "disabled",
];

/// A literal (not a variable reference, an empty string or a switch value)
/// after `=` or `:`.
fn is_literal(value: &str) -> bool {
    let v = unquoted(value);
    !v.is_empty()
        && !v.starts_with('$')
        && !v.starts_with("{{")
        && v != "null"
        && !FLAGS.iter().any(|f| v.eq_ignore_ascii_case(f))
}

/// A segment that reads like a generated token rather than a word: long,
/// and mixing cases with digits (or very long). Keeps a secret that happens
/// to contain `/` (a base64 AWS secret access key) from passing for a path.
fn looks_random(segment: &str) -> bool {
    let has = |f: fn(&u8) -> bool| segment.as_bytes().iter().any(f);
    let (upper, lower, digit) = (
        has(u8::is_ascii_uppercase),
        has(u8::is_ascii_lowercase),
        has(u8::is_ascii_digit),
    );
    let n = segment.len();
    (n >= 12 && upper && lower && (digit || n >= 20)) || (n >= 32 && digit)
}

/// Query parameters that carry a credential besides [`SECRET_WORDS`]:
/// passwords, API keys, and the signatures of presigned URLs (S3's
/// `X-Amz-Signature`, Azure's `sig`).
const SECRET_PARAMS: &[&str] = &[
    "pwd",
    "pass",
    "key",
    "auth",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
];

/// Whether `text` holds a URL with credentials in it: a password in its
/// userinfo (`scheme://user:password@host`) or a literal value for a
/// credential parameter of its query (`?password=...`, `&token=...`).
fn has_url_credentials(text: &str) -> bool {
    text.match_indices("://").any(|(i, _)| {
        let rest = &text[i + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(rest.len());
        let url = &rest[..end];
        let authority = &url[..url.find(['/', '?', '#']).unwrap_or(url.len())];
        let password = authority
            .rsplit_once('@')
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .is_some_and(|(_, password)| is_literal(password));
        let query = url.split_once('?').map_or("", |(_, q)| q);
        let query = query.split('#').next().unwrap_or_default();
        password
            || query.split(['&', ';']).any(|param| {
                param.split_once('=').is_some_and(|(name, value)| {
                    let name = name.to_ascii_lowercase();
                    (SECRET_WORDS.iter().any(|w| name.contains(w))
                        || SECRET_PARAMS.contains(&name.as_str()))
                        && is_literal(value)
                })
            })
    })
}

/// A value that points at a credential rather than holds one, so a
/// secret-sounding name does not make it a secret:
/// - an ARN (`arn:aws:secretsmanager:...`, `arn:aws:ssm:...`, any `arn:`),
///   which only names the resource that holds the value;
/// - an absolute path: a mounted secret file (`/run/secrets/db`), or the
///   name of an SSM parameter (`/prod/db/password`, the form SSM gives
///   hierarchical names), read with the caller's own permissions;
/// - a URL without credentials in it (no `user:password@`, no credential
///   query parameter).
///
/// Paths and URLs whose segments read like generated tokens stay secrets (a
/// token in a webhook URL's path, a base64 key that starts with `/`).
fn is_reference(value: &str) -> bool {
    let v = unquoted(value);
    if v.is_empty() || v.contains(char::is_whitespace) {
        return false;
    }
    if v.starts_with("arn:") && v.split(':').count() >= 6 {
        return true;
    }
    let path = if let Some((scheme, rest)) = v.split_once("://") {
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
        if !scheme_ok || has_url_credentials(v) {
            return false;
        }
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        rest.split_once('/').map_or("", |(_, p)| p)
    } else if v.starts_with('/') {
        let path_chars = v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_.-".contains(c));
        if !path_chars {
            return false;
        }
        v
    } else {
        return false;
    };
    !path.split('/').any(looks_random)
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
            if is_identifier
                && SECRET_WORDS.iter().any(|w| name.contains(w))
                && is_literal(value)
                && !is_reference(value)
            {
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
        if has_url_credentials(line) {
            out.push(hint("url-credentials", &at));
        }
    }
    out
}

/// A plain environment variable that carries a credential: by its name
/// (unless its value is a reference, see [`is_reference`]), or by what its
/// value looks like.
pub fn scan_env(name: &str, value: &str) -> Option<SecretHint> {
    let lower = name.to_ascii_lowercase();
    if SECRET_WORDS.iter().any(|w| lower.contains(w)) && is_literal(value) && !is_reference(value) {
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
        assert!(scan_env("SECRET_ROTATION_ENABLED", "True").is_none());
        assert!(
            scan_env("TOKEN_TTL", "3600").is_some(),
            "a number may be a PIN"
        );
    }

    #[test]
    fn references_under_secret_names_are_not_secrets() {
        for value in [
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
            "arn:aws:ssm:us-east-1:111122223333:parameter/prod/db/password",
            "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "/run/secrets/db_password",
            "/mnt/secrets-store/prod/DB_PASSWORD",
            "/prod/db/password",
            "https://vault.example.com/v1/secret/data/db",
            "https://auth.example.com/oauth2/token?audience=api",
            "file:///run/secrets/token",
            "'/var/run/secrets/eks.amazonaws.com/serviceaccount/token'",
        ] {
            assert!(scan_env("DB_PASSWORD", value).is_none(), "{value}");
            assert!(
                kinds(&format!("export DB_PASSWORD={value}")).is_empty(),
                "{value}"
            );
        }
    }

    #[test]
    fn real_values_under_secret_names_stay_secrets() {
        for value in [
            "hunter2",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            // An AWS secret access key that starts with `/`: base64, not a path.
            "/K7MDENG/bPxRfiCYEXAMPLEKEYwJalrXUtnFEMI",
            // Relative names are indistinguishable from passwords.
            "prod/db",
            "https://admin:hunter2@db.example.com:5432/app",
            "https://api.example.com/v1?api_key=abc123",
            "https://hooks.example.com/services/T0123ABCD/B0456EFGH/aB3dE5gH7jK9mN1pQ3rS5tU7",
            "arn",
            "arn:aws:secret",
        ] {
            assert!(scan_env("DB_PASSWORD", value).is_some(), "{value}");
        }
        assert_eq!(
            scan_env("API_KEY", "AKIAABCDEFGHIJKLMNOP").unwrap().kind,
            "secret-named-variable"
        );
    }

    #[test]
    fn urls_with_credentials_are_secrets_under_any_name() {
        for value in [
            "postgres://app:hunter2@db.internal:5432/app",
            "redis://:s3cret@cache:6379/0",
            "https://bucket.s3.amazonaws.com/k?X-Amz-Credential=AK%2F&X-Amz-Signature=abc",
            "https://example.com/cb?token=abc123",
        ] {
            assert_eq!(
                scan_env("DATABASE_URL", value).unwrap().kind,
                "url-credentials",
                "{value}"
            );
        }
        for value in [
            "postgres://app@db.internal:5432/app",
            "postgres://app:${DB_PASSWORD}@db.internal/app",
            "https://example.com/cb?token=",
            "git+ssh://git@github.com/org/repo.git",
            "https://example.com/search?q=password",
        ] {
            assert!(scan_env("DATABASE_URL", value).is_none(), "{value}");
        }
        assert_eq!(
            kinds("git clone https://ci:glp4ss@gitlab.example.com/x.git"),
            ["url-credentials"]
        );
    }
}
