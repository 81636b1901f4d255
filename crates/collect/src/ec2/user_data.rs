//! Credentials in launch-template user data, kept as hints only.
//!
//! EC2 returns user data base64-encoded. Decoded, it is a shell script, a
//! cloud-config, a nodeadm `NodeConfig`, or a MIME multipart of those (the
//! format managed nodegroups require); MIME parts may themselves be
//! base64-encoded. cloud-init also accepts gzip-compressed user data, which
//! is not decompressed here. Whatever cannot be read as text yields an
//! [`UNREADABLE`] hint, so that a check never passes what was never read.

use eksposture_model::secrets::scan_text;
use eksposture_model::SecretHint;

/// The hint kind for user data (or a part of it) that could not be scanned.
pub const UNREADABLE: &str = "unreadable";

/// MIME parts nest; deeper than this is not followed (and says so).
const MAX_DEPTH: usize = 4;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

fn hint(kind: &str, location: String) -> SecretHint {
    SecretHint {
        kind: kind.to_string(),
        location,
    }
}

/// The hints for a launch-template version's base64 user data.
pub(crate) fn hints(b64: &str) -> Vec<SecretHint> {
    match decode(b64) {
        Some(bytes) => scan_bytes(&bytes, None, 0),
        None => vec![hint(UNREADABLE, "user data: not valid base64".into())],
    }
}

fn decode(b64: &str) -> Option<Vec<u8>> {
    let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    aws_smithy_types::base64::decode(compact).ok()
}

fn at(location: Option<&str>, what: &str) -> String {
    match location {
        Some(l) => format!("{l}, {what}"),
        None => what.to_string(),
    }
}

fn scan_bytes(bytes: &[u8], location: Option<&str>, depth: usize) -> Vec<SecretHint> {
    if bytes.starts_with(&GZIP_MAGIC) {
        return vec![hint(UNREADABLE, at(location, "gzip-compressed"))];
    }
    // Lossy: a stray non-UTF-8 byte in a comment must not hide the rest;
    // credentials are ASCII.
    let text = String::from_utf8_lossy(bytes);
    let mut out: Vec<SecretHint> = scan_text(&text)
        .into_iter()
        .map(|h| hint(&h.kind, at(location, &h.location)))
        .collect();
    if bytes.contains(&0) {
        out.push(hint(UNREADABLE, at(location, "binary data")));
    }
    for part in encoded_parts(&text, location.unwrap_or("MIME"), depth) {
        out.extend(part);
    }
    out
}

/// The hints of every base64-encoded MIME part in `text` (plain parts were
/// scanned with the text itself).
fn encoded_parts(text: &str, location: &str, depth: usize) -> Vec<Vec<SecretHint>> {
    let Some(boundary) = boundary(text) else {
        return Vec::new();
    };
    if depth >= MAX_DEPTH {
        return vec![vec![hint(
            UNREADABLE,
            format!("{location}: MIME nested too deeply"),
        )]];
    }
    let mut out = Vec::new();
    for (n, part) in split_parts(text, &boundary).into_iter().enumerate() {
        let here = if location == "MIME" {
            format!("MIME part {}", n + 1)
        } else {
            format!("{location}.{}", n + 1)
        };
        let (headers, body) = split_headers(&part);
        let base64 = header_value(&headers, "content-transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("base64"));
        if base64 {
            out.push(match decode(&body) {
                Some(bytes) => scan_bytes(&bytes, Some(&here), depth + 1),
                None => vec![hint(
                    UNREADABLE,
                    format!("{here}: base64 that does not decode"),
                )],
            });
        } else {
            // A plain multipart part: its own encoded parts still count.
            out.extend(encoded_parts(&part, &here, depth + 1));
        }
    }
    out
}

/// The header lines (folded continuations joined) and the body of a MIME
/// entity.
fn split_headers(entity: &str) -> (Vec<String>, String) {
    let mut headers: Vec<String> = Vec::new();
    let mut lines = entity.lines();
    for line in lines.by_ref() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        match headers.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => headers.push(line.to_string()),
        }
    }
    let body: Vec<&str> = lines.collect();
    (headers, body.join("\n"))
}

