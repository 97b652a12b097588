//! Alert-name fallback: weak findings from the alert's name when the cluster shows nothing.
use super::Ctx;
use crate::alert::Alert;
use crate::report::Category;

/// When the cluster shows nothing, the alert's own name is weak evidence.
pub(super) fn alert_fallback(cx: &mut Ctx<'_>, a: &Alert) {
    let name = a.name().to_string();
    let table: &[(&[&str], Category)] = &[
        (
            &[
                "KubeNodeNotReady",
                "KubeNodeUnreachable",
                "NodeFilesystem",
                "NodeMemory",
                "KubeletDown",
            ],
            Category::NodeFailure,
        ),
        (
            &["KubeJobFailed", "KubeJobNotCompleted"],
            Category::JobFailure,
        ),
        (
            &[
                "CPUThrottlingHigh",
                "KubeCPUOvercommit",
                "KubeMemoryOvercommit",
                "KubeHpaMaxedOut",
            ],
            Category::ResourceSaturation,
        ),
        (
            &[
                "KubeQuotaExceeded",
                "KubeQuotaFullyUsed",
                "KubeQuotaAlmostFull",
            ],
            Category::QuotaExceeded,
        ),
        (
            &[
                "KubeAPIDown",
                "KubeAPIErrorsHigh",
                "etcd",
                "KubeSchedulerDown",
                "KubeControllerManagerDown",
            ],
            Category::ControlPlane,
        ),
        (
            &[
                "KubeClientCertificateExpiration",
                "CertificateExpir",
                "X509",
                "SSLCert",
            ],
            Category::CertificateExpiry,
        ),
        (&["KubePersistentVolume"], Category::Storage),
        (
            &[
                "KubeDeploymentRolloutStuck",
                "KubeDeploymentReplicasMismatch",
                "KubeStatefulSetUpdateNotRolledOut",
                "KubeDaemonSetRolloutStuck",
            ],
            Category::RolloutStuck,
        ),
        (&["KubePodCrashLooping"], Category::CrashAppError),
        (&["KubePodNotReady"], Category::ProbeFailure),
        (&["CoreDNS", "DNS"], Category::NetworkDns),
    ];
    for (prefixes, category) in table {
        if prefixes
            .iter()
            .any(|p| name.starts_with(p) || name.contains(p))
        {
            cx.add(*category, format!("Alert/{name}"), format!("Only the alert name {name} points at this category; the cluster evidence did not confirm it."), Vec::new(), 0.35);
            return;
        }
    }
}
