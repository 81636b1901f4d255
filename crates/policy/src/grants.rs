//! Questions a least-privilege check asks of a principal's identity policies.
//!
//! All answers are about *unconditional* denial: a `Deny` with a `Condition`
//! never cancels a grant, because it may not apply to the request an attacker
//! makes. Conditional `Allow` statements do qualify, flagged
//! [`Grant::conditional`]; an unconditional grant is preferred as evidence.

use crate::document::{ActionSpec, Effect, ResourceSpec, Statement};
use crate::eval::{Grant, PolicySet};
use eksposture_model::wildcard::{has_wildcard, is_all_stars, wildcard_match};

impl PolicySet {
    /// An `Allow` statement that amounts to full administrator access:
    /// `Action` `*` (or `*:*`), or any `NotAction` (everything but a short
    /// list, as in PowerUserAccess), on every resource (`Resource` `*` or an
    /// all-wildcard ARN such as `arn:*`, any `NotResource`, or none).
    ///
    /// `None` when no statement qualifies, or when an unconditional `Deny`
    /// takes away all actions on every resource (`Action` `*`, or a
    /// `NotAction` that leaves only the listed actions).
    pub fn grants_full_admin(&self) -> Option<Grant> {
        if self.denies_everything() {
            return None;
        }
        prefer_unconditional(self.allow_statements().filter_map(|(source, s)| {
            if !allow_covers_any_resource(s, None) {
                return None;
            }
            match &s.action {
                ActionSpec::Action(patterns) => {
                    let matched: Vec<String> = patterns
                        .iter()
                        .filter(|p| is_all_actions(p))
                        .cloned()
                        .collect();
                    (!matched.is_empty()).then(|| Grant::new(source, s, matched))
                }
                ActionSpec::NotAction(excluded) => (!excluded.iter().any(|p| is_all_actions(p)))
                    .then(|| Grant::new(source, s, Vec::new())),
            }
        }))
    }

    /// An `Allow` statement granting `action` (e.g. `iam:PassRole`) on any
    /// resource of the action's service, unless an unconditional `Deny` of the
    /// action also covers any resource.
    ///
    /// "Any resource" is a precise, syntactic rule; a pattern qualifies when it
    /// matches every ARN of the service in every account and region:
    /// - only `*` characters;
    /// - `arn:<partition>:<service>:<region>:<account>:<resource>` where the
    ///   partition is any literal or `*`, the service is `*` or the action's
    ///   service prefix, region and account are `*` or empty (empty as in
    ///   global S3 and IAM ARNs), and the resource is `*`;
    /// - such an ARN cut short by a final `*` segment (`arn:*`, `arn:aws:*`,
    ///   `arn:aws:s3:*`), since the wildcard then spans the remaining segments.
    ///
    /// Patterns that pin a resource type, name or account
    /// (`arn:aws:iam::*:role/*`, `arn:aws:s3:::bucket/*`) do not qualify; ask
    /// [`PolicySet::allows`] with a concrete ARN for those. An `Allow` with
    /// `NotResource` qualifies (it covers everything but a few resources), a
    /// `Deny` with `NotResource` does not cancel.
    pub fn grants_action_on_any_resource(&self, action: &str) -> Option<Grant> {
        let service = action.split_once(':').map(|(service, _)| service);
        let cancelled = self
            .unconditional_denies()
            .any(|s| s.matches_action(action) && deny_covers_any_resource(s, service));
        if cancelled {
            return None;
        }
        prefer_unconditional(self.allow_statements().filter_map(|(source, s)| {
            if !s.matches_action(action) || !allow_covers_any_resource(s, service) {
                return None;
            }
            let matched = match &s.action {
                ActionSpec::Action(patterns) => patterns
                    .iter()
                    .filter(|p| wildcard_match(p, action, true))
                    .cloned()
                    .collect(),
                ActionSpec::NotAction(_) => Vec::new(),
            };
            Some(Grant::new(source, s, matched))
        }))
    }

