//! Pulling the specifics out of evidence text (event messages, log lines) so findings can name
//! them: the missing object, the quota and field, the scheduler's reasons, the unreachable host.
//! Pure string work on already-redacted evidence; nothing here reads a source.

/// Most characters of one piece of evidence repeated in a conclusion (the evidence list keeps
/// the whole quote).
pub(crate) const LINE_CHARS: usize = 160;

/// `text` on one line, whitespace collapsed, at most `max` characters (an ellipsis marks a cut).
pub(crate) fn clip(text: &str, max: usize) -> String {
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= max {
        return t;
    }
    let cut: String = t.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// The end of a long `a: b: c` error chain: whole trailing `: `-segments fitting in `max`
/// characters (the cause of a wrapped Go/containerd error is at its end).
pub(crate) fn clip_tail(text: &str, max: usize) -> String {
    let t = clip(text, usize::MAX);
    if t.chars().count() <= max {
        return t;
    }
    let mut start = None;
    for (i, _) in t.match_indices(": ") {
        let rest = &t[i + 2..];
        if rest.chars().count() <= max {
            start = Some(i + 2);
            break;
        }
    }
    match start {
        Some(i) => format!("…{}", &t[i..]),
        None => clip(&t, max),
    }
}

/// A log line without its leading timestamp (RFC 3339, `date time`, or a klog header
/// `E0302 10:11:59.9 1 file.go:12]`), which only takes room.
pub(crate) fn strip_timestamp(line: &str) -> &str {
    let t = line.trim();
    let b = t.as_bytes();
    if b.len() > 6
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b' '
        && let Some(end) = t.find("] ")
        && end < 80
    {
        return t[end + 2..].trim_start();
    }
    let looks_like_date = |w: &str| {
        let b = w.as_bytes();
        b.len() >= 10
            && b[..4].iter().all(u8::is_ascii_digit)
            && matches!(b[4], b'-' | b'/')
            && b[7] == b[4]
            && b[5..7].iter().all(u8::is_ascii_digit)
    };
    let Some((first, rest)) = t.split_once(char::is_whitespace) else {
        return t;
    };
    if !looks_like_date(first) {
        return t;
    }
    let rest = rest.trim_start();
    // `2026-03-02 10:11:58,123 ERROR ...`: the time is a second word.
    if first.len() == 10
        && let Some((second, after)) = rest.split_once(char::is_whitespace)
        && second.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && second.contains(':')
    {
        return after.trim_start();
    }
    rest
}

/// A log line as a conclusion quotes it: timestamp dropped, one line, clipped.
pub(crate) fn log_line(line: &str) -> String {
    clip(strip_timestamp(line), LINE_CHARS)
}

/// The scheduler's reasons in a FailedScheduling message, without the counts header and the
/// preemption tail: `0/3 nodes are available: 3 Insufficient cpu. preemption: ...` →
/// `3 Insufficient cpu`.
pub(crate) fn scheduler_reasons(msg: &str) -> String {
    let body = msg
        .split_once("are available: ")
        .map(|(_, r)| r)
        .unwrap_or(msg);
    let body = body.split(" preemption:").next().unwrap_or(body);
    clip(body.trim().trim_end_matches('.'), LINE_CHARS)
}

/// Taints named in a FailedScheduling message (`had untolerated taint {k: v}`).
pub(crate) fn taints(msg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = msg;
    while let Some(i) = rest.find("taint {") {
        let after = &rest[i + "taint ".len()..];
        let Some(end) = after.find('}') else { break };
        let t = after[..=end].to_string();
        if !out.contains(&t) {
            out.push(t);
        }
        rest = &after[end..];
    }
    out
}

/// A referenced object that does not exist, as kubelet messages name it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MissingRef {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    pub name: String,
    /// Set when the object exists but lacks this key.
    pub key: Option<String>,
}

