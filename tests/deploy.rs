//! The deployment files in `deploy/` stay in step with the binary: the server they start accepts
//! their flags, the probes hit endpoints the server has, the Deployment runs as the read-only
//! ServiceAccount of `deploy/rbac.yaml`, and Alertmanager posts where the server listens.
mod common;

use serde_yaml_ng::Value;

fn documents(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(common::repo_root().join("deploy").join(name)).unwrap();
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

fn kind<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

/// `aida ARGS --help` succeeds only when every flag before `--help` exists.
fn assert_flags_accepted(args: &[&str]) {
    let home = common::TestHome::new();
    home.aida().args(args).arg("--help").assert().success();
}

/// The `--shutdown-timeout` seconds among `args` (the drain the server allows itself).
fn shutdown_timeout(args: &[&str]) -> u64 {
    let at = args
        .iter()
        .position(|a| *a == "--shutdown-timeout")
        .expect("--shutdown-timeout");
    args[at + 1].parse().unwrap()
}

#[test]
fn the_kubernetes_deployment_runs_the_server_as_the_read_only_service_account() {
    let rbac = documents("rbac.yaml");
    let account = kind(&rbac, "ServiceAccount");
    let docs = documents("kubernetes.yaml");
    let deployment = kind(&docs, "Deployment");
    assert_eq!(
        deployment["metadata"]["namespace"],
        account["metadata"]["namespace"]
    );
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], account["metadata"]["name"]);
    // One writer of the SQLite store at a time.
    assert_eq!(deployment["spec"]["replicas"], 1);
    assert_eq!(deployment["spec"]["strategy"]["type"], "Recreate");

    let container = &pod["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[0], "serve");
    assert_flags_accepted(&args);
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    let env: Vec<&str> = container["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(env.contains(&"AIDA_SERVER_TOKEN"), "{env:?}");
    // The drain deadline fits in the grace period Kubernetes gives before SIGKILL.
    let drain = shutdown_timeout(&args);
    assert!(pod["terminationGracePeriodSeconds"].as_u64().unwrap() > drain);

    let service = kind(&docs, "Service");
    assert_eq!(
        service["spec"]["selector"],
        deployment["spec"]["selector"]["matchLabels"]
    );
}

#[test]
fn the_systemd_unit_and_the_alertmanager_receiver_point_at_the_server() {
    let unit =
        std::fs::read_to_string(common::repo_root().join("deploy/aida-serve.service")).unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let args: Vec<&str> = exec.split_whitespace().skip(1).collect();
    assert_eq!(args[0], "serve");
    assert_flags_accepted(&args);
    let stop: u64 = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .unwrap()
        .parse()
        .unwrap();
    let drain = shutdown_timeout(&args);
    assert!(stop > drain, "systemd would SIGKILL before the drain ends");

    let receiver = documents("alertmanager-receiver.yaml");
    let hook = &receiver[0]["receivers"][0]["webhook_configs"][0];
    assert!(hook["url"].as_str().unwrap().ends_with(":8080/webhook"));
    assert_eq!(hook["send_resolved"], true);
    assert_eq!(hook["http_config"]["authorization"]["type"], "Bearer");
}
