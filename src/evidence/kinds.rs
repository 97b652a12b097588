//! The Kubernetes kinds AIDA reads. This table is the single list behind the live client, the
//! bundle layout and `deploy/rbac.yaml` (a test checks that the ClusterRole grants exactly these,
//! read-only, and no Secrets).

/// One readable kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub kind: &'static str,
    pub plural: &'static str,
    /// API group; "" is the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub namespaced: bool,
    /// kubectl short names accepted by [`Kind::find`].
    pub short: &'static [&'static str],
}

const fn k(
    kind: &'static str,
    plural: &'static str,
    group: &'static str,
    version: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
) -> Kind {
    Kind {
        kind,
        plural,
        group,
        version,
        namespaced,
        short,
    }
}

/// Everything AIDA may read. Secrets are deliberately absent.
pub const KINDS: &[Kind] = &[
    k("Pod", "pods", "", "v1", true, &["po"]),
    k("Event", "events", "", "v1", true, &["ev"]),
    k("Service", "services", "", "v1", true, &["svc"]),
    k("Endpoints", "endpoints", "", "v1", true, &["ep"]),
    k("ConfigMap", "configmaps", "", "v1", true, &["cm"]),
    k(
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        "",
        "v1",
        true,
        &["pvc"],
    ),
    k(
        "ResourceQuota",
        "resourcequotas",
        "",
        "v1",
        true,
        &["quota"],
    ),
    k("LimitRange", "limitranges", "", "v1", true, &["limits"]),
    k(
        "ReplicationController",
        "replicationcontrollers",
        "",
        "v1",
        true,
        &["rc"],
    ),
    k("Node", "nodes", "", "v1", false, &["no"]),
    k(
        "PersistentVolume",
        "persistentvolumes",
        "",
        "v1",
        false,
        &["pv"],
    ),
    k("Namespace", "namespaces", "", "v1", false, &["ns"]),
    k("Deployment", "deployments", "apps", "v1", true, &["deploy"]),
    k("ReplicaSet", "replicasets", "apps", "v1", true, &["rs"]),
    k("StatefulSet", "statefulsets", "apps", "v1", true, &["sts"]),
    k("DaemonSet", "daemonsets", "apps", "v1", true, &["ds"]),
    k("Job", "jobs", "batch", "v1", true, &[]),
    k("CronJob", "cronjobs", "batch", "v1", true, &["cj"]),
    k(
        "StorageClass",
        "storageclasses",
        "storage.k8s.io",
        "v1",
        false,
        &["sc"],
    ),
    k(
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        "autoscaling",
        "v2",
        true,
        &["hpa"],
    ),
];

/// The one subresource read: `pods/log`.
pub const LOG_SUBRESOURCE: &str = "pods/log";

impl Kind {
    /// Looks a kind up by Kind, plural, singular or short name, case-insensitively.
    /// Secrets are refused with their own error.
    pub fn find(name: &str) -> super::Result<&'static Kind> {
        let lower = name.trim().to_ascii_lowercase();
        if matches!(lower.as_str(), "secret" | "secrets") {
            return Err(super::EvidenceError::SecretsForbidden);
        }
        KINDS
            .iter()
            .find(|k| {
                k.kind.eq_ignore_ascii_case(&lower)
                    || k.plural == lower
                    || k.short.contains(&lower.as_str())
            })
            .ok_or_else(|| super::EvidenceError::UnknownKind(name.to_string()))
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The REST collection path, e.g. `/apis/apps/v1/namespaces/ns/deployments`.
    pub fn collection_path(&self, namespace: Option<&str>) -> String {
        let root = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{root}/namespaces/{ns}/{}", self.plural),
            _ => format!("{root}/{}", self.plural),
        }
    }

    pub fn pod() -> &'static Kind {
        &KINDS[0]
    }
    pub fn event() -> &'static Kind {
        &KINDS[1]
    }
}
