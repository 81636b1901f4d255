//! The instance metadata service (IMDS) settings of nodes, judged in one
//! place for every check that asks about them (`ec2-node-imdsv2-required`,
//! `ec2-node-imds-hop-limit`, `path-pod-to-node-role`).
//!
//! How an unset field reads depends on where the options come from:
//!
//! - `DescribeInstances` always returns `HttpEndpoint`, `HttpTokens` and
//!   `HttpPutResponseHopLimit` for an instance, so a missing one was not
//!   read and is unknown.
//! - A launch-template version holds only what its author set. An unset
//!   `HttpEndpoint` is the documented default, `enabled`. An unset
//!   `HttpTokens` or `HttpPutResponseHopLimit` comes from the AMI
//!   (`ImdsSupport=v2.0` means `required` and hop limit 2) or from the
//!   account's IMDS defaults, neither of which is read: unknown.
//!
//! The hop limit bounds only the IMDSv2 token (the PUT response): a limit of
//! 1 stops it at the node, one hop short of a pod in its own network
//! namespace. IMDSv1 GETs are not hop-limited at all.

use eksposture_model::MetadataOptions;

/// Where a set of metadata options was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Instance,
    LaunchTemplate,
}

/// A yes/no answer about IMDS, or why it cannot be given. Each carries the
/// settings that decide it, e.g. `HttpEndpoint=enabled, HttpTokens=optional`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Yes(String),
    No(String),
    Unknown(String),
}

impl Answer {
    /// Three-valued AND: any `No` decides; otherwise any `Unknown` does.
    fn and(self, other: Answer) -> Answer {
        match (self, other) {
            (Answer::No(why), _) | (_, Answer::No(why)) => Answer::No(why),
            (Answer::Yes(a), Answer::Yes(b)) => Answer::Yes(format!("{a}, {b}")),
            (Answer::Unknown(a), Answer::Unknown(b)) => Answer::Unknown(format!("{a}; {b}")),
            (Answer::Yes(known), Answer::Unknown(why))
            | (Answer::Unknown(why), Answer::Yes(known)) => {
                Answer::Unknown(format!("{known}, but {why}"))
            }
        }
    }

    /// Three-valued OR: any `Yes` decides; otherwise any `Unknown` does.
    fn or(self, other: Answer) -> Answer {
        match (self, other) {
            (Answer::Yes(why), _) | (_, Answer::Yes(why)) => Answer::Yes(why),
            (Answer::No(a), Answer::No(b)) => Answer::No(format!("{a}, {b}")),
            (Answer::Unknown(a), Answer::Unknown(b)) => Answer::Unknown(format!("{a}; {b}")),
            (Answer::No(known), Answer::Unknown(why))
            | (Answer::Unknown(why), Answer::No(known)) => {
                Answer::Unknown(format!("{known}, but {why}"))
            }
        }
    }
}

/// Why a field has no value, in the words of its source.
fn unset(field: &str, options: Option<&MetadataOptions>, source: Source) -> Answer {
    Answer::Unknown(match (source, options) {
        (Source::Instance, None) => "DescribeInstances returned no MetadataOptions".to_string(),
        (Source::Instance, Some(_)) => format!("DescribeInstances returned no {field}"),
        (Source::LaunchTemplate, _) => {
            format!("{field} is unset, so the AMI's or the account's default applies (not read)")
        }
    })
}

/// Whether the metadata endpoint is on.
fn endpoint_enabled(options: Option<&MetadataOptions>, source: Source) -> Answer {
    match options.and_then(|o| o.http_endpoint.as_deref()) {
        Some(e) if e.eq_ignore_ascii_case("enabled") => Answer::Yes("HttpEndpoint=enabled".into()),
        Some(e) if e.eq_ignore_ascii_case("disabled") => Answer::No("HttpEndpoint=disabled".into()),
        Some(e) => Answer::Unknown(format!("HttpEndpoint has the unrecognised value {e:?}")),
        None if source == Source::LaunchTemplate => {
            Answer::Yes("HttpEndpoint unset, which defaults to enabled".into())
        }
        None => unset("HttpEndpoint", options, source),
    }
}

