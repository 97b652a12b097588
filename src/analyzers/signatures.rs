//! Log signatures: what a runtime prints when a known mechanism stops it, mapped to the
//! mechanism's category. One table for every rule that reads logs; docs/MECHANISMS.md lists it
//! (a test keeps the two in step).
//!
//! Patterns are case-insensitive regular expressions matched on word boundaries (`\b` is added
//! where a pattern starts or ends with a word character), so `denied` does not match
//! `undenied` and `ENOSPC` does not match `ENOSPCX`. The table is in priority order: when a
//! log holds lines of several signatures, the first row's mechanism explains the others (a
//! certificate error makes the connection fail; a full disk makes the write fail).
use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};

use crate::report::Category;

/// One row: a runtime's message and the mechanism it means.
#[derive(Debug)]
pub(crate) struct Signature {
    /// Who prints it (`JVM`, `Go`, `glibc/musl`, `PostgreSQL` ...); the docs table shows it.
    #[allow(dead_code)]
    pub runtime: &'static str,
    /// Regular expression (case-insensitive, word-bounded).
    pub pattern: &'static str,
    pub category: Category,
    /// What it means, as a finding says it.
    pub meaning: &'static str,
    /// A real line of that runtime that the pattern matches (tested).
    #[allow(dead_code)]
    pub example: &'static str,
}

const fn sig(
    runtime: &'static str,
    pattern: &'static str,
    category: Category,
    meaning: &'static str,
    example: &'static str,
) -> Signature {
    Signature {
        runtime,
        pattern,
        category,
        meaning,
        example,
    }
}

use Category::{
    CertificateExpiry as Cert, ConfigMissing as Config, ControlPlane as Cp, CrashAppError as App,
    DependencyFailure as Dep, NetworkDns as Dns, OomKilled as Oom, Storage,
};

const TLS: &str = "TLS certificate problem";
const DNS: &str = "DNS resolution failure";
const DISK: &str = "the disk or volume it writes to is full or read-only";
const MEM: &str = "the process ran out of memory";
const CONF: &str = "required configuration is missing";
const DEP: &str = "a dependency is unreachable";
const BUG: &str = "the application crashes on a bug";
const ETCD_FULL: &str =
    "etcd is out of space (its backend quota): every write to the cluster fails";
const ETCD_SLOW: &str = "etcd is slow or without a leader: the API server's requests time out";
const LEASE: &str =
    "a control-plane component lost its leader lease: the API server is slow or unreachable";

