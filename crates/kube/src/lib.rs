//! The cluster's own half: reads an EKS cluster's Kubernetes API, read-only,
//! into the inventory. The only crate that names kube-rs.

pub mod aws_auth;
pub mod cluster;
pub mod connect;
pub mod eks;
pub mod kinds;
pub mod kubeconfig;
pub mod map;
pub mod read;
pub mod requests;
pub mod token;
