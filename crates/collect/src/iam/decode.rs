//! Lenient decoding of IAM policy documents.
//!
//! IAM returns documents URL-encoded (RFC 3986 `%XX`, never `+` for space) in
//! every API, but emulators are inconsistent: moto sends some plain JSON
//! (GAAD trust policies, `GetPolicyVersion`) and some encoded. A document is
//! therefore parsed as JSON when it starts with `{`, else percent-decoded
//! first; text that still does not parse but still looks encoded (a
//! document encoded twice by a proxy or a seed script) is decoded once more.
//!
//! This is a private copy of the rule in `eksposture-policy`, kept here so
//! the collector does not depend on the policy crate.

use percent_encoding::percent_decode_str;
use serde_json::Value;

/// Why a document could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError(String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decodes a policy document into its JSON object.
pub(crate) fn decode_document(raw: &str) -> Result<Value, DecodeError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(DecodeError("the document is empty".into()));
    }
    if text.starts_with('{') {
        return parse_object(text);
    }
    let once = percent_decode(text)?;
    match parse_object(&once) {
        Ok(v) => Ok(v),
        Err(first) if looks_percent_encoded(&once) => {
            parse_object(&percent_decode(&once)?).map_err(|_| first)
        }
        Err(e) => Err(e),
    }
}

fn percent_decode(text: &str) -> Result<String, DecodeError> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.trim().to_string())
        .map_err(|e| DecodeError(format!("percent-decoded text is not UTF-8: {e}")))
}

fn looks_percent_encoded(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

fn parse_object(text: &str) -> Result<Value, DecodeError> {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(DecodeError("the document is JSON but not an object".into())),
        Err(e) => Err(DecodeError(format!("the document is not valid JSON: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PLAIN: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#;

    fn expected() -> Value {
        json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]})
    }

    fn encode(s: &str) -> String {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    }

    #[test]
    fn plain_json_is_parsed_as_is() {
        assert_eq!(decode_document(PLAIN).unwrap(), expected());
        assert_eq!(
            decode_document(&format!("\n  {PLAIN}\n")).unwrap(),
            expected()
        );
    }

    #[test]
    fn url_encoded_document_is_decoded() {
        let encoded = encode(PLAIN);
        assert!(encoded.starts_with("%7B"));
        assert_eq!(decode_document(&encoded).unwrap(), expected());
    }

    #[test]
    fn iam_style_partial_encoding_is_decoded() {
        // What IAM actually sends: only reserved characters escaped.
        let raw = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGet*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D";
        assert_eq!(decode_document(raw).unwrap(), expected());
    }

    #[test]
    fn double_encoded_document_is_decoded_twice() {
        assert_eq!(
            decode_document(&encode(&encode(PLAIN))).unwrap(),
            expected()
        );
    }

    #[test]
    fn plus_is_not_a_space() {
        let doc = decode_document("%7B%22Sid%22%3A%22a+b%22%7D").unwrap();
        assert_eq!(doc, json!({"Sid": "a+b"}));
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(decode_document("not json").is_err());
        assert!(decode_document("{\"Version\":").is_err());
        assert!(decode_document("%7B%22Version%22").is_err());
        assert!(decode_document("").is_err());
        assert!(decode_document("   ").is_err());
        assert!(decode_document("%FF%FE").is_err());
    }

    #[test]
    fn json_that_is_not_an_object_is_an_error() {
        assert!(decode_document("[1,2]").is_err());
        assert!(decode_document("%22text%22").is_err());
    }
}
