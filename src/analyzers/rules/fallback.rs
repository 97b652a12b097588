//! Alert-name fallback: weak findings from the alert's name when the cluster shows nothing.
use super::Ctx;
use crate::alert::Alert;

/// When the cluster shows nothing, the alert's own name is weak evidence.
pub(super) fn alert_fallback(cx: &mut Ctx<'_>, a: &Alert) {
    let name = a.name().to_string();
    let table: &[(&[&str], &'static str)] = &[
        (
            &[
                "KubeNodeNotReady",
                "KubeNodeUnreachable",
                "NodeFilesystem",
                "NodeMemory",
                "KubeletDown",
            ],
            "node_failure",
        ),
        (&["KubeJobFailed", "KubeJobNotCompleted"], "job_failure"),
        (
            &[
                "CPUThrottlingHigh",
                "KubeCPUOvercommit",
                "KubeMemoryOvercommit",
                "KubeHpaMaxedOut",
            ],
            "resource_saturation",
        ),
        (
            &[
                "KubeQuotaExceeded",
                "KubeQuotaFullyUsed",
                "KubeQuotaAlmostFull",
            ],
            "quota_exceeded",
        ),
        (
            &[
                "KubeAPIDown",
                "KubeAPIErrorsHigh",
                "etcd",
                "KubeSchedulerDown",
                "KubeControllerManagerDown",
            ],
            "control_plane",
        ),
        (
            &[
                "KubeClientCertificateExpiration",
                "CertificateExpir",
                "X509",
                "SSLCert",
            ],
            "certificate_expiry",
        ),
        (&["KubePersistentVolume"], "storage"),
        (
            &[
                "KubeDeploymentRolloutStuck",
                "KubeDeploymentReplicasMismatch",
                "KubeStatefulSetUpdateNotRolledOut",
                "KubeDaemonSetRolloutStuck",
            ],
            "rollout_stuck",
        ),
        (&["KubePodCrashLooping"], "crash_app_error"),
        (&["KubePodNotReady"], "probe_failure"),
        (&["CoreDNS", "DNS"], "network_dns"),
    ];
    for (prefixes, category) in table {
        if prefixes
            .iter()
            .any(|p| name.starts_with(p) || name.contains(p))
        {
            cx.add(category, format!("Alert/{name}"), format!("Only the alert name {name} points at this category; the cluster evidence did not confirm it."), Vec::new(), 0.35);
            return;
        }
    }
}