pub(crate) const SIGNATURES: &[Signature] = &[
    // Certificates: expired, not yet valid, untrusted.
    sig(
        "Go",
        r"x509: certificate has expired",
        Cert,
        TLS,
        "Get \"https://api.partner.example/v1\": x509: certificate has expired or is not yet valid: current time 2026-03-02T10:00:00Z is after 2026-03-01T00:00:00Z",
    ),
    sig(
        "Go",
        r"x509: certificate signed by unknown authority",
        Cert,
        TLS,
        "tls: failed to verify certificate: x509: certificate signed by unknown authority",
    ),
    sig(
        "Go",
        r"tls: failed to verify certificate",
        Cert,
        TLS,
        "remote error: tls: failed to verify certificate: x509: certificate is valid for a.example, not b.example",
    ),
    sig(
        "OpenSSL",
        r"certificate verify failed",
        Cert,
        TLS,
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)",
    ),
    sig(
        "Node.js",
        r"CERT_HAS_EXPIRED",
        Cert,
        TLS,
        "Error: certificate has expired\n    code: 'CERT_HAS_EXPIRED'",
    ),
    sig(
        "JVM",
        r"PKIX path validation failed",
        Cert,
        TLS,
        "javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",
    ),
    sig(
        "JVM",
        r"CertificateExpiredException",
        Cert,
        TLS,
        "Caused by: java.security.cert.CertificateExpiredException: NotAfter: Sun Mar 01 00:00:00 UTC 2026",
    ),
    sig(
        "curl",
        r"SSL certificate problem",
        Cert,
        TLS,
        "curl: (60) SSL certificate problem: certificate has expired",
    ),
    sig(
        "any",
        r"certificate (has|is) expired",
        Cert,
        TLS,
        "upstream handshake failed: certificate has expired",
    ),
    // TLS alerts from the peer: it refused this side's certificate (an mTLS client
    // certificate that expired or that the peer does not trust).
    sig(
        "JVM",
        r"Received fatal alert: (certificate_expired|bad_certificate|certificate_unknown)",
        Cert,
        TLS,
        "Caused by: javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_expired",
    ),
    sig(
        "Go",
        r"remote error: tls: (expired certificate|bad certificate)",
        Cert,
        TLS,
        "kafka: client has run out of available brokers to talk to: remote error: tls: expired certificate",
    ),
    sig(
        "OpenSSL",
        r"(sslv3|tlsv1) alert (certificate expired|bad certificate)",
        Cert,
        TLS,
        "SSL routines:ssl3_read_bytes:sslv3 alert certificate expired:../ssl/record/rec_layer_s3.c:1562:SSL alert number 45",
    ),
    // The control plane: etcd out of space or too slow, components losing their leases. Any
    // client of the API server may print these, not only the control plane's own pods.
    sig(
        "etcd",
        r"database space exceeded",
        Cp,
        ETCD_FULL,
        "etcdserver: mvcc: database space exceeded",
    ),
    sig(
        "etcd",
        r"NOSPACE|etcdserver: no space",
        Cp,
        ETCD_FULL,
        r#"{"level":"warn","msg":"alarm raised","alarm":"NOSPACE","from":"cd590dae0f692213"}"#,
    ),
    sig(
        "etcd",
        r"etcdserver: (request timed out|leader changed|too many requests|no leader)",
        Cp,
        ETCD_SLOW,
        "Error from server: etcdserver: request timed out",
    ),
    sig(
        "etcd",
        r"failed to send out heartbeat on time|slow fdatasync",
        Cp,
        ETCD_SLOW,
        r#"{"level":"warn","msg":"leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk"}"#,
    ),
    sig(
        "client-go",
        r"leaderelection lost|failed to renew lease",
        Cp,
        LEASE,
        "leaderelection.go:308] failed to renew lease kube-system/kube-controller-manager: timed out waiting for the condition",
    ),
    // DNS: the name does not resolve.
    sig(
        "Go",
        r"no such host",
        Dns,
        DNS,
        "dial tcp: lookup orders-db.payments.svc.cluster.local on 10.96.0.10:53: no such host",
    ),
    sig(
        "Go",
        r"server misbehaving",
        Dns,
        DNS,
        "dial tcp: lookup redis on 10.96.0.10:53: server misbehaving",
    ),
    sig(
        "glibc",
        r"Temporary failure in name resolution",
        Dns,
        DNS,
        "socket.gaierror: [Errno -3] Temporary failure in name resolution",
    ),
    sig(
        "glibc",
        r"Name or service not known",
        Dns,
        DNS,
        "psycopg2.OperationalError: could not translate host name \"db\" to address: Name or service not known",
    ),
    sig(
        "musl",
        r"Name does not resolve",
        Dns,
        DNS,
        "wget: bad address 'config-server': Name does not resolve",
    ),
    sig(
        "glibc",
        r"No address associated with hostname",
        Dns,
        DNS,
        "getaddrinfo failed: No address associated with hostname",
    ),
    sig(
        "PostgreSQL client",
        r"could not translate host name",
        Dns,
        DNS,
        "FATAL: could not translate host name \"postgres-primary\" to address: Try again",
    ),
    sig(
        "Node.js",
        r"getaddrinfo (ENOTFOUND|EAI_AGAIN)",
        Dns,
        DNS,
        "Error: getaddrinfo ENOTFOUND kafka-0.kafka-headless",
    ),
    sig(
        "JVM",
        r"UnknownHostException",
        Dns,
        DNS,
        "java.net.UnknownHostException: rabbitmq: Name or service not known",
    ),
    sig(
        "curl",
        r"Could not resolve host",
        Dns,
        DNS,
        "curl: (6) Could not resolve host: inventory-api",
    ),
    sig(
        "MySQL client",
        r"Unknown MySQL server host",
        Dns,
        DNS,
        "ERROR 2005 (HY000): Unknown MySQL server host 'mysql-primary' (-2)",
    ),
    sig(
        "nginx",
        r"host not found in upstream",
        Dns,
        DNS,
        "nginx: [emerg] host not found in upstream \"backend:8080\" in /etc/nginx/conf.d/default.conf:12",
    ),
    // A lookup that times out: the resolver does not answer (DNS down, or a NetworkPolicy
    // that blocks egress to port 53). Before the generic timeouts below.
    sig(
        "Go",
        r"lookup \S+ on \S+:53: (read udp \S+: )?i/o timeout",
        Dns,
        DNS,
        "dial tcp: lookup ledger-db.finance.svc.cluster.local on 172.20.0.10:53: read udp 10.58.68.27:47113->172.20.0.10:53: i/o timeout",
    ),
    sig(
        "Go",
        r"hostname resolving error",
        Dns,
        DNS,
        "failed to connect to `host=db.shop.svc user=app database=app`: hostname resolving error (lookup db.shop.svc: operation was canceled)",
    ),
    sig(
        "any",
        r"NXDOMAIN",
        Dns,
        DNS,
        "resolver returned NXDOMAIN for payments.internal",
    ),
    // Disk and volumes: full, out of inodes, read-only.
    sig(
        "libc",
        r"No space left on device",
        Storage,
        DISK,
        "PANIC:  could not write to file \"pg_wal/xlogtemp.31\": No space left on device",
    ),
    sig(
        "Node.js",
        r"ENOSPC",
        Storage,
        DISK,
        "Error: ENOSPC: no space left on device, write",
    ),
    sig(
        "libc",
        r"Disk quota exceeded",
        Storage,
        DISK,
        "OSError: [Errno 122] Disk quota exceeded: '/data/cache/blob'",
    ),
    sig(
        "libc",
        r"Read-only file system",
        Storage,
        DISK,
        "Failed opening the temp RDB file temp-1.rdb (in server root dir /data) for saving: Read-only file system",
    ),
    sig(
        "Redis",
        r"MISCONF Redis is configured to save RDB snapshots",
        Storage,
        DISK,
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
    ),
    sig(
        "Elasticsearch",
        r"flood[ -]stage disk watermark",
        Storage,
        DISK,
        "flood stage disk watermark [95%] exceeded on [es-data-0][/usr/share/elasticsearch/data] free: 1.1gb[4.5%], all indices on this node will be marked read-only",
    ),
    sig(
        "Kafka",
        r"no usable log directories|KafkaStorageException",
        Storage,
        DISK,
        "org.apache.kafka.common.errors.KafkaStorageException: Error while appending records to orders-0 in dir /var/lib/kafka/data",
    ),
    // Memory inside the process (the kernel's OOM kill shows in the container status instead).
    sig(
        "JVM",
        r"java\.lang\.OutOfMemoryError",
        Oom,
        MEM,
        "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space",
    ),
    sig(
        "Node.js",
        r"JavaScript heap out of memory",
        Oom,
        MEM,
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
    ),
    sig(
        "Go",
        r"fatal error: runtime: out of memory",
        Oom,
        MEM,
        "fatal error: runtime: out of memory",
    ),
    sig("Python", r"^\s*MemoryError\b", Oom, MEM, "MemoryError"),
    sig(
        "glibc",
        r"Cannot allocate memory",
        Oom,
        MEM,
        "Can't save in background: fork: Cannot allocate memory",
    ),
    // Configuration: an env variable, file, key, secret or placeholder the program needs.
    sig(
        "Go",
        r"required key \S+ missing value",
        Config,
        CONF,
        "envconfig: required key DATABASE_URL missing value",
    ),
    sig(
        "any",
        r"(environment variable|env var)\s+\S+\s+(is\s+)?(not set|missing|undefined|required)",
        Config,
        CONF,
        "panic: environment variable STRIPE_API_KEY is not set",
    ),
    sig(
        "any",
        r"missing (required )?(environment variable|env var|config(uration)? (key|value|file))",
        Config,
        CONF,
        "Error: missing required environment variable: JWT_SECRET",
    ),
    sig(
        "Python",
        r"KeyError: '(?-i:[A-Z][A-Z0-9_]+)'",
        Config,
        CONF,
        "KeyError: 'DATABASE_URL'",
    ),
    sig(
        "Python",
        r"(FileNotFoundError|IOError): \[Errno 2\] No such file or directory: '/(etc|config|secrets?|conf|run/secrets|var/run/secrets)/",
        Config,
        CONF,
        "FileNotFoundError: [Errno 2] No such file or directory: '/etc/app/config.yaml'",
    ),
    sig(
        "Node.js",
        r"ENOENT: no such file or directory, open '/(etc|config|secrets?|conf|run/secrets|var/run/secrets)/",
        Config,
        CONF,
        "Error: ENOENT: no such file or directory, open '/config/settings.json'",
    ),
    sig(
        "JVM",
        r"FileNotFoundException: /(etc|config|secrets?|conf|run/secrets|var/run/secrets)/",
        Config,
        CONF,
        "java.io.FileNotFoundException: /config/application.yml (No such file or directory)",
    ),
    sig(
        "Go",
        r"open /(etc|config|secrets?|conf|run/secrets|var/run/secrets)/\S+: no such file or directory",
        Config,
        CONF,
        "failed to load config: open /etc/worker/config.toml: no such file or directory",
    ),
    sig(
        "nginx",
        r#"open\(\) "\S+" failed \(2: No such file or directory\)"#,
        Config,
        CONF,
        "nginx: [emerg] open() \"/etc/nginx/conf.d/upstreams.conf\" failed (2: No such file or directory)",
    ),
    sig(
        "Python",
        r"validation errors? for Settings|Field required \[type=missing",
        Config,
        CONF,
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings",
    ),
    sig(
        "Spring",
        r"Could not resolve placeholder",
        Config,
        CONF,
        "java.lang.IllegalArgumentException: Could not resolve placeholder 'DB_PASSWORD' in value \"${DB_PASSWORD}\"",
    ),
    sig(
        "any",
        r"config(uration)? file (\S+ )?not found",
        Config,
        CONF,
        "FATAL config file /etc/exporter/config.yml not found",
    ),
    // Dependencies: refused, reset, timed out, unavailable.
    sig(
        "libc",
        r"Connection refused",
        Dep,
        DEP,
        "psycopg2.OperationalError: could not connect to server: Connection refused",
    ),
    sig(
        "Node.js",
        r"ECONNREFUSED",
        Dep,
        DEP,
        "Error: connect ECONNREFUSED 10.96.14.2:6379",
    ),
    sig(
        "JVM",
        r"java\.net\.ConnectException",
        Dep,
        DEP,
        "java.net.ConnectException: Connection timed out (Connection timed out)",
    ),
    sig(
        "PostgreSQL client",
        r"Is the server running on host",
        Dep,
        DEP,
        "\tIs the server running on host \"orders-db\" (10.96.3.7) and accepting TCP/IP connections on port 5432?",
    ),
    sig(
        "MySQL client",
        r"Can't connect to MySQL server",
        Dep,
        DEP,
        "ERROR 2003 (HY000): Can't connect to MySQL server on 'mysql' (111)",
    ),
    sig(
        "Redis client",
        r"Could not connect to Redis",
        Dep,
        DEP,
        "Could not connect to Redis at redis-master:6379: Connection refused",
    ),
    sig(
        "Kafka client",
        r"Broker may not be available",
        Dep,
        DEP,
        "[Producer clientId=producer-1] Connection to node -1 (kafka/10.96.8.1:9092) could not be established. Broker may not be available.",
    ),
    sig(
        "PostgreSQL",
        r"sorry, too many clients already|remaining connection slots are reserved",
        Dep,
        "the database has no connection slots left",
        "FATAL:  sorry, too many clients already",
    ),
    sig(
        "MySQL",
        r"Too many connections",
        Dep,
        "the database has no connection slots left",
        "ERROR 1040 (08004): Too many connections",
    ),
    sig(
        "libc",
        r"Connection reset by peer",
        Dep,
        DEP,
        "read tcp 10.1.2.3:5678->10.96.0.4:443: read: connection reset by peer",
    ),
    sig(
        "libc",
        r"No route to host",
        Dep,
        DEP,
        "dial tcp 10.96.7.7:9200: connect: no route to host",
    ),
    sig(
        "Go",
        r"i/o timeout",
        Dep,
        DEP,
        "dial tcp 10.96.2.2:5432: i/o timeout",
    ),
    sig(
        "Go",
        r"context deadline exceeded",
        Dep,
        DEP,
        "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
    ),
    sig(
        "Node.js",
        r"ETIMEDOUT",
        Dep,
        DEP,
        "Error: connect ETIMEDOUT 10.96.5.5:27017",
    ),
    sig(
        "any",
        r"connection timed out",
        Dep,
        DEP,
        "upstream request failed: connection timed out",
    ),
    sig(
        "Envoy",
        r"upstream connect error",
        Dep,
        DEP,
        "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
    ),
    sig(
        "HTTP",
        r"503 Service Unavailable",
        Dep,
        DEP,
        "GET http://pricing/v2/quote -> 503 Service Unavailable",
    ),
    sig(
        "any",
        r"(could not|unable to|failed to) connect to",
        Dep,
        DEP,
        "ERROR unable to connect to amqp://rabbitmq:5672 after 5 attempts",
    ),
    // Application bugs: the runtime names a crash that is the program's own.
    sig(
        "Go",
        r"panic: runtime error",
        App,
        BUG,
        "panic: runtime error: invalid memory address or nil pointer dereference",
    ),
    sig(
        "libc",
        r"Segmentation fault|SIGSEGV",
        App,
        BUG,
        "Segmentation fault (core dumped)",
    ),
    sig(
        "JVM",
        r"java\.lang\.NullPointerException",
        App,
        BUG,
        "Exception in thread \"main\" java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"name\" is null",
    ),
    sig(
        "Python",
        r"(ModuleNotFoundError|ImportError|SyntaxError|AttributeError|TypeError|NameError):",
        App,
        BUG,
        "ModuleNotFoundError: No module named 'flask_caching'",
    ),
    sig(
        "Node.js",
        r"(TypeError|ReferenceError|SyntaxError): |Cannot find module",
        App,
        BUG,
        "Error: Cannot find module '/app/dist/server.js'",
    ),
];

