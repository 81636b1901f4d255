//! Catalogues of the compliance controls checks may reference. A reference is
//! `FRAMEWORK:control`; a test fails on any reference not listed here.

/// (framework prefix, framework title, [(control id, control title)])
pub type Catalogue = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

pub const CATALOGUES: &[Catalogue] = &[
    (
        "CIS-EKS-1.8",
        "CIS Amazon EKS Benchmark v1.8",
        &[
            ("2.1.1", "Enable audit Logs"),
            ("3.1.1", "Ensure that the kubeconfig file permissions are set to 644 or more restrictive"),
            ("3.2.1", "Ensure that the Anonymous Auth is Not Enabled"),
            ("4.1.1", "Ensure that the cluster-admin role is only used where required"),
            ("4.2.1", "Minimize the admission of privileged containers"),
            ("4.2.2", "Minimize the admission of containers wishing to share the host process ID namespace"),
            ("4.2.3", "Minimize the admission of containers wishing to share the host IPC namespace"),
            ("4.2.4", "Minimize the admission of containers wishing to share the host network namespace"),
            ("4.2.5", "Minimize the admission of containers with allowPrivilegeEscalation"),
            ("4.2.6", "Minimize the admission of root containers"),
            ("4.2.7", "Minimize the admission of containers with the NET_RAW capability"),
            ("4.2.8", "Minimize the admission of containers with added capabilities"),
            ("4.2.9", "Minimize the admission of containers with capabilities assigned"),
            ("4.3.2", "Ensure that all Namespaces have Network Policies defined"),
            ("4.4.1", "Prefer using secrets as files over secrets as environment variables"),
            ("4.5.2", "The default namespace should not be used"),
            ("5.1.1", "Ensure Image Vulnerability Scanning using Amazon ECR image scanning or a third party provider"),
            ("5.1.2", "Minimize user access to Amazon ECR"),
            ("5.1.3", "Minimize cluster access to read-only for Amazon ECR"),
            ("5.1.4", "Minimize Container Registries to only those approved"),
            ("5.2.1", "Prefer using dedicated EKS Service Accounts"),
            ("5.3.1", "Ensure Kubernetes Secrets are encrypted using Customer Master Keys (CMKs) managed in AWS KMS"),
            ("5.4.1", "Restrict Access to the Control Plane Endpoint"),
            ("5.4.2", "Ensure clusters are created with Private Endpoint Enabled and Public Access Disabled"),
            ("5.4.3", "Ensure clusters are created with Private Nodes"),
            ("5.4.4", "Ensure Network Policy is Enabled and set as appropriate"),
            ("5.4.5", "Encrypt traffic to HTTPS load balancers with TLS certificates"),
            ("5.5.1", "Manage Kubernetes RBAC users with AWS IAM Authenticator for Kubernetes or Upgrade to AWS CLI v1.16.156 or greater"),
        ],
    ),
    (
        "AWS-FSBP",
        "AWS Foundational Security Best Practices",
        &[
            ("EC2.3", "Attached Amazon EBS volumes should be encrypted at-rest"),
            ("EC2.8", "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)"),
            ("EC2.9", "EC2 instances should not have a public IPv4 address"),
            ("EC2.13", "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22"),
            ("EC2.14", "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 3389"),
            ("EC2.18", "Security groups should only allow unrestricted incoming traffic for authorized ports"),
            ("EC2.19", "Security groups should not allow unrestricted access to ports with high risk"),
            ("EC2.25", "Amazon EC2 launch templates should not assign public IPs to network interfaces"),
            ("EC2.170", "EC2 launch templates should use Instance Metadata Service Version 2 (IMDSv2)"),
            ("ECR.1", "ECR private repositories should have image scanning configured"),
            ("ECR.2", "ECR private repositories should have tag immutability configured"),
            ("ECR.3", "ECR repositories should have at least one lifecycle policy configured"),
            ("ECR.5", "ECR repositories should be encrypted with customer managed AWS KMS keys"),
            ("ECS.4", "ECS containers should run as non-privileged"),
            ("ECS.5", "ECS containers should be limited to read-only access to root filesystems"),
            ("ECS.8", "Secrets should not be passed as container environment variables"),
            ("ECS.20", "ECS Task Definitions should configure non-root users in Linux container definitions"),
            ("ECS.21", "ECS Task Definitions should configure non-administrator users in Windows container definitions"),
            ("EKS.1", "EKS cluster endpoints should not be publicly accessible"),
            ("EKS.2", "EKS clusters should run on a supported Kubernetes version"),
            ("EKS.3", "EKS clusters should use encrypted Kubernetes secrets"),
            ("EKS.8", "EKS clusters should have audit logging enabled"),
            ("IAM.1", "IAM policies should not allow full \"*\" administrative privileges"),
            ("IAM.21", "IAM customer managed policies that you create should not allow wildcard actions for services"),
            ("Inspector.1", "Amazon Inspector EC2 scanning should be enabled"),
            ("Inspector.2", "Amazon Inspector ECR scanning should be enabled"),
            ("KMS.3", "AWS KMS keys should not be deleted unintentionally"),
        ],
    ),
    (
        "NIST-800-190",
        "NIST SP 800-190 Application Container Security Guide",
        &[
            ("4.1.1", "Image vulnerabilities"),
            ("4.1.2", "Image configuration defects"),
            ("4.1.4", "Embedded clear text secrets"),
            ("4.2.2", "Stale images in registries"),
            ("4.2.3", "Insufficient authentication and authorization restrictions"),
            ("4.3.1", "Unbounded administrative access"),
            ("4.3.2", "Unauthorized access"),
            ("4.3.3", "Poorly separated inter-container network traffic"),
            ("4.3.4", "Mixing of workload sensitivity levels"),
            ("4.3.5", "Orchestrator node trust"),
            ("4.4.1", "Vulnerabilities within the runtime software"),
            ("4.4.2", "Unbounded network access from containers"),
            ("4.4.3", "Insecure container runtime configurations"),
            ("4.4.4", "App vulnerabilities"),
            ("4.5.1", "Large attack surface"),
            ("4.5.3", "Host OS component vulnerabilities"),
            ("4.5.4", "Improper user access rights"),
        ],
    ),
    (
        "PCI-DSS-4.0",
        "PCI DSS v4.0",
        &[
            ("1.3.1", "Inbound traffic to the CDE is restricted"),
            ("1.3.2", "Outbound traffic from the CDE is restricted"),
            ("1.4.1", "NSCs are implemented between trusted and untrusted networks"),
            ("1.4.2", "Inbound traffic from untrusted networks to trusted networks is restricted"),
            ("2.2.1", "Configuration standards are developed, implemented, and maintained"),
            ("2.2.6", "System security parameters are configured to prevent misuse"),
            ("3.5.1", "PAN is rendered unreadable anywhere it is stored"),
            ("3.6.1", "Procedures are defined and implemented to protect cryptographic keys"),
            ("3.7.4", "Key management policies and procedures are implemented for cryptographic key changes for keys that have reached the end of their cryptoperiod"),
            ("6.3.1", "Security vulnerabilities are identified and managed"),
            ("6.3.3", "All system components are protected from known vulnerabilities by installing applicable security patches/updates"),
            ("7.2.1", "An access control model is defined and includes granting access"),
            ("7.2.2", "Access is assigned to users based on job classification and function"),
            ("7.2.5", "All application and system accounts and related access privileges are assigned and managed"),
            ("8.3.2", "Strong cryptography is used to render all authentication factors unreadable during transmission and storage on all system components"),
            ("8.6.2", "Passwords/passphrases for any application and system accounts that can be used for interactive login are not hard coded in scripts, configuration/property files, or bespoke and custom source code"),
            ("10.2.1", "Audit logs are enabled and active for all system components and cardholder data"),
            ("10.5.1", "Retain audit log history for at least 12 months, with at least the most recent three months immediately available for analysis"),
            ("11.3.1", "Internal vulnerability scans are performed"),
        ],
    ),
    (
        "EKS-BPG",
        "Amazon EKS Best Practices Guide (security)",
        &[
            ("iam", "Identity and Access Management"),
            ("pods", "Pod Security"),
            ("runtime", "Runtime Security"),
            ("network", "Network Security"),
            ("multitenancy", "Multi-tenancy"),
            ("detective", "Detective Controls"),
            ("infrastructure", "Infrastructure Security"),
            ("data", "Data Encryption and Secrets Management"),
            ("image", "Image Security"),
        ],
    ),
];

