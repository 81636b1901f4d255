//! Reading one EKS cluster's Kubernetes half: connect through a matching
//! kubeconfig context, else with an EKS token made from the scan's own
//! credentials; then every kind and, where the authentication mode honours
//! it, the aws-auth ConfigMap.

use std::sync::Arc;

use aws_credential_types::provider::SharedCredentialsProvider;
use eksposture_model::{AwsAuth, Gap, GapReason, Kubernetes, Observed};

use crate::connect::{client, client_from, Bearer, Endpoint};
use crate::kubeconfig::Contexts;
use crate::read::{Auth, EksTokens, Reader};

/// What DescribeCluster said about the cluster.
pub struct EksCluster<'a> {
    pub arn: &'a str,
    pub name: &'a str,
    pub region: &'a str,
    pub endpoint: Option<&'a str>,
    /// `certificateAuthority.data`: base64 of the PEM bundle.
    pub certificate_authority: Option<&'a str>,
    /// Whether the aws-auth ConfigMap is read (the mode honours it).
    pub read_aws_auth: bool,
}

/// How the scan reaches its clusters.
#[derive(Clone)]
pub struct Access {
    /// The credentials the account is scanned with (the assumed member role
    /// in an organization scan).
    pub credentials: SharedCredentialsProvider,
    /// Where tokens are signed for: `None` is the regional STS endpoint.
    pub sts_endpoint: Option<String>,
    /// The scanning principal's IAM ARN, for the grant hint.
    pub principal: String,
    pub contexts: Option<Arc<Contexts>>,
}

/// The cluster's half and, when asked for, its aws-auth mappings.
pub struct ClusterRead {
    pub kubernetes: Observed<Kubernetes>,
    pub aws_auth: Option<Observed<AwsAuth>>,
}

/// A reader for the cluster and how it authenticates (`eks-token` or
/// `kubeconfig:<context>`).
async fn connect(c: &EksCluster<'_>, access: &Access) -> Result<(Reader, String), Gap> {
    let gap =
        |message: String| Gap::new("kubernetes", c.region, "connect", GapReason::Error, message);
    let context = access
        .contexts
        .as_ref()
        .and_then(|k| k.find(c.arn, c.endpoint).map(|name| (k, name.to_string())));
    if let Some((contexts, name)) = context {
        let config = contexts
            .config(&name)
            .await
            .map_err(|e| gap(e.to_string()))?;
        let client = client_from(config, None).map_err(|e| gap(e.to_string()))?;
        return Ok((
            Reader::new(client, Auth::Kubeconfig, c.region, c.name),
            format!("kubeconfig:{name}"),
        ));
    }
    let (Some(url), Some(ca)) = (c.endpoint, c.certificate_authority) else {
        return Err(gap(format!(
            "DescribeCluster returned no endpoint or certificate authority for cluster {} (is it still creating?)",
            c.name
        )));
    };
    let endpoint = Endpoint::from_eks(url, ca).map_err(|e| gap(e.to_string()))?;
    let bearer = Bearer::default();
    let client = client(&endpoint, &bearer).map_err(|e| gap(e.to_string()))?;
    let sts = access
        .sts_endpoint
        .clone()
        .unwrap_or_else(|| crate::token::sts_endpoint(c.region));
    let tokens = EksTokens::new(access.credentials.clone(), c.region, &sts, c.name, bearer);
    Ok((
        Reader::new(client, Auth::Eks(tokens), c.region, c.name),
        "eks-token".to_string(),
    ))
}

pub async fn read_cluster(c: &EksCluster<'_>, access: &Access) -> ClusterRead {
    let (reader, connection) = match connect(c, access).await {
        Ok(r) => r,
        Err(gap) => {
            return ClusterRead {
                aws_auth: c.read_aws_auth.then(|| Observed::Unknown(gap.clone())),
                kubernetes: Observed::Unknown(gap),
            }
        }
    };
    // Boxed: the read of every kind is a large future.
    let kubernetes = Box::pin(crate::cluster::read(
        &reader,
        &connection,
        &access.principal,
    ))
    .await;
    let aws_auth = if !c.read_aws_auth {
        None
    } else if let Observed::Unknown(gap) = &kubernetes {
        Some(Observed::Unknown(gap.clone()))
    } else {
        Some(crate::aws_auth::read(&reader).await.into())
    };
    ClusterRead {
        kubernetes,
        aws_auth,
    }
}
