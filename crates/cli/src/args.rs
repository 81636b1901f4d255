//! The command line.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
pub use eksposture_audit::Format;

/// Read-only security posture scanner for AWS accounts that run Amazon EKS.
#[derive(Debug, Parser)]
#[command(name = "eksposture", version, propagate_version = true)]
#[command(
    after_help = "Exit codes (audit): 0 no failures at or above --fail-on and the scan is complete; \
3 failures at or above --fail-on (with --fail-on-new: new failures since --baseline); \
4 no such failures but some reads failed; 5 the scan finished but --security-hub could not \
deliver every finding (takes precedence over 3 and 4); 2 usage error; 1 nothing could be scanned. \
(diff): 0, or 3 when a new failure is at or above --fail-on; 2 for unreadable reports."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan an account (or a saved inventory) and report the findings.
    Audit(Box<AuditArgs>),
    /// Read an account and save its inventory for `audit --inventory`.
    Collect(CollectArgs),
    /// List the checks.
    Checks(ChecksArgs),
    /// Compare two reports (`audit --output json`) of one account: new,
    /// resolved, gone and now-unknown failures.
    Diff(DiffArgs),
    /// Print a check's documentation.
    Explain {
        /// A check id, as listed by `eksposture checks`.
        id: String,
    },
    /// Print the least-privilege IAM policy the scanner needs (JSON).
    Permissions(PermissionsArgs),
    /// Run as an AWS Lambda function (also when started by the Lambda
    /// runtime with no arguments); configured by EKSPOSTURE_* variables.
    #[command(hide = true)]
    Lambda,
}

#[derive(Debug, Args)]
pub struct PermissionsArgs {
    /// Add what `audit --security-hub` needs.
    #[arg(long)]
    pub security_hub: bool,
    /// Print the read-only ClusterRole and binding each cluster needs (YAML
    /// for `kubectl apply -f -`) and the access-entry command that puts the
    /// scanner's role in their group, instead of the IAM policy.
    #[arg(long, conflicts_with_all = ["security_hub", "role_name"])]
    pub kubernetes: bool,
    /// Print the policy of the identity that scans other accounts through
    /// this role (sts:AssumeRole), instead of the read policy the role
    /// itself needs.
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// With --role-name: add organizations:ListAccounts (for --organization).
    #[arg(long, requires = "role_name")]
    pub organization: bool,
    /// With --role-name: add s3:PutObject on this bucket (the Lambda's report sink).
    #[arg(long, value_name = "BUCKET", requires = "role_name")]
    pub s3_bucket: Option<String>,
    /// Partition of the ARNs in the policy.
    #[arg(long, value_name = "PARTITION", default_value = "aws")]
    pub partition: String,
}

/// How to reach AWS.
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// Named profile from the AWS config files (default: AWS_PROFILE or `default`).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Region to scan; repeat or separate with commas (default: AWS_REGION or the profile's region).
    #[arg(long = "region", value_name = "REGION", value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Send every AWS call to this endpoint (moto, LocalStack); AWS_ENDPOINT_URL works too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Attempts per API call, with adaptive backoff on throttling.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Limit on one attempt of one API call, in seconds; a call that hangs
    /// is cut off, retried, and at the end becomes a gap.
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0, value_parser = parse_timeout)]
    pub attempt_timeout: f64,
    /// Scan every region enabled for the account (EC2 DescribeRegions, asked
    /// in the profile's region or us-east-1).
    #[arg(long, conflicts_with = "regions")]
    pub all_regions: bool,
    /// Do not read the clusters' own Kubernetes API: the Kubernetes checks
    /// are skipped (listed as skipped in the report), no gap is added.
    #[arg(
        long,
        env = "EKSPOSTURE_NO_KUBERNETES",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub no_kubernetes: bool,
    /// Reach clusters through this kubeconfig's contexts (named by the
    /// cluster ARN, as `aws eks update-kubeconfig` writes them, or with the
    /// cluster's endpoint as server); KUBECONFIG works too. A cluster no
    /// context matches is read with an EKS token made from the AWS
    /// credentials.
    #[arg(long, value_name = "FILE", conflicts_with = "no_kubernetes")]
    pub kubeconfig: Option<std::path::PathBuf>,
}