/// The framework and control titles of a reference, if it exists.
pub fn lookup(reference: &str) -> Option<(&'static str, &'static str)> {
    let (framework, control) = reference.split_once(':')?;
    CATALOGUES
        .iter()
        .find(|(f, _, _)| *f == framework)
        .and_then(|(_, ftitle, controls)| {
            controls
                .iter()
                .find(|(c, _)| *c == control)
                .map(|(_, t)| (*ftitle, *t))
        })
}

/// Short names for `audit --compliance`, and the catalogue prefix each means.
pub const FRAMEWORK_NAMES: &[(&str, &str)] = &[
    ("cis-eks", "CIS-EKS-1.8"),
    ("aws-fsbp", "AWS-FSBP"),
    ("nist-800-190", "NIST-800-190"),
    ("pci-dss", "PCI-DSS-4.0"),
    ("eks-bpg", "EKS-BPG"),
];

/// The per-control view of a framework (by short name or prefix) over a
/// scan's findings; `None` for an unknown framework name.
pub fn view(
    framework: &str,
    findings: &[eksposture_model::Finding],
) -> Option<eksposture_model::ComplianceView> {
    use eksposture_model::{ComplianceView, ControlResult, ControlStatus, Status};

    let prefix = FRAMEWORK_NAMES
        .iter()
        .find(|(n, p)| n.eq_ignore_ascii_case(framework) || p.eq_ignore_ascii_case(framework))
        .map(|(_, p)| *p)?;
    let (_, title, controls) = CATALOGUES.iter().find(|(p, _, _)| *p == prefix)?;
    let controls = controls
        .iter()
        .map(|(id, ctitle)| {
            let reference = format!("{prefix}:{id}");
            let checks: Vec<String> = crate::CHECKS
                .iter()
                .filter(|c| c.meta.compliance.contains(&reference.as_str()))
                .map(|c| c.meta.id.to_string())
                .collect();
            let count = |s: Status| {
                findings
                    .iter()
                    .filter(|f| f.status == s && checks.contains(&f.check_id))
                    .count() as u64
            };
            let (fail, pass, unknown) = (
                count(Status::Fail),
                count(Status::Pass),
                count(Status::Unknown),
            );
            let status = if checks.is_empty() {
                ControlStatus::NotCovered
            } else if fail > 0 {
                ControlStatus::Fail
            } else if unknown > 0 {
                ControlStatus::Unknown
            } else if pass > 0 {
                ControlStatus::Pass
            } else {
                ControlStatus::NotEvaluated
            };
            ControlResult {
                control: (*id).to_string(),
                title: (*ctitle).to_string(),
                status,
                checks,
                fail,
                pass,
                unknown,
            }
        })
        .collect();
    Some(ComplianceView {
        framework: prefix.to_string(),
        title: (*title).to_string(),
        controls,
    })
}

