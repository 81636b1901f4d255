use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::error::PolicyError;

/// Percent-decoding rounds attempted before giving up. IAM returns documents
/// encoded once; some tooling (CloudFormation outputs, copied console URLs)
/// stores the already-encoded text and encodes it again.
const MAX_DECODE_ROUNDS: usize = 2;

/// Decodes an IAM policy document given as plain JSON or URL-encoded JSON.
///
/// IAM's `Get*Policy` and `GetAccountAuthorizationDetails` return documents
/// percent-encoded per RFC 3986 (`%20` for space), while other APIs (ECR
/// repository policies) and saved inventories hold plain JSON. Only `%XX`
/// sequences are decoded: a literal `+` is kept, because IAM never uses `+`
/// for space and `+` is common in ARNs and condition values.
pub fn decode_document(raw: &str) -> Result<Value, PolicyError> {
    let mut text = std::borrow::Cow::Borrowed(strip_bom(raw).trim());
    if text.is_empty() {
        return Err(PolicyError::Empty);
    }
    for _ in 0..MAX_DECODE_ROUNDS {
        if text.starts_with('{') || !text.contains('%') {
            break;
        }
        let decoded = percent_decode_str(&text)
            .decode_utf8()
            .map_err(|_| PolicyError::InvalidUtf8)?
            .trim()
            .to_owned();
        text = std::borrow::Cow::Owned(decoded);
    }
    if text.is_empty() {
        return Err(PolicyError::Empty);
    }
    serde_json::from_str(&text).map_err(PolicyError::Json)
}

fn strip_bom(raw: &str) -> &str {
    raw.strip_prefix('\u{feff}').unwrap_or(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PLAIN: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a+b c"}}"#;

    fn expected() -> Value {
        json!({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a+b c"}})
    }

    /// RFC 3986 encoding as IAM does it: everything but unreserved characters.
    fn encode(text: &str) -> String {
        percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
    }

    #[test]
    fn plain_json_is_parsed_as_is() {
        assert_eq!(decode_document(PLAIN).unwrap(), expected());
    }

    #[test]
    fn plain_json_with_surrounding_whitespace_and_bom_is_parsed() {
        let raw = format!("\u{feff}\n  {PLAIN}\n");
        assert_eq!(decode_document(&raw).unwrap(), expected());
    }

    #[test]
    fn url_encoded_document_is_decoded() {
        let raw = encode(PLAIN);
        assert!(raw.starts_with("%7B"));
        assert_eq!(decode_document(&raw).unwrap(), expected());
    }

    #[test]
    fn double_encoded_document_is_decoded_twice() {
        let raw = encode(&encode(PLAIN));
        assert!(raw.starts_with("%257B"));
        assert_eq!(decode_document(&raw).unwrap(), expected());
    }

    #[test]
    fn triple_encoded_document_is_rejected() {
        let raw = encode(&encode(&encode(PLAIN)));
        assert!(matches!(decode_document(&raw), Err(PolicyError::Json(_))));
    }

    #[test]
    fn literal_plus_is_not_decoded_as_space() {
        // IAM encodes a space as %20, so a `+` in the text is data.
        let raw = "%7B%22Action%22%3A%22a+b%22%7D";
        assert_eq!(decode_document(raw).unwrap(), json!({"Action": "a+b"}));
    }

    #[test]
    fn empty_and_blank_documents_are_errors() {
        assert!(matches!(decode_document(""), Err(PolicyError::Empty)));
        assert!(matches!(decode_document("  \n"), Err(PolicyError::Empty)));
        assert!(matches!(decode_document("%20%20"), Err(PolicyError::Empty)));
    }

    #[test]
    fn truncated_json_is_a_json_error() {
        let err = decode_document(r#"{"Statement": ["#).unwrap_err();
        assert!(matches!(err, PolicyError::Json(_)));
        assert!(err
            .to_string()
            .starts_with("policy document is not valid JSON"));
    }

    #[test]
    fn invalid_utf8_after_decoding_is_an_error() {
        assert!(matches!(
            decode_document("%7B%FF%7D"),
            Err(PolicyError::InvalidUtf8)
        ));
    }

    #[test]
    fn malformed_percent_sequences_do_not_panic() {
        for raw in ["%", "%G1", "%7", "%%%", "not a policy"] {
            assert!(decode_document(raw).is_err(), "{raw}");
        }
    }
}
