//! What the HTML report calls things: short resource ids, readable resource
//! types, and text wrapped to fit the SVG drawings (which cannot wrap text).

use eksposture_model::arn;

/// `AwsIamRoleTrustPolicy` -> `IAM role trust policy`; types that are not
/// ASFF names (`Gap`, `EksReleaseCalendar`) get the same treatment.
pub fn type_label(kind: &str) -> String {
    let kind = kind.strip_prefix("Aws").unwrap_or(kind);
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in kind.chars() {
        if c.is_ascii_uppercase() && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
        .iter()
        .enumerate()
        .map(|(i, w)| match w.as_str() {
            "Eks" | "Ec2" | "Iam" | "Ecr" | "Ecs" | "Kms" | "Vpc" | "Oidc" | "Irsa" | "Ebs"
            | "Imds" | "Sts" => w.to_ascii_uppercase(),
            _ if i == 0 => w.clone(),
            _ => w.to_ascii_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Characters of a short id before it is cut in the middle.
const SHORT_ID_CHARS: usize = 40;

/// What a person calls the resource: the ARN's resource part without its
/// type prefix (`cluster/prod` -> `prod`, `role/path/name` -> `path/name`),
/// without the UUID EKS appends to nodegroup and add-on ARNs, cut in the
/// middle when long. Ids that are not ARNs stay as they are (then cut).
pub fn short_id(id: &str) -> String {
    let short = match arn::parse(id) {
        Some(a) => {
            let mut s = a.resource.split_once('/').map_or(a.resource, |(_, r)| r);
            if a.service == "eks" {
                if let Some((head, tail)) = s.rsplit_once('/') {
                    if is_uuid(tail) {
                        s = head;
                    }
                }
            }
            if s.is_empty() {
                a.resource
            } else {
                s
            }
        }
        None => id,
    };
    middle_cut(short, SHORT_ID_CHARS)
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// `s` when it has at most `max` characters, else its start and end around
/// an ellipsis (the end of an id is as telling as its start).
pub fn middle_cut(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let head = (max - 1) / 2;
    let tail = max - 1 - head;
    let mut out: String = s.chars().take(head).collect();
    out.push('…');
    out.extend(s.chars().skip(n - tail));
    out
}

/// Greedy word wrap into at most `lines` lines of at most `width`
/// characters; words longer than a line are broken, and what does not fit
/// ends in an ellipsis.
pub fn wrap(s: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut overflow = false;
    'words: for word in s.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let sep = usize::from(used > 0);
            if used + sep + word.len() <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
            } else {
                let rest = word.split_off(width);
                out.push(word.iter().collect());
                word = rest;
            }
            if out.len() == lines {
                overflow = true;
                break 'words;
            }
        }
    }
    if !line.is_empty() {
        if out.len() == lines {
            overflow = true;
        } else {
            out.push(line);
        }
    }
    if overflow {
        if let Some(last) = out.last_mut() {
            let mut cut: String = last.chars().take(width.saturating_sub(1)).collect();
            cut.push('…');
            *last = cut;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_types() {
        assert_eq!(type_label("AwsEksCluster"), "EKS cluster");
        assert_eq!(type_label("AwsIamRoleTrustPolicy"), "IAM role trust policy");
        assert_eq!(type_label("AwsIamOidcProvider"), "IAM OIDC provider");
        assert_eq!(type_label("AwsEc2Instance"), "EC2 instance");
        assert_eq!(type_label("Gap"), "Gap");
        assert_eq!(type_label(""), "");
    }

    #[test]
    fn shortens_ids() {
        assert_eq!(short_id("arn:aws:eks:us-east-1:1:cluster/prod"), "prod");
        assert_eq!(
            short_id(
                "arn:aws:eks:us-east-1:1:nodegroup/prod/ng/58b100fa-9cbf-4729-b848-d9d0f25412c3"
            ),
            "prod/ng"
        );
        assert_eq!(short_id("arn:aws:iam::1:role/eks/node"), "eks/node");
        assert_eq!(
            short_id("arn:aws:inspector2:us-east-1:1:account"),
            "account"
        );
        assert_eq!(
            short_id("eks:us-east-1:ListAddons"),
            "eks:us-east-1:ListAddons"
        );
        let long = short_id("arn:aws:ecr:us-east-1:1:repository/app/sha256:9f447b1b473d359884f2b8541a1ad0b7d194ed59b79e8eee48047ec4830564fd");
        assert_eq!(long.chars().count(), SHORT_ID_CHARS);
        assert!(long.starts_with("app/sha256:") && long.ends_with("4830564fd"));
    }

    #[test]
    fn wraps_and_marks_overflow() {
        assert_eq!(wrap("a bb ccc", 4, 3), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4, 3), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("one two three four", 7, 2), ["one two", "three…"]);
        assert_eq!(wrap("", 5, 2), Vec::<String>::new());
        assert_eq!(middle_cut("abcdefgh", 5), "ab…gh");
    }
}