    /// Every `Allow` statement granting a whole service (`iam:*`, `s3:*`) or
    /// everything (`*`, `*:*`, or a `NotAction`), on whatever resources it
    /// names; [`Grant::matched_actions`] lists the wildcard patterns.
    ///
    /// A wildcard is dropped when an unconditional `Deny` matches it as a
    /// whole (`Deny iam:*` cancels `Allow iam:*`, `Deny iam:Delete*` does not)
    /// on any resource of its service.
    pub fn wildcard_service_actions(&self) -> Vec<Grant> {
        if self.denies_everything() {
            return Vec::new();
        }
        self.allow_statements()
            .filter_map(|(source, s)| match &s.action {
                ActionSpec::Action(patterns) => {
                    let matched: Vec<String> = patterns
                        .iter()
                        .filter(|p| is_service_wildcard(p) && !self.denies_wildcard(p))
                        .cloned()
                        .collect();
                    (!matched.is_empty()).then(|| Grant::new(source, s, matched))
                }
                ActionSpec::NotAction(excluded) => (!excluded.iter().any(|p| is_all_actions(p)))
                    .then(|| Grant::new(source, s, Vec::new())),
            })
            .collect()
    }

    fn allow_statements(&self) -> impl Iterator<Item = (&str, &Statement)> {
        self.statements().filter(|(_, s)| s.effect == Effect::Allow)
    }

    fn unconditional_denies(&self) -> impl Iterator<Item = &Statement> {
        self.statements()
            .map(|(_, s)| s)
            .filter(|s| s.effect == Effect::Deny && !s.is_conditional())
    }

    fn denies_everything(&self) -> bool {
        self.unconditional_denies().any(|s| {
            let all_actions = match &s.action {
                ActionSpec::Action(patterns) => patterns.iter().any(|p| is_all_actions(p)),
                // Denying everything but a few actions leaves only those few.
                ActionSpec::NotAction(_) => true,
            };
            all_actions && deny_covers_any_resource(s, None)
        })
    }

    fn denies_wildcard(&self, pattern: &str) -> bool {
        let service = pattern
            .split_once(':')
            .map(|(service, _)| service)
            .filter(|service| !is_all_stars(service));
        self.unconditional_denies()
            .any(|s| s.matches_action(pattern) && deny_covers_any_resource(s, service))
    }
}

fn prefer_unconditional(grants: impl Iterator<Item = Grant>) -> Option<Grant> {
    let mut fallback = None;
    for grant in grants {
        if !grant.conditional {
            return Some(grant);
        }
        fallback.get_or_insert(grant);
    }
    fallback
}

/// `*`, `**`, `*:*`: every action of every service.
fn is_all_actions(pattern: &str) -> bool {
    is_all_stars(pattern)
        || pattern
            .split_once(':')
            .is_some_and(|(service, name)| is_all_stars(service) && is_all_stars(name))
}

/// `<service>:*` or an all-actions pattern.
fn is_service_wildcard(pattern: &str) -> bool {
    is_all_actions(pattern)
        || pattern
            .split_once(':')
            .is_some_and(|(service, name)| !service.is_empty() && is_all_stars(name))
}

fn allow_covers_any_resource(statement: &Statement, service: Option<&str>) -> bool {
    match &statement.resource {
        None | Some(ResourceSpec::NotResource(_)) => true,
        Some(ResourceSpec::Resource(patterns)) => {
            patterns.iter().any(|p| covers_any_resource(p, service))
        }
    }
}

fn deny_covers_any_resource(statement: &Statement, service: Option<&str>) -> bool {
    match &statement.resource {
        None => true,
        Some(ResourceSpec::NotResource(_)) => false,
        Some(ResourceSpec::Resource(patterns)) => {
            patterns.iter().any(|p| covers_any_resource(p, service))
        }
    }
}

/// See [`PolicySet::grants_action_on_any_resource`]. `service` `None` asks
/// for every resource of every service.
pub(crate) fn covers_any_resource(pattern: &str, service: Option<&str>) -> bool {
    if is_all_stars(pattern) {
        return true;
    }
    let segments: Vec<&str> = pattern.splitn(6, ':').collect();
    if !segments[0].eq_ignore_ascii_case("arn") {
        return false;
    }
    for (index, segment) in segments.iter().enumerate().skip(1) {
        if is_all_stars(segment) && index == segments.len() - 1 {
            return true;
        }
        let ok = match index {
            1 => !segment.is_empty() && !has_wildcard(segment),
            2 => service.is_some_and(|s| segment.eq_ignore_ascii_case(s)),
            3 | 4 => segment.is_empty(),
            _ => false,
        };
        if !(ok || is_all_stars(segment)) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests;