/// Whether the settings accept IMDSv1 requests (ignoring the endpoint).
fn tokens_optional(options: Option<&MetadataOptions>, source: Source) -> Answer {
    match options.and_then(|o| o.http_tokens.as_deref()) {
        Some(t) if t.eq_ignore_ascii_case("optional") => Answer::Yes("HttpTokens=optional".into()),
        Some(t) if t.eq_ignore_ascii_case("required") => Answer::No("HttpTokens=required".into()),
        Some(t) => Answer::Unknown(format!("HttpTokens has the unrecognised value {t:?}")),
        None => unset("HttpTokens", options, source),
    }
}

/// Whether the IMDSv2 token travels more than one hop (ignoring the endpoint).
fn hop_limit_above_one(options: Option<&MetadataOptions>, source: Source) -> Answer {
    match options.and_then(|o| o.http_put_response_hop_limit) {
        Some(h) if h > 1 => Answer::Yes(format!("HttpPutResponseHopLimit={h}")),
        Some(1) => Answer::No("HttpPutResponseHopLimit=1".into()),
        Some(h) => Answer::Unknown(format!("HttpPutResponseHopLimit has the invalid value {h}")),
        None => unset("HttpPutResponseHopLimit", options, source),
    }
}

/// Whether IMDSv1 is served: the endpoint is on and `HttpTokens=optional`.
pub fn imdsv1_served(options: Option<&MetadataOptions>, source: Source) -> Answer {
    endpoint_enabled(options, source).and(tokens_optional(options, source))
}

/// Whether the IMDSv2 token reaches pods: the endpoint is on and the hop
/// limit is above 1.
pub fn token_reaches_pods(options: Option<&MetadataOptions>, source: Source) -> Answer {
    endpoint_enabled(options, source).and(hop_limit_above_one(options, source))
}

/// Whether pods in their own network namespace reach IMDS at all: the
/// endpoint is on and either IMDSv1 is served (not hop-limited) or the
/// IMDSv2 token travels past the node. Pods with `hostNetwork` always reach
/// it; they are not what this asks about.
pub fn pods_reach(options: Option<&MetadataOptions>, source: Source) -> Answer {
    endpoint_enabled(options, source)
        .and(tokens_optional(options, source).or(hop_limit_above_one(options, source)))
}

/// `HttpTokens=required, HttpPutResponseHopLimit=1, HttpEndpoint=unset`, for evidence.
pub fn describe(options: Option<&MetadataOptions>) -> String {
    let Some(o) = options else {
        return "no metadata options".into();
    };
    format!(
        "HttpTokens={}, HttpPutResponseHopLimit={}, HttpEndpoint={}",
        o.http_tokens.as_deref().unwrap_or("unset"),
        o.http_put_response_hop_limit
            .map_or_else(|| "unset".to_string(), |h| h.to_string()),
        o.http_endpoint.as_deref().unwrap_or("unset")
    )
}

#[cfg(test)]
mod tests {
    use eksposture_model::MetadataOptions;

    use super::{imdsv1_served, pods_reach, token_reaches_pods, Answer, Source};

    fn options(tokens: Option<&str>, hop: Option<i32>, endpoint: Option<&str>) -> MetadataOptions {
        MetadataOptions {
            http_tokens: tokens.map(String::from),
            http_put_response_hop_limit: hop,
            http_endpoint: endpoint.map(String::from),
        }
    }