/// `configmap "app-config" not found`, `secret "x" not found`, `couldn't find key K in
/// Secret ns/name` (kubelet's FailedMount and CreateContainerConfigError wording).
pub(crate) fn missing_ref(msg: &str) -> Option<MissingRef> {
    let low = msg.to_ascii_lowercase();
    if let Some(i) = low.find("couldn't find key ") {
        let rest = &msg[i + "couldn't find key ".len()..];
        let (key, rest) = rest.split_once(" in ")?;
        let (kind_word, obj) = rest.trim().split_once(' ')?;
        let kind = match kind_word.to_ascii_lowercase().as_str() {
            "configmap" => "ConfigMap",
            "secret" => "Secret",
            _ => return None,
        };
        let obj = obj.split_whitespace().next()?.trim_end_matches(['.', ',']);
        let name = obj.rsplit('/').next().unwrap_or(obj);
        return Some(MissingRef {
            kind,
            name: name.to_string(),
            key: Some(key.trim().to_string()),
        });
    }
    for (needle, kind) in [
        ("configmap \"", "ConfigMap"),
        ("configmaps \"", "ConfigMap"),
        ("secret \"", "Secret"),
        ("secrets \"", "Secret"),
    ] {
        if let Some(i) = low.find(needle) {
            let rest = &msg[i + needle.len()..];
            let end = rest.find('"')?;
            if low[i + needle.len() + end..].contains("not found") {
                return Some(MissingRef {
                    kind,
                    name: rest[..end].to_string(),
                    key: None,
                });
            }
        }
    }
    None
}

/// The volume a `MountVolume.SetUp failed for volume "v"` message names.
pub(crate) fn volume_of(msg: &str) -> Option<&str> {
    let i = msg.find("for volume \"")?;
    let rest = &msg[i + "for volume \"".len()..];
    rest.split('"').next().filter(|v| !v.is_empty())
}

/// What a ResourceQuota admission message says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum QuotaDenial {
    /// `exceeded quota: q, requested: requests.memory=1Gi, used: ..., limited: ...`
    Exceeded {
        quota: String,
        requested: String,
        used: String,
        limited: String,
    },
    /// `failed quota: q: must specify limits.cpu for: app` — the quota covers a resource the
    /// pod does not declare.
    MustSpecify {
        quota: String,
        resources: String,
        containers: String,
    },
}

pub(crate) fn quota_denial(msg: &str) -> Option<QuotaDenial> {
    if let Some(i) = msg.find("exceeded quota: ") {
        let rest = &msg[i + "exceeded quota: ".len()..];
        let field = |name: &str| -> String {
            rest.split_once(&format!("{name}: "))
                .map(|(_, r)| {
                    // The value runs to the next `, word:` field (values hold commas too).
                    let mut end = r.len();
                    for next in [", requested: ", ", used: ", ", limited: "] {
                        if let Some(j) = r.find(next) {
                            end = end.min(j);
                        }
                    }
                    r[..end].trim().to_string()
                })
                .unwrap_or_default()
        };
        let quota = rest.split([',', ':']).next()?.trim().to_string();
        return Some(QuotaDenial::Exceeded {
            quota,
            requested: field("requested"),
            used: field("used"),
            limited: field("limited"),
        });
    }
    if let Some(i) = msg.find("failed quota: ") {
        let rest = &msg[i + "failed quota: ".len()..];
        let (quota, rest) = rest.split_once(':')?;
        let rest = rest.trim();
        let rest = rest.strip_prefix("must specify ")?;
        let (resources, containers) = rest.split_once(" for: ").unwrap_or((rest, ""));
        return Some(QuotaDenial::MustSpecify {
            quota: quota.trim().to_string(),
            resources: resources.trim().to_string(),
            containers: containers.trim().trim_end_matches('.').to_string(),
        });
    }
    None
}

/// The resource names of `requests.memory=1Gi,limits.cpu=2` (`requests.memory, limits.cpu`).
pub(crate) fn quota_resources(requested: &str) -> String {
    requested
        .split(',')
        .filter_map(|p| p.split('=').next())
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The host (or host:port) a network error line is about: `lookup H on`, `dial tcp H:`,
/// `ENOTFOUND H`, `resolve host: H`, `connect to H`.
/// The well-known server behind a `host:port` target's port (what a bare IP cannot say).
pub(crate) fn port_service(target: &str) -> Option<&'static str> {
    let port: u16 = target.rsplit(':').next()?.parse().ok()?;
    Some(match port {
        5432 => "PostgreSQL",
        6379 => "Redis",
        3306 => "MySQL",
        27017 => "MongoDB",
        9092 => "Kafka",
        5672 => "RabbitMQ",
        9200 => "Elasticsearch",
        2181 => "ZooKeeper",
        11211 => "memcached",
        2379 => "etcd",
        4222 => "NATS",
        _ => return None,
    })
}