/// Which accounts to scan, when not only the credentials' own.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// Scan these accounts (comma-separated ids) through --role-name assumed in each.
    #[arg(
        long,
        value_name = "ID,...",
        value_delimiter = ',',
        requires = "role_name"
    )]
    pub accounts: Vec<String>,
    /// Scan every active account of the AWS Organization (ListAccounts, from
    /// the management account or a delegated administrator) through --role-name.
    #[arg(long, conflicts_with = "accounts", requires = "role_name")]
    pub organization: bool,
    /// The role to assume in each account: arn:<partition>:iam::<id>:role/<NAME>.
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// sts:ExternalId to pass when assuming --role-name.
    #[arg(long, value_name = "ID", requires = "role_name")]
    pub external_id: Option<String>,
    /// Accounts scanned at the same time.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub max_parallel_accounts: u16,
}

impl AwsArgs {
    /// `--endpoint-url` must be an absolute http(s) URL with a host: the
    /// SDK's own error for anything else dumps its whole request.
    pub fn check_endpoint(&self) -> Result<(), String> {
        let Some(url) = &self.endpoint_url else {
            return Ok(());
        };
        let bad = |why: &str| {
            Err(format!(
                "--endpoint-url {url:?} {why}: use http://host:port or https://host"
            ))
        };
        let Some(rest) = url
            .trim()
            .strip_prefix("https://")
            .or_else(|| url.trim().strip_prefix("http://"))
        else {
            return bad("is not an http(s) URL");
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() || host.chars().any(char::is_whitespace) {
            return bad("has no valid host");
        }
        Ok(())
    }
}

impl AccountArgs {
    /// Whether other accounts than the credentials' own are scanned.
    pub fn is_multi(&self) -> bool {
        self.organization || !self.accounts.is_empty()
    }
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.1..=900.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds from 0.1 to 900")),
    }
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub accounts: AccountArgs,
    /// Report formats: table, json, asff, html, csv; repeat or separate with
    /// commas (several need --output-dir).
    #[arg(
        long,
        value_name = "FORMAT,...",
        value_delimiter = ',',
        default_value = "table",
        env = "EKSPOSTURE_OUTPUT",
        value_parser = format_parser()
    )]
    pub output: Vec<Format>,
    /// Write the report to this file (atomically) instead of stdout; one format only.
    #[arg(long, value_name = "FILE", conflicts_with = "output_dir")]
    pub output_file: Option<PathBuf>,
    /// Write every --output format into this directory (created if missing),
    /// as eksposture.txt, .json, .asff.json, .html, .csv.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Exit 3 when a check fails at this severity or above; `never` disables.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Low, env = "EKSPOSTURE_FAIL_ON")]
    pub fail_on: FailOn,
    /// Run only these checks (comma-separated ids; default: all).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub checks: Option<Vec<String>>,
    /// Add a per-control view of these frameworks: cis-eks, aws-fsbp,
    /// nist-800-190, pci-dss, eks-bpg (comma-separated).
    #[arg(long, value_name = "FRAMEWORK,...", value_delimiter = ',')]
    pub compliance: Vec<String>,
    /// Suppression file: TOML `[[suppress]]` entries, each with a check,
    /// optional resource and tags globs, a reason and an optional expiry
    /// (default: ./eksposture.toml when present).
    #[arg(long, value_name = "FILE")]
    pub suppressions: Option<PathBuf>,
    /// Do not read ./eksposture.toml.
    #[arg(long, conflicts_with = "suppressions")]
    pub no_suppressions: bool,
    /// Evaluate a saved inventory (from `eksposture collect`) without calling AWS.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["profile", "regions", "endpoint_url", "max_attempts", "attempt_timeout", "all_regions", "kubeconfig", "accounts", "organization", "role_name"])]
    pub inventory: Option<PathBuf>,
    /// Compare with an earlier report of the same account (`--output json`):
    /// the report gains a `diff` section and new failures are marked.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Exit 3 only for failures that are new since --baseline (at or above --fail-on).
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
    /// Import the findings into AWS Security Hub (the account's default
    /// product, in each resource's region; IAM in the first scanned region),
    /// update earlier ones and archive those whose resource is gone.
    /// Needs securityhub:BatchImportFindings and securityhub:GetFindings.
    #[arg(long, conflicts_with = "inventory")]
    pub security_hub: bool,
    /// Print to stderr what the scan sent (API requests per service and
    /// operation, retries, throttles), its gaps, the time of each phase and
    /// the peak memory.
    #[arg(long)]
    pub stats: bool,
    /// Write the same statistics as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub stats_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report (`eksposture audit --output json`).
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The later report of the same account.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// Diff format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = DiffFormat::Table)]
    pub output: DiffFormat,
    /// Exit 3 when a new failure is at this severity or above; `never` disables.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Low, env = "EKSPOSTURE_FAIL_ON")]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Where to write the inventory JSON (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Listing format (`markdown` is the full catalogue, as in docs/checks.md).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ListFormat::Table)]
    pub output: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Markdown,
}

