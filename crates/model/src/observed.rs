use serde::{Deserialize, Serialize};

/// Why a value could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// The caller lacks permission (AccessDenied, UnauthorizedOperation, ...).
    AccessDenied,
    /// The endpoint does not implement the operation: an HTTP 404/500 with no
    /// AWS error code, or an operation unavailable in the region/partition.
    NotSupported,
    /// Still throttled after every retry.
    Throttled,
    /// No connection: a private Kubernetes endpoint seen from outside its
    /// VPC, a firewall, DNS.
    Unreachable,
    /// The scanner does not read this source at all (yet): e.g. a cluster's
    /// `kube-system/aws-auth` ConfigMap, which only the Kubernetes API shows.
    NotRead,
    /// Anything else: network, timeout, malformed response, a value absent
    /// from a hand-written inventory.
    Error,
}

impl GapReason {
    pub fn as_str(self) -> &'static str {
        match self {
            GapReason::AccessDenied => "access_denied",
            GapReason::NotSupported => "not_supported",
            GapReason::Throttled => "throttled",
            GapReason::Unreachable => "unreachable",
            GapReason::NotRead => "not_read",
            GapReason::Error => "error",
        }
    }
}

const KUBERNETES_SKIPPED: &str = "not read: --no-kubernetes";

/// A piece of the account the scanner could not read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Gap {
    pub service: String,
    /// AWS region, or `global` for IAM.
    pub region: String,
    pub operation: String,
    pub reason: GapReason,
    pub message: String,
    /// The account the gap is in; set in reports that cover several
    /// accounts (`audit --accounts`, `--organization`), absent otherwise
    /// (the scan's one account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

impl Gap {
    pub fn new(
        service: impl Into<String>,
        region: impl Into<String>,
        operation: impl Into<String>,
        reason: GapReason,
        message: impl Into<String>,
    ) -> Self {
        Gap {
            service: service.into(),
            region: region.into(),
            operation: operation.into(),
            reason,
            message: message.into(),
            account_id: None,
        }
    }

    /// What a cluster's Kubernetes half carries when the user chose not to
    /// read it (`--no-kubernetes`): kept on the cluster, never among the
    /// scan's gaps, so it neither marks the scan incomplete nor is read as
    /// a failed read; the Kubernetes checks are skipped instead.
    pub fn kubernetes_skipped(region: impl Into<String>) -> Self {
        Gap::new(
            "kubernetes",
            region,
            "read",
            GapReason::NotRead,
            KUBERNETES_SKIPPED,
        )
    }

    pub fn is_kubernetes_skipped(&self) -> bool {
        self.service == "kubernetes"
            && self.reason == GapReason::NotRead
            && self.message == KUBERNETES_SKIPPED
    }

    /// The gap recorded for a field that a (possibly hand-written or older)
    /// inventory file does not contain: absent data is unknown, never empty.
    pub fn absent() -> Self {
        Gap::new(
            "inventory",
            "-",
            "-",
            GapReason::Error,
            "not present in the inventory",
        )
    }
}

/// A value the collector tried to read: either what AWS returned, or the gap
/// that explains why it is not known. Serialised as `{"known": v}` or
/// `{"unknown": gap}`; a field missing from the JSON reads as unknown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed<T> {
    Known(T),
    Unknown(Gap),
}

impl<T> Default for Observed<T> {
    fn default() -> Self {
        Observed::Unknown(Gap::absent())
    }
}

impl<T> Observed<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Observed::Known(v) => Some(v),
            Observed::Unknown(_) => None,
        }
    }

    pub fn known_mut(&mut self) -> Option<&mut T> {
        match self {
            Observed::Known(v) => Some(v),
            Observed::Unknown(_) => None,
        }
    }

    pub fn gap(&self) -> Option<&Gap> {
        match self {
            Observed::Known(_) => None,
            Observed::Unknown(g) => Some(g),
        }
    }

    pub fn is_known(&self) -> bool {
        matches!(self, Observed::Known(_))
    }

    pub fn as_ref(&self) -> Observed<&T> {
        match self {
            Observed::Known(v) => Observed::Known(v),
            Observed::Unknown(g) => Observed::Unknown(g.clone()),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Observed<U> {
        match self {
            Observed::Known(v) => Observed::Known(f(v)),
            Observed::Unknown(g) => Observed::Unknown(g),
        }
    }

    /// `Ok(&value)` or `Err(&gap)`, for `?`-style use in checks.
    pub fn as_result(&self) -> Result<&T, &Gap> {
        match self {
            Observed::Known(v) => Ok(v),
            Observed::Unknown(g) => Err(g),
        }
    }
}

impl<T> From<Result<T, Gap>> for Observed<T> {
    fn from(r: Result<T, Gap>) -> Self {
        match r {
            Ok(v) => Observed::Known(v),
            Err(g) => Observed::Unknown(g),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_field_reads_as_unknown() {
        #[derive(Deserialize)]
        struct S {
            #[serde(default)]
            v: Observed<Vec<u8>>,
        }
        let s: S = serde_json::from_str("{}").unwrap();
        assert!(!s.v.is_known());
    }

    #[test]
    fn serialises_as_tagged_object() {
        let k: Observed<u8> = Observed::Known(3);
        assert_eq!(serde_json::to_string(&k).unwrap(), r#"{"known":3}"#);
        let u: Observed<u8> = Observed::Unknown(Gap::new(
            "eks",
            "us-east-1",
            "ListAddons",
            GapReason::NotSupported,
            "404",
        ));
        let v = serde_json::to_value(&u).unwrap();
        assert_eq!(v["unknown"]["reason"], "not_supported");
    }

    #[test]
    fn every_reason_serialises_as_its_name() {
        for r in [
            GapReason::AccessDenied,
            GapReason::NotSupported,
            GapReason::Throttled,
            GapReason::NotRead,
            GapReason::Error,
        ] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(
                serde_json::from_value::<GapReason>(r.as_str().into()).unwrap(),
                r
            );
        }
    }
}