struct Compiled {
    regexes: Vec<Regex>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| Compiled {
    regexes: SIGNATURES
        .iter()
        .map(|s| {
            let starts = s.pattern.chars().next().is_some_and(is_word);
            let ends = s.pattern.chars().last().is_some_and(is_word);
            let full = format!(
                "{}(?:{}){}",
                if starts { r"\b" } else { "" },
                s.pattern,
                if ends { r"\b" } else { "" }
            );
            RegexBuilder::new(&full)
                .case_insensitive(true)
                .build()
                .unwrap_or_else(|e| panic!("log signature {:?} does not compile: {e}", s.pattern))
        })
        .collect(),
});

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first (highest-priority) signature `line` matches, with its row index.
pub(crate) fn matching(line: &str) -> Option<(usize, &'static Signature)> {
    COMPILED
        .regexes
        .iter()
        .position(|r| r.is_match(line))
        .map(|i| (i, &SIGNATURES[i]))
}

/// The best signature over several lines: the highest-priority row, and of its lines the last
/// (the most recent occurrence). Returns the row, its signature and the line's index.
pub(crate) fn best<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> Option<(usize, &'static Signature, usize)> {
    let mut found: Option<(usize, &'static Signature, usize)> = None;
    for (at, line) in lines.into_iter().enumerate() {
        if let Some((row, sig)) = matching(line)
            && found.is_none_or(|(best_row, _, _)| row <= best_row)
        {
            found = Some((row, sig, at));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_matches_its_own_row_first() {
        for (i, s) in SIGNATURES.iter().enumerate() {
            let got = s.example.lines().find_map(matching);
            let (row, hit) =
                got.unwrap_or_else(|| panic!("example of {:?} matches nothing", s.pattern));
            // An earlier row may claim the example only if it means the same mechanism.
            assert!(
                row == i || hit.category == s.category,
                "example of {:?} ({}) is taken by {:?} ({})",
                s.pattern,
                s.category,
                hit.pattern,
                hit.category
            );
        }
    }

    #[test]
    fn matching_respects_word_boundaries() {
        assert!(matching("ENOSPCX happened").is_none());
        assert!(matching("error: ENOSPC").is_some());
        assert!(matching("the host was not found in the cache").is_none());
        assert!(matching("our MemoryErrors counter is 0").is_none());
        assert!(
            matching("KeyError: 'user_id'").is_none(),
            "a lower-case key is a bug, not an env var"
        );
    }

    #[test]
    fn the_cause_outranks_its_consequences() {
        let log = [
            "connecting to https://billing.example",
            "x509: certificate has expired or is not yet valid",
            "ERROR unable to connect to billing after 3 attempts",
        ];
        let (_, sig, at) = best(log).unwrap();
        assert_eq!((sig.category, at), (Category::CertificateExpiry, 1));
        let log = [
            "could not connect to server: Connection refused",
            "PANIC: could not write to file \"pg_wal/x\": No space left on device",
        ];
        assert_eq!(best(log).unwrap().1.category, Category::Storage);
    }

    /// The table as docs/MECHANISMS.md shows it, between its markers.
    fn doc_table() -> String {
        let cell = |t: &str| t.replace('|', r"\|").replace('\n', " ⏎ ");
        let mut out = String::from(
            "| Runtime | Pattern | Category | Meaning | Example line |\n|---|---|---|---|---|\n",
        );
        for s in SIGNATURES {
            out.push_str(&format!(
                "| {} | `{}` | `{}` | {} | `{}` |\n",
                s.runtime,
                cell(s.pattern),
                s.category,
                s.meaning,
                cell(s.example)
            ));
        }
        out
    }

    /// `AIDA_UPDATE_DOCS=1 cargo test signatures` rewrites the table.
    #[test]
    fn the_mechanisms_doc_lists_every_signature() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/MECHANISMS.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let (begin, end) = ("<!-- signatures:begin -->\n", "<!-- signatures:end -->");
        let a = doc.find(begin).expect("begin marker") + begin.len();
        let b = doc.find(end).expect("end marker");
        let want = doc_table();
        if std::env::var_os("AIDA_UPDATE_DOCS").is_some() {
            std::fs::write(path, format!("{}{want}{}", &doc[..a], &doc[b..])).unwrap();
            return;
        }
        assert_eq!(
            doc[a..b],
            want,
            "docs/MECHANISMS.md's signature table is stale: run AIDA_UPDATE_DOCS=1 cargo test signatures"
        );
    }
}