pub(crate) fn network_target(line: &str) -> Option<String> {
    let low = line.to_ascii_lowercase();
    let patterns = [
        "lookup ",
        "dial tcp ",
        "dial udp ",
        "enotfound ",
        "econnrefused ",
        "resolve host: ",
        "resolve host ",
        "connect to ",
        "connecting to ",
        "unknown host ",
        "unknownhostexception: ",
    ];
    for p in patterns {
        let Some(i) = low.find(p) else { continue };
        let word = line[i + p.len()..]
            .split(|c: char| {
                c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ',' | ';' | '(' | ')')
            })
            .next()
            .unwrap_or("")
            .trim_end_matches(':')
            .trim_end_matches('.');
        if !word.is_empty() && word.contains(['.', ':']) {
            return Some(word.to_string());
        }
    }
    None
}

/// What an exit code above 128 says: the signal that killed the process.
pub(crate) fn signal_of(exit_code: i64) -> Option<&'static str> {
    Some(match exit_code - 128 {
        1 => "SIGHUP",
        2 => "SIGINT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV (segmentation fault)",
        15 => "SIGTERM",
        _ => return None,
    })
}

/// The key phrase of an image pull failure, if it has a well-known one.
pub(crate) fn pull_failure(msg: &str) -> Option<&'static str> {
    let low = msg.to_ascii_lowercase();
    [
        (
            "manifest unknown",
            "manifest unknown: the tag does not exist",
        ),
        ("not found", "not found: the image or tag does not exist"),
        ("pull access denied", "pull access denied"),
        ("401", "401 Unauthorized: the registry needs credentials"),
        (
            "unauthorized",
            "unauthorized: the registry needs credentials",
        ),
        ("403", "403 Forbidden: the credentials lack access"),
        ("forbidden", "forbidden: the credentials lack access"),
        ("toomanyrequests", "rate-limited by the registry"),
        ("no such host", "the registry's host name does not resolve"),
        (
            "i/o timeout",
            "the registry cannot be reached (i/o timeout)",
        ),
        ("x509", "the registry's TLS certificate is not trusted"),
    ]
    .iter()
    .find(|(needle, _)| low.contains(needle))
    .map(|(_, what)| *what)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Evidence text is arbitrary (logs, events from any cluster): parsing never panics and
        /// clipped text stays within its bound.
        #[test]
        fn parsers_take_any_text(text in "(?s).{0,400}", prefix in "(configmap \"|secret \"|couldn't find key |exceeded quota: |failed quota: |lookup |taint \\{|E0302 |2026-03-02 |for volume \")?") {
            let text = format!("{prefix}{text}");
            proptest::prop_assert!(clip(&text, LINE_CHARS).chars().count() <= LINE_CHARS);
            proptest::prop_assert!(clip_tail(&text, LINE_CHARS).chars().count() <= LINE_CHARS + 1);
            let _ = log_line(&text);
            let _ = scheduler_reasons(&text);
            let _ = taints(&text);
            let _ = missing_ref(&text);
            let _ = volume_of(&text);
            let _ = quota_denial(&text).map(|q| quota_resources(&format!("{q:?}")));
            let _ = network_target(&text);
            let _ = pull_failure(&text);
        }
    }

    #[test]
    fn clip_keeps_short_lines_and_marks_cuts() {
        assert_eq!(clip("  a   b\n c ", 20), "a b c");
        let long = "x".repeat(200);
        let c = clip(&long, 160);
        assert_eq!(c.chars().count(), 160);
        assert!(c.ends_with('…'));
    }

    #[test]
    fn clip_tail_keeps_the_end_of_an_error_chain() {
        let msg = format!(
            "Failed to pull image \"r/x:1\": rpc error: code = NotFound desc = {}: r/x:1: not found",
            "y".repeat(150)
        );
        let t = clip_tail(&msg, 60);
        assert!(t.ends_with("r/x:1: not found"), "{t}");
        assert!(t.chars().count() <= 61);
    }

    #[test]
    fn timestamps_are_dropped_from_log_lines() {
        assert_eq!(
            strip_timestamp("2026-03-02T10:11:58Z ERROR config: invalid"),
            "ERROR config: invalid"
        );
        assert_eq!(
            strip_timestamp("2026-03-02 10:11:58,123 ERROR boom"),
            "ERROR boom"
        );
        assert_eq!(
            strip_timestamp("/bin/sh: syntax error: unexpected \"fi\""),
            "/bin/sh: syntax error: unexpected \"fi\""
        );
        assert_eq!(strip_timestamp("level=error msg=x"), "level=error msg=x");
        assert_eq!(
            strip_timestamp("2026/03/02 10:11:57 sync failed: x509"),
            "sync failed: x509"
        );
        assert_eq!(
            strip_timestamp("F0302 10:11:59.9 instance.go:226] Error creating leases"),
            "Error creating leases"
        );
        assert_eq!(strip_timestamp("Error: boom"), "Error: boom");
    }

    #[test]
    fn scheduler_reasons_drop_header_and_preemption() {
        let m = "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
        assert_eq!(
            scheduler_reasons(m),
            "3 Insufficient cpu, 3 Insufficient memory"
        );
        let t = "0/2 nodes are available: 2 node(s) had untolerated taint {nvidia.com/gpu: present}. preemption: x";
        assert_eq!(taints(t), vec!["{nvidia.com/gpu: present}".to_string()]);
    }

    #[test]
    fn missing_refs_from_kubelet_messages() {
        let m = "MountVolume.SetUp failed for volume \"config-volume\" : configmap \"app-config\" not found";
        assert_eq!(
            missing_ref(m),
            Some(MissingRef {
                kind: "ConfigMap",
                name: "app-config".into(),
                key: None
            })
        );
        assert_eq!(volume_of(m), Some("config-volume"));
        assert_eq!(
            missing_ref("Error: couldn't find key password in Secret auth/keycloak-db"),
            Some(MissingRef {
                kind: "Secret",
                name: "keycloak-db".into(),
                key: Some("password".into())
            })
        );
        assert_eq!(
            missing_ref("secret \"tls\" not found").map(|r| r.kind),
            Some("Secret")
        );
        assert_eq!(missing_ref("configmap \"x\" is being deleted"), None);
        assert_eq!(
            missing_ref("configmaps \"flags\" not found").map(|r| r.name),
            Some("flags".to_string())
        );
    }

    #[test]
    fn quota_messages_are_parsed() {
        let m = "pods \"r-1\" is forbidden: exceeded quota: team-a-quota, requested: requests.memory=1Gi, used: requests.memory=3584Mi, limited: requests.memory=4Gi";
        assert_eq!(
            quota_denial(m),
            Some(QuotaDenial::Exceeded {
                quota: "team-a-quota".into(),
                requested: "requests.memory=1Gi".into(),
                used: "requests.memory=3584Mi".into(),
                limited: "requests.memory=4Gi".into(),
            })
        );
        assert_eq!(
            quota_resources("requests.memory=1Gi,limits.cpu=2"),
            "requests.memory, limits.cpu"
        );
        let m = "Error creating: pods \"a-q\" is forbidden: failed quota: compute-quota: must specify limits.cpu for: api-server";
        assert_eq!(
            quota_denial(m),
            Some(QuotaDenial::MustSpecify {
                quota: "compute-quota".into(),
                resources: "limits.cpu".into(),
                containers: "api-server".into(),
            })
        );
        assert_eq!(quota_denial("something else"), None);
    }

    #[test]
    fn network_targets_and_signals() {
        assert_eq!(
            network_target(
                "panic: dial tcp: lookup smtp.mail.internal on 10.96.0.10:53: no such host"
            )
            .as_deref(),
            Some("smtp.mail.internal")
        );
        assert_eq!(
            network_target("err=\"dial tcp 10.96.14.2:5432: connect: connection refused\"")
                .as_deref(),
            Some("10.96.14.2:5432")
        );
        assert_eq!(
            network_target("curl: (6) Could not resolve host: api.example.com").as_deref(),
            Some("api.example.com")
        );
        assert_eq!(network_target("connection refused"), None);
        assert_eq!(signal_of(139), Some("SIGSEGV (segmentation fault)"));
        assert_eq!(signal_of(1), None);
        assert_eq!(
            pull_failure("failed to resolve reference \"r/x:1\": r/x:1: not found"),
            Some("not found: the image or tag does not exist")
        );
    }
}