/// `--output` takes the audit's own formats, by name (`table`, `json`,
/// `asff`, `csv`, `html`), listed in the help and in errors like a value enum.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    clap::builder::PossibleValuesParser::new(Format::ALL.map(Format::name))
        .map(|name| Format::parse(&name).unwrap_or(Format::Table))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Informational,
    Never,
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{Cli, Command, Format};

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn regions_repeat_and_split_on_commas() {
        let cli = Cli::try_parse_from([
            "eksposture",
            "audit",
            "--region",
            "us-east-1,eu-west-1",
            "--region",
            "ap-south-1",
        ])
        .unwrap();
        let Command::Audit(a) = cli.command else {
            panic!("not audit")
        };
        assert_eq!(a.aws.regions, ["us-east-1", "eu-west-1", "ap-south-1"]);
    }

    #[test]
    fn outputs_repeat_and_split_on_commas() {
        let cli = Cli::try_parse_from([
            "eksposture",
            "audit",
            "--output",
            "table,json",
            "--output",
            "csv",
        ])
        .unwrap();
        let Command::Audit(a) = cli.command else {
            panic!("not audit")
        };
        assert_eq!(a.output, [Format::Table, Format::Json, Format::Csv]);
        let Command::Audit(a) = Cli::try_parse_from(["eksposture", "audit"])
            .unwrap()
            .command
        else {
            panic!("not audit")
        };
        assert_eq!(a.output, [Format::Table]);
    }

    #[test]
    fn kubernetes_flags_parse_and_conflict() {
        let audit = |args: &[&str]| {
            let mut all = vec!["eksposture", "audit"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all).map(|c| match c.command {
                Command::Audit(a) => a,
                _ => panic!("not audit"),
            })
        };
        assert!(audit(&["--no-kubernetes"]).unwrap().aws.no_kubernetes);
        assert!(
            !audit(&[]).unwrap().aws.no_kubernetes
                || std::env::var_os("EKSPOSTURE_NO_KUBERNETES").is_some()
        );
        let k = audit(&["--kubeconfig", "k.yaml"]).unwrap();
        assert_eq!(
            k.aws.kubeconfig.as_deref(),
            Some(std::path::Path::new("k.yaml"))
        );
        assert!(audit(&["--no-kubernetes", "--kubeconfig", "k.yaml"]).is_err());
        // The environment form takes the usual boolean spellings.
        let parser = clap::builder::BoolishValueParser::new();
        let cmd = clap::Command::new("t");
        for (text, want) in [
            ("1", true),
            ("true", true),
            ("yes", true),
            ("0", false),
            ("false", false),
        ] {
            let v = clap::builder::TypedValueParser::parse_ref(
                &parser,
                &cmd,
                None,
                std::ffi::OsStr::new(text),
            )
            .unwrap();
            assert_eq!(v, want, "{text}");
        }
    }

    #[test]
    fn inventory_conflicts_with_aws_flags() {
        for flag in [
            ["--profile", "p"],
            ["--region", "us-east-1"],
            ["--endpoint-url", "http://x"],
            ["--max-attempts", "2"],
        ] {
            let r = Cli::try_parse_from([
                "eksposture",
                "audit",
                "--inventory",
                "i.json",
                flag[0],
                flag[1],
            ]);
            assert!(r.is_err(), "{flag:?}");
        }
        assert!(Cli::try_parse_from(["eksposture", "audit", "--inventory", "i.json"]).is_ok());
    }
}