    fn kind(a: &Answer) -> &'static str {
        match a {
            Answer::Yes(_) => "yes",
            Answer::No(_) => "no",
            Answer::Unknown(_) => "unknown",
        }
    }

    #[test]
    fn unset_endpoint_is_unknown_on_an_instance_and_enabled_in_a_launch_template() {
        let o = options(Some("optional"), Some(2), None);
        assert_eq!(kind(&imdsv1_served(Some(&o), Source::Instance)), "unknown");
        assert_eq!(kind(&pods_reach(Some(&o), Source::Instance)), "unknown");
        let lt = imdsv1_served(Some(&o), Source::LaunchTemplate);
        assert_eq!(
            lt,
            Answer::Yes(
                "HttpEndpoint unset, which defaults to enabled, HttpTokens=optional".into()
            )
        );
        assert_eq!(
            kind(&token_reaches_pods(Some(&o), Source::LaunchTemplate)),
            "yes"
        );
    }

    #[test]
    fn unset_tokens_in_a_launch_template_is_the_unread_ami_or_account_default() {
        for source in [Source::Instance, Source::LaunchTemplate] {
            assert_eq!(kind(&imdsv1_served(None, source)), "unknown");
            assert_eq!(kind(&token_reaches_pods(None, source)), "unknown");
        }
        let Answer::Unknown(why) = imdsv1_served(None, Source::LaunchTemplate) else {
            unreachable!()
        };
        assert!(why.contains("AMI's or the account's default"), "{why}");
    }

    #[test]
    fn a_decisive_setting_answers_despite_a_missing_one() {
        let disabled = options(None, None, Some("disabled"));
        for source in [Source::Instance, Source::LaunchTemplate] {
            assert_eq!(
                pods_reach(Some(&disabled), source),
                Answer::No("HttpEndpoint=disabled".into())
            );
        }
        let v2_hop1 = options(Some("required"), Some(1), None);
        assert_eq!(
            pods_reach(Some(&v2_hop1), Source::Instance),
            Answer::No("HttpTokens=required, HttpPutResponseHopLimit=1".into())
        );
        assert_eq!(kind(&imdsv1_served(Some(&v2_hop1), Source::Instance)), "no");
        assert_eq!(
            kind(&token_reaches_pods(Some(&v2_hop1), Source::Instance)),
            "no"
        );
    }

    #[test]
    fn imdsv1_reaches_pods_whatever_the_hop_limit() {
        let o = options(Some("optional"), Some(1), Some("enabled"));
        assert_eq!(
            pods_reach(Some(&o), Source::Instance),
            Answer::Yes("HttpEndpoint=enabled, HttpTokens=optional".into())
        );
        assert_eq!(kind(&token_reaches_pods(Some(&o), Source::Instance)), "no");
    }

    #[test]
    fn pods_reach_imds_exactly_when_one_of_the_two_ec2_checks_fails() {
        let (tokens, hops, endpoints) = (
            [None, Some("optional"), Some("required")],
            [None, Some(1), Some(2)],
            [None, Some("enabled"), Some("disabled")],
        );
        for source in [Source::Instance, Source::LaunchTemplate] {
            for t in tokens {
                for h in hops {
                    for e in endpoints {
                        let o = options(t, h, e);
                        let v1 = kind(&imdsv1_served(Some(&o), source));
                        let token = kind(&token_reaches_pods(Some(&o), source));
                        let want = match (v1, token) {
                            ("yes", _) | (_, "yes") => "yes",
                            ("no", "no") => "no",
                            _ => "unknown",
                        };
                        assert_eq!(
                            kind(&pods_reach(Some(&o), source)),
                            want,
                            "{o:?} {source:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn unrecognised_values_are_unknown_not_guessed() {
        let o = options(Some("maybe"), Some(0), Some("enabled"));
        assert_eq!(kind(&imdsv1_served(Some(&o), Source::Instance)), "unknown");
        assert_eq!(
            kind(&token_reaches_pods(Some(&o), Source::Instance)),
            "unknown"
        );
        assert_eq!(kind(&pods_reach(Some(&o), Source::Instance)), "unknown");
    }
}
