//! What kind of weakness a check looks for. Each check declares its kind
//! once; every finding carries it, so renderers (ASFF types, the HTML
//! attack-path drawings) learn it from the data rather than from check ids.

use serde::{Deserialize, Serialize};

/// A check's kind. In a finding's JSON it is flattened into `kind`
/// (`configuration`, `vulnerability`, `attack_path`) and, for attack paths,
/// `tactic` and `entry`. Reports written before findings carried a kind
/// read as `configuration`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "KindFields", into = "KindFields")]
pub enum CheckKind {
    /// A setting that departs from guidance.
    #[default]
    Configuration,
    /// Known vulnerabilities (CVEs) in software that runs.
    Vulnerability,
    /// A chain of resources that together give an attacker more than any
    /// one link does.
    AttackPath {
        /// What the attacker gains at the end of the chain.
        tactic: Tactic,
        /// What opens the chain.
        entry: PathEntry,
    },
}

impl CheckKind {
    pub fn is_attack_path(self) -> bool {
        matches!(self, CheckKind::AttackPath { .. })
    }

    /// The finding is about known vulnerabilities: it is one, or it is an
    /// attack path that one opens.
    pub fn involves_vulnerability(self) -> bool {
        matches!(
            self,
            CheckKind::Vulnerability
                | CheckKind::AttackPath {
                    entry: PathEntry::Vulnerability,
                    ..
                }
        )
    }
}

/// What opens an attack path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathEntry {
    Configuration,
    Vulnerability,
}

/// The MITRE ATT&CK tactics that ASFF's `TTPs` namespace names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tactic {
    InitialAccess,
    Execution,
    Persistence,
    PrivilegeEscalation,
    DefenseEvasion,
    CredentialAccess,
    Discovery,
    LateralMovement,
    Collection,
    CommandAndControl,
}

impl Tactic {
    /// The tactic's ATT&CK name, which is also its ASFF `TTPs` category.
    pub fn name(self) -> &'static str {
        match self {
            Tactic::InitialAccess => "Initial Access",
            Tactic::Execution => "Execution",
            Tactic::Persistence => "Persistence",
            Tactic::PrivilegeEscalation => "Privilege Escalation",
            Tactic::DefenseEvasion => "Defense Evasion",
            Tactic::CredentialAccess => "Credential Access",
            Tactic::Discovery => "Discovery",
            Tactic::LateralMovement => "Lateral Movement",
            Tactic::Collection => "Collection",
            Tactic::CommandAndControl => "Command and Control",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindName {
    #[default]
    Configuration,
    Vulnerability,
    AttackPath,
}

/// The JSON layout of a kind. Every field has a default so that a report
/// without them (written before they existed) still loads; serde's
/// `flatten` ignores a `default` on the flattened field itself.
#[derive(Serialize, Deserialize)]
struct KindFields {
    #[serde(default)]
    kind: KindName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tactic: Option<Tactic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    entry: Option<PathEntry>,
}

impl From<CheckKind> for KindFields {
    fn from(k: CheckKind) -> Self {
        let (kind, tactic, entry) = match k {
            CheckKind::Configuration => (KindName::Configuration, None, None),
            CheckKind::Vulnerability => (KindName::Vulnerability, None, None),
            CheckKind::AttackPath { tactic, entry } => {
                (KindName::AttackPath, Some(tactic), Some(entry))
            }
        };
        KindFields {
            kind,
            tactic,
            entry,
        }
    }
}

impl TryFrom<KindFields> for CheckKind {
    type Error = String;

    fn try_from(f: KindFields) -> Result<Self, String> {
        match (f.kind, f.tactic, f.entry) {
            (KindName::Configuration, None, None) => Ok(CheckKind::Configuration),
            (KindName::Vulnerability, None, None) => Ok(CheckKind::Vulnerability),
            (KindName::AttackPath, Some(tactic), Some(entry)) => {
                Ok(CheckKind::AttackPath { tactic, entry })
            }
            (KindName::AttackPath, _, _) => {
                Err("an attack_path finding needs a `tactic` and an `entry`".into())
            }
            (_, _, _) => Err("only an attack_path finding has a `tactic` or an `entry`".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn round_trips_through_its_flat_json_fields() {
        let kinds = [
            (CheckKind::Configuration, json!({"kind": "configuration"})),
            (CheckKind::Vulnerability, json!({"kind": "vulnerability"})),
            (
                CheckKind::AttackPath {
                    tactic: Tactic::CredentialAccess,
                    entry: PathEntry::Configuration,
                },
                json!({"kind": "attack_path", "tactic": "credential_access", "entry": "configuration"}),
            ),
        ];
        for (kind, fields) in kinds {
            assert_eq!(serde_json::to_value(kind).unwrap(), fields);
            assert_eq!(serde_json::from_value::<CheckKind>(fields).unwrap(), kind);
        }
    }

    #[test]
    fn absent_fields_read_as_configuration_and_mismatched_ones_are_rejected() {
        assert_eq!(
            serde_json::from_value::<CheckKind>(json!({})).unwrap(),
            CheckKind::Configuration
        );
        for bad in [
            json!({"kind": "attack_path"}),
            json!({"kind": "attack_path", "tactic": "execution"}),
            json!({"kind": "vulnerability", "tactic": "execution"}),
            json!({"tactic": "execution", "entry": "configuration"}),
        ] {
            assert!(
                serde_json::from_value::<CheckKind>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_finding_written_before_kinds_existed_still_loads() {
        let old = json!({"check_id": "x", "title": "t", "severity": "high", "status": "fail",
            "message": "m", "resource": {"type": "AwsEksCluster", "id": "arn", "region": "us-east-1"},
            "evidence": [], "remediation": "r", "compliance": []});
        let f: crate::Finding = serde_json::from_value(old).unwrap();
        assert_eq!(f.kind, CheckKind::Configuration);
        let mut new = serde_json::to_value(&f).unwrap();
        assert_eq!(new["kind"], "configuration");
        new["kind"] = json!("vulnerability");
        let f: crate::Finding = serde_json::from_value(new).unwrap();
        assert_eq!(f.kind, CheckKind::Vulnerability);
    }
}