fn header_value<'a>(headers: &'a [String], name: &str) -> Option<&'a str> {
    headers.iter().find_map(|h| {
        let (n, v) = h.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// The `boundary` parameter of a `multipart/*` Content-Type header.
fn boundary(entity: &str) -> Option<String> {
    let (headers, _) = split_headers(entity);
    let content_type = header_value(&headers, "content-type")?;
    if !content_type
        .to_ascii_lowercase()
        .trim_start()
        .starts_with("multipart/")
    {
        return None;
    }
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// The parts between `--boundary` lines, up to `--boundary--`.
fn split_parts(text: &str, boundary: &str) -> Vec<String> {
    let open = format!("--{boundary}");
    let close = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        let trimmed = line.trim_end();
        if trimmed == close {
            break;
        }
        if trimmed == open {
            if let Some(p) = current.take() {
                parts.push(p.join("\n"));
            }
            current = Some(Vec::new());
        } else if let Some(p) = current.as_mut() {
            p.push(line);
        }
    }
    if let Some(p) = current {
        parts.push(p.join("\n"));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        aws_smithy_types::base64::encode(bytes)
    }

    fn kinds(hints: &[SecretHint]) -> Vec<&str> {
        hints.iter().map(|h| h.kind.as_str()).collect()
    }

    const BOOTSTRAP: &str = "#!/bin/bash\nset -ex\n\
        /etc/eks/bootstrap.sh prod --b64-cluster-ca LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t \
        --apiserver-endpoint https://ABCDEF.gr7.us-east-1.eks.amazonaws.com \
        --dns-cluster-ip 10.100.0.10 --kubelet-extra-args '--node-labels=role=web'\n";

    #[test]
    fn access_key_in_a_script_is_found_with_its_line() {
        let script = "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n";
        let h = hints(&b64(script.as_bytes()));
        assert_eq!(kinds(&h), ["aws-access-key-id"]);
        assert_eq!(h[0].location, "line 2");
    }

    #[test]
    fn eks_bootstrap_script_is_clean() {
        assert!(hints(&b64(BOOTSTRAP.as_bytes())).is_empty());
    }

    #[test]
    fn mime_multipart_bootstrap_is_clean_and_a_plain_part_is_scanned() {
        let mime = format!(
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"//\"\n\n\
             --//\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\n\n{BOOTSTRAP}\n--//--\n"
        );
        assert!(hints(&b64(mime.as_bytes())).is_empty());
        let leaky = mime.replace("set -ex", "DB_PASSWORD=hunter2");
        assert_eq!(kinds(&hints(&b64(leaky.as_bytes()))), ["secret-assignment"]);
    }

    #[test]
    fn base64_mime_part_is_decoded_and_scanned() {
        let inner = b64(b"#!/bin/bash\necho ok\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n");
        let mime = format!(
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n boundary=\"==B==\"\r\n\r\n\
             --==B==\r\nContent-Type: text/x-shellscript\r\n\r\necho first\r\n\
             --==B==\r\nContent-Type: text/x-shellscript\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             {inner}\r\n--==B==--\r\n"
        );
        let h = hints(&b64(mime.as_bytes()));
        assert_eq!(kinds(&h), ["aws-access-key-id"]);
        assert_eq!(h[0].location, "MIME part 2, line 3");
    }

    #[test]
    fn gzip_user_data_is_unreadable_not_clean() {
        let gz = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01,
        ];
        let h = hints(&b64(&gz));
        assert_eq!(kinds(&h), [UNREADABLE]);
        assert_eq!(h[0].location, "gzip-compressed");
    }

    #[test]
    fn gzip_mime_part_is_unreadable_and_names_the_part() {
        let part = b64(&[0x1f, 0x8b, 0x08, 0x00]);
        let mime = format!(
            "Content-Type: multipart/mixed; boundary=b\n\n--b\n\
             Content-Type: application/x-gzip\nContent-Transfer-Encoding: base64\n\n{part}\n--b--\n"
        );
        let h = hints(&b64(mime.as_bytes()));
        assert_eq!(kinds(&h), [UNREADABLE]);
        assert_eq!(h[0].location, "MIME part 1, gzip-compressed");
    }

    #[test]
    fn invalid_base64_and_binary_data_are_unreadable() {
        assert_eq!(kinds(&hints("not base64 at all!")), [UNREADABLE]);
        assert_eq!(kinds(&hints(&b64(b"\x00\x01\x02 binary"))), [UNREADABLE]);
    }
}
