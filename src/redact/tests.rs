use serde_json::json;

use super::*;

/// (kind, text containing the secret, the secret itself).
pub(crate) const PLANTED: &[(&str, &str, &str)] = &[
    (
        "bearer header",
        "Authorization: Bearer abc123DEF456ghi789",
        "abc123DEF456ghi789",
    ),
    (
        "basic header",
        "authorization: Basic dXNlcjpwYXNzMTIz",
        "dXNlcjpwYXNzMTIz",
    ),
    (
        "postgres url",
        "dial postgres://app:s3cr3tPw@db:5432/app failed",
        "s3cr3tPw",
    ),
    (
        "mongodb+srv url",
        "mongodb+srv://root:Mong0Pass@cluster0.example.net/x",
        "Mong0Pass",
    ),
    ("redis url", "redis://:R3disPass@redis:6379/0", "R3disPass"),
    (
        "aws access key id",
        "using key AKIAIOSFODNN7EXAMPLE now",
        "AKIAIOSFODNN7EXAMPLE",
    ),
    (
        "aws secret key",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "rsa private key",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq9Zx\n-----END RSA PRIVATE KEY-----",
        "MIIEpAIBAAKCAQEA7bq9Zx",
    ),
    (
        "openssh private key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAA",
    ),
    (
        "jwt",
        "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    (
        "github token",
        "GH ghp_16C7e42F292c6912E7710c838347Ae178B4a ok",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    ),
    (
        "slack token",
        "slack xoxb-123456789012-abcdefABCDEF",
        "xoxb-123456789012-abcdefABCDEF",
    ),
    (
        "stripe key",
        "charge with sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    ),
    (
        "openai key",
        "OPENAI sk-proj-AbCdEf0123456789GhIjKl",
        "sk-proj-AbCdEf0123456789GhIjKl",
    ),
    (
        "google api key",
        "key AIzaSyA-1234567890abcdefghijklmnopqrstu",
        "AIzaSyA-1234567890abcdefghijklmnopqrstu",
    ),
    (
        "ado connection string",
        "Server=tcp:db.example.com;Database=app;User Id=app;Password=Adm1nPass!;",
        "Adm1nPass!",
    ),
    (
        "azure storage key",
        "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=Zm9vYmFyYmF6cXV4MTIz==;",
        "Zm9vYmFyYmF6cXV4MTIz==",
    ),
    ("env dump", "DB_PASSWORD=hunter2hunter2", "hunter2hunter2"),
    (
        "yaml secret",
        "client_secret: cl13ntS3cretV4lue",
        "cl13ntS3cretV4lue",
    ),
    (
        "json api key",
        r#"{"apiKey": "k3y-0123456789abcdef"}"#,
        "k3y-0123456789abcdef",
    ),
    (
        "cli flag",
        "exec mysqld --password=CliPassw0rd",
        "CliPassw0rd",
    ),
    (
        "cookie",
        "Cookie: session=9f8e7d6c5b4a3f2e1d",
        "9f8e7d6c5b4a3f2e1d",
    ),
    (
        "slack webhook",
        "posting to https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "XXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    (
        "gitlab token",
        "glpat-abcdefghij0123456789",
        "abcdefghij0123456789",
    ),
];

#[test]
fn every_planted_kind_is_removed_from_text() {
    assert!(PLANTED.len() >= 20);
    for (kind, input, secret) in PLANTED {
        let out = text(input);
        assert!(!out.contains(secret), "{kind}: {out}");
        assert!(out.contains(MARK), "{kind}: no mark in {out}");
        // Idempotent: a second pass changes nothing.
        assert_eq!(text(&out), out, "{kind}");
    }
}

#[test]
fn prose_survives() {
    for line in [
        "Back-off restarting failed container main in pod app-1_default",
        "Liveness probe failed: HTTP probe failed with statuscode: 500",
        "Basic authentication failed for user admin",
        "Error: secret \"db-creds\" not found",
        "couldn't find key password in Secret default/db",
        "dial tcp 10.96.0.12:5432: connect: connection refused",
        "0/3 nodes are available: 3 Insufficient memory.",
        "http://prometheus:9090/api/v1/query",
    ] {
        assert_eq!(text(line), line);
    }
}

#[test]
fn secret_names() {
    for name in [
        "DB_PASSWORD",
        "api-key",
        "apiKey",
        "AWS_SECRET_ACCESS_KEY",
        "GITHUB_TOKEN",
        "stripe.secret",
        "DATABASE_URL",
        "AWS_ACCESS_KEY_ID",
        "SENTRY_DSN",
    ] {
        assert!(is_secret_name(name), "{name}");
    }
    for name in [
        "PORT",
        "LOG_LEVEL",
        "HOSTNAME",
        "JAVA_OPTS",
        "MONKEY_MODE_ENABLED",
    ] {
        assert!(!is_secret_name(name), "{name}");
    }
}

#[test]
fn env_values_by_name_and_structure_kept() {
    let mut pod = json!({
        "spec": {"containers": [{"name": "app", "env": [
            {"name": "DB_PASSWORD", "value": "plainvalue"},
            {"name": "LOG_LEVEL", "value": "debug"},
            {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}
        ]}]},
        "metadata": {"annotations": {
            "kubectl.kubernetes.io/last-applied-configuration":
                "{\"spec\":{\"containers\":[{\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":\"plainvalue\"}]}]}}"
        }}
    });
    value(&mut pod);
    let s = pod.to_string();
    assert!(!s.contains("plainvalue"), "{s}");
    assert!(s.contains("debug"));
    assert!(s.contains("secretKeyRef"));
    assert_eq!(
        pod["spec"]["containers"][0]["env"][2]["valueFrom"]["secretKeyRef"]["key"],
        "token"
    );
    let again = redacted(pod.clone());
    assert_eq!(again, pod);
}

proptest::proptest! {
    #[test]
    fn redaction_is_idempotent_and_total(s in "\\PC{0,200}") {
        let once = text(&s).into_owned();
        proptest::prop_assert_eq!(text(&once).into_owned(), once);
    }

    #[test]
    fn planted_secret_inside_noise_is_removed(prefix in "[a-z ]{0,30}", idx in 0usize..24) {
        let (kind, input, secret) = PLANTED[idx % PLANTED.len()];
        let line = format!("{prefix} {input}");
        let out = text(&line);
        proptest::prop_assert!(!out.contains(secret), "{}: {}", kind, out);
    }
}

#[test]
fn punctuation_after_a_secret_survives() {
    assert_eq!(
        text("login with --password hunter2, then retry."),
        "login with --password [REDACTED], then retry."
    );
    assert_eq!(
        text("conn failed (Password=hunter22;). Retrying"),
        "conn failed (Password=[REDACTED];). Retrying"
    );
    let once = text("token: abcdef123456.").into_owned();
    assert_eq!(once, "token: [REDACTED].");
    assert_eq!(text(&once), once, "idempotent");
}