#[cfg(test)]
mod view_tests {
    use eksposture_model::{CheckKind, ControlStatus, Finding, ResourceRef, Severity, Status};

    fn finding(check: &str, status: Status) -> Finding {
        Finding {
            check_id: check.into(),
            title: String::new(),
            severity: Severity::High,
            kind: CheckKind::Configuration,
            status,
            message: String::new(),
            account_id: String::new(),
            resource: ResourceRef::new("AwsEksCluster", "arn:x", "us-east-1"),
            evidence: vec![],
            remediation: String::new(),
            compliance: vec![],
            suppressed: None,
        }
    }

    fn status_of(findings: &[Finding], control: &str) -> ControlStatus {
        super::view("cis-eks", findings)
            .unwrap()
            .controls
            .into_iter()
            .find(|c| c.control == control)
            .unwrap()
            .status
    }

    #[test]
    fn a_failing_mapped_check_fails_the_control() {
        let f = [
            finding("eks-endpoint-not-open-to-world", Status::Fail),
            finding("eks-endpoint-not-open-to-world", Status::Pass),
        ];
        assert_eq!(status_of(&f, "5.4.1"), ControlStatus::Fail);
    }

    #[test]
    fn unknown_wins_over_pass_and_no_findings_is_not_evaluated() {
        let f = [
            finding("eks-endpoint-not-open-to-world", Status::Unknown),
            finding("eks-endpoint-not-open-to-world", Status::Pass),
        ];
        assert_eq!(status_of(&f, "5.4.1"), ControlStatus::Unknown);
        assert_eq!(status_of(&[], "5.4.1"), ControlStatus::NotEvaluated);
    }

    #[test]
    fn uncovered_controls_are_manual_and_unknown_frameworks_are_none() {
        assert_eq!(status_of(&[], "3.1.1"), ControlStatus::NotCovered);
        assert!(super::view("sox", &[]).is_none());
        assert!(super::view("PCI-DSS-4.0", &[]).is_some());
    }
}
