//! Focus and causal links: which findings are about what the alert names, which explain them,
//! and which are merely other trouble nearby.
//!
//! The alert's objects are resolved through owner chains both ways (pod → ReplicaSet →
//! Deployment; Deployment → its ReplicaSets → their pods; Job ← CronJob), and what those pods
//! depend on — their node, their claims, the hosts their logs cannot reach — is linked to them.
//! A finding about anything else is "nearby" and never the root cause.
use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::{Finding, Snapshot};
use crate::alert::{Alert, Targets};
use crate::evidence::render::{arr, s};
use crate::report::Category;

/// How a finding relates to what the alert names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// About an object the alert names (or its owner chain, or a pod of a named workload).
    #[default]
    Alerted,
    /// About something an alerted object depends on (its node, claim, a dependency it calls).
    Linked,
    /// Other trouble in the same place, with no link found to the alert.
    Nearby,
}

/// The objects an alert is about, resolved in a snapshot.
#[derive(Debug, Default)]
struct Focus {
    /// `ns/Kind/name` (or `Kind/name`) of the alert's objects and their owner chains.
    alerted: BTreeSet<String>,
    /// What those depend on.
    linked: BTreeSet<String>,
    /// The alerted pods (`ns`, `name`).
    pods: Vec<(String, String)>,
    /// The newest ReplicaSet of each alerted Deployment (its pods carry a rollout).
    newest_replicasets: BTreeSet<String>,
}

fn ns_of(o: &Value) -> &str {
    s(o, "/metadata/namespace")
}
fn name_of(o: &Value) -> &str {
    s(o, "/metadata/name")
}

fn owners(o: &Value) -> Vec<(String, String)> {
    arr(o, "/metadata/ownerReferences")
        .iter()
        .map(|r| (s(r, "/kind").to_string(), s(r, "/name").to_string()))
        .collect()
}

impl Focus {
    fn resolve(snap: &Snapshot, t: &Targets) -> Option<Focus> {
        let ns = t.namespace.clone().unwrap_or_default();
        let mut f = Focus::default();
        let mut workloads: Vec<(String, String)> = t.workloads.clone();
        if let Some(pod) = &t.pod {
            f.alerted.insert(format!("{ns}/Pod/{pod}"));
            match find(snap, "pods", &ns, pod) {
                Some(p) => {
                    for (kind, name) in owners(p) {
                        workloads.push((kind, name));
                    }
                }
                // A pod that is gone (replaced since the alert fired): its workload by the
                // names controllers give pods (`<deploy>-<hash>-<id>`, `<sts>-<n>`).
                None => {
                    let parts: Vec<&str> = pod.rsplitn(3, '-').collect();
                    if parts.len() == 3 {
                        workloads.push(("ReplicaSet".into(), format!("{}-{}", parts[2], parts[1])));
                    }
                    if parts.len() >= 2 {
                        let base = pod.rsplit_once('-').map(|(b, _)| b).unwrap_or(pod);
                        workloads.push(("StatefulSet".into(), base.to_string()));
                        workloads.push(("DaemonSet".into(), base.to_string()));
                    }
                }
            }
        }
        // Up the owner chain (ReplicaSet → Deployment, Job → CronJob), then down to pods.
        let mut i = 0;
        while i < workloads.len() {
            let (kind, name) = workloads[i].clone();
            let plural = plural_of(&kind);
            if let Some(o) = plural.and_then(|p| find(snap, p, &ns, &name)) {
                for owner in owners(o) {
                    if !workloads.contains(&owner) {
                        workloads.push(owner);
                    }
                }
            }
            f.alerted.insert(format!("{ns}/{kind}/{name}"));
            i += 1;
        }
        let mut owner_set: BTreeSet<(String, String)> = workloads.iter().cloned().collect();
        // Down: a Deployment's ReplicaSets, a CronJob's Jobs.
        for rs in snap.items("replicasets").iter().filter(|o| ns_of(o) == ns) {
            if owners(rs).iter().any(|o| owner_set.contains(o)) {
                owner_set.insert(("ReplicaSet".into(), name_of(rs).to_string()));
                f.alerted.insert(format!("{ns}/ReplicaSet/{}", name_of(rs)));
            }
        }
        for job in snap.items("jobs").iter().filter(|o| ns_of(o) == ns) {
            if owners(job).iter().any(|o| owner_set.contains(o)) {
                owner_set.insert(("Job".into(), name_of(job).to_string()));
                f.alerted.insert(format!("{ns}/Job/{}", name_of(job)));
            }
        }
        f.newest_replicasets = newest_replicasets(snap, &ns, &owner_set);
        for p in snap.items("pods") {
            let (pns, pname) = (ns_of(p), name_of(p));
            let named = t.pod.as_deref() == Some(pname) && pns == ns;
            let owned = pns == ns && owners(p).iter().any(|o| owner_set.contains(o));
            let on_node = t
                .node
                .as_deref()
                .is_some_and(|n| s(p, "/spec/nodeName") == n);
            let mounts = t.pvc.as_deref().is_some_and(|c| claims(p).any(|x| x == c)) && pns == ns;
            if named || owned {
                f.alerted.insert(format!("{pns}/Pod/{pname}"));
                f.pods.push((pns.to_string(), pname.to_string()));
            } else if on_node || mounts {
                f.linked.insert(format!("{pns}/Pod/{pname}"));
                continue;
            } else {
                continue;
            }
            // What an alerted pod depends on.
            let node = s(p, "/spec/nodeName");
            if !node.is_empty() {
                f.linked.insert(format!("Node/{node}"));
            }
            for c in claims(p) {
                f.linked.insert(format!("{pns}/PersistentVolumeClaim/{c}"));
            }
        }
        if let Some(node) = &t.node {
            f.alerted.insert(format!("Node/{node}"));
        }
        if let Some(pvc) = &t.pvc {
            f.alerted
                .insert(format!("{ns}/PersistentVolumeClaim/{pvc}"));
        }
        // Resource quotas of the namespace bound every alerted workload's pods.
        if !f.alerted.is_empty() {
            for q in snap
                .items("resourcequotas")
                .iter()
                .filter(|o| ns_of(o) == ns)
            {
                f.linked
                    .insert(format!("{ns}/ResourceQuota/{}", name_of(q)));
            }
        }
        // Nothing to focus on: the alert names only a namespace (or nothing), or none of the
        // objects it names was seen at all.
        let seen = f.alerted.iter().any(|r| exists(snap, r));
        (seen
            && (t.pod.is_some() || !t.workloads.is_empty() || t.node.is_some() || t.pvc.is_some()))
        .then_some(f)
    }
}

/// The plural of a Kind (`ReplicaSet` → `replicasets`), as the evidence layer knows kinds.
fn plural_of(kind: &str) -> Option<&'static str> {
    crate::evidence::Kind::find(kind).ok().map(|k| k.plural)
}

fn find<'a>(snap: &'a Snapshot, plural: &str, ns: &str, name: &str) -> Option<&'a Value> {
    snap.items(plural)
        .iter()
        .find(|o| name_of(o) == name && (ns.is_empty() || ns_of(o) == ns))
}

fn exists(snap: &Snapshot, resource: &str) -> bool {
    let parts: Vec<&str> = resource.split('/').collect();
    let (ns, kind, name) = match parts.as_slice() {
        [ns, kind, name] => (*ns, *kind, *name),
        [kind, name] => ("", *kind, *name),
        _ => return false,
    };
    plural_of(kind).is_some_and(|plural| find(snap, plural, ns, name).is_some())
}

fn claims(p: &Value) -> impl Iterator<Item = &str> {
    arr(p, "/spec/volumes")
        .iter()
        .map(|v| s(v, "/persistentVolumeClaim/claimName"))
        .filter(|c| !c.is_empty())
}

/// The newest ReplicaSet (highest `deployment.kubernetes.io/revision`) of each Deployment in
/// `owners`.
fn newest_replicasets(
    snap: &Snapshot,
    ns: &str,
    owner_set: &BTreeSet<(String, String)>,
) -> BTreeSet<String> {
    let mut best: std::collections::BTreeMap<String, (u64, String)> = Default::default();
    for rs in snap.items("replicasets").iter().filter(|o| ns_of(o) == ns) {
        let Some((_, deploy)) = owners(rs)
            .into_iter()
            .find(|(k, n)| k == "Deployment" && owner_set.contains(&(k.clone(), n.clone())))
        else {
            continue;
        };
        let rev = s(
            rs,
            "/metadata/annotations/deployment.kubernetes.io~1revision",
        )
        .parse()
        .unwrap_or(0);
        let entry = best.entry(deploy).or_insert((0, String::new()));
        if rev >= entry.0 {
            *entry = (rev, name_of(rs).to_string());
        }
    }
    best.into_values().map(|(_, name)| name).collect()
}

/// Sets each finding's relation, links causes to the findings they explain, and orders the
/// findings: about the alert first, then what it depends on, then the rest; best first within.
pub(crate) fn relate(snap: &Snapshot, alert: Option<&Alert>, findings: &mut [Finding]) {
    let Some(focus) = alert.and_then(|a| Focus::resolve(snap, &Targets::from_alert(a))) else {
        findings.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then_with(|| a.resource.cmp(&b.resource))
        });
        return;
    };
    for f in findings.iter_mut() {
        // A rule may already know a link (a dependency the alerted service calls).
        let known = f.relation;
        f.relation = if focus.alerted.contains(&f.resource) {
            Relation::Alerted
        } else if focus.linked.contains(&f.resource) || known == Relation::Linked {
            Relation::Linked
        } else {
            Relation::Nearby
        };
    }
    link_dependencies(&focus, findings);
    link_rollouts(snap, &focus, findings);
    link_claims(snap, findings);
    findings.sort_by(|a, b| {
        a.relation
            .cmp(&b.relation)
            .then_with(|| b.confidence.total_cmp(&a.confidence))
            .then_with(|| a.resource.cmp(&b.resource))
    });
}

/// A pod that cannot reach a host: the findings about the pods behind that host explain it.
fn link_dependencies(focus: &Focus, findings: &mut [Finding]) {
    let hosts: Vec<(usize, String)> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.relation == Relation::Alerted && f.category == Category::DependencyFailure
        })
        .filter_map(|(i, f)| f.target.clone().map(|t| (i, t)))
        .collect();
    for (i, target) in hosts {
        // `orders-db.payments.svc:5432` → service `orders-db` in `payments` (else the pod's).
        let host = target.split(':').next().unwrap_or_default();
        let mut labels = host.split('.');
        let svc = labels.next().unwrap_or_default().to_string();
        let ns = labels
            .next()
            .filter(|n| *n != "svc")
            .map(str::to_string)
            .or_else(|| findings[i].resource.split('/').next().map(str::to_string))
            .unwrap_or_default();
        if svc.is_empty() {
            continue;
        }
        let behind: Vec<usize> = findings
            .iter()
            .enumerate()
            .filter(|(j, f)| {
                *j != i
                    && f.resource.starts_with(&format!("{ns}/"))
                    && f.resource
                        .rsplit('/')
                        .next()
                        .is_some_and(|n| n == svc || n.starts_with(&format!("{svc}-")))
                    && !focus.alerted.contains(&f.resource)
            })
            .map(|(j, _)| j)
            .collect();
        for j in behind {
            findings[j].relation = Relation::Linked;
            let why = findings[j].summary.clone();
            findings[i]
                .because
                .push(format!("{target} is failing: {why}"));
        }
    }
}

/// A workload short of replicas or stuck in a rollout: the reason its pods (the newest
/// ReplicaSet's first) cannot run is the deeper cause.
fn link_rollouts(snap: &Snapshot, focus: &Focus, findings: &mut [Finding]) {
    let pod_rs = |resource: &str| -> Option<String> {
        let (ns, name) = match resource.split('/').collect::<Vec<_>>().as_slice() {
            [ns, "Pod", name] => (ns.to_string(), name.to_string()),
            _ => return None,
        };
        let p = find(snap, "pods", &ns, &name)?;
        owners(p)
            .into_iter()
            .find(|(k, _)| k == "ReplicaSet")
            .map(|(_, n)| n)
    };
    // Pods of the newest ReplicaSet are where the rollout is stuck; pods that cannot even
    // start (not scheduled, not created) are why replicas are missing.
    for f in findings.iter_mut() {
        if f.relation != Relation::Alerted || !f.resource.contains("/Pod/") {
            continue;
        }
        // The old ReplicaSet's pods are what the rollout replaces; why the new ones cannot run
        // is why the workload is short.
        if pod_rs(&f.resource).is_some_and(|rs| focus.newest_replicasets.contains(&rs)) {
            f.confidence += 0.1;
        }
        if matches!(
            f.category,
            Category::Unschedulable | Category::QuotaExceeded
        ) {
            f.confidence += 0.01;
        }
    }
    let rollout: Vec<usize> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.category == Category::RolloutStuck && f.relation == Relation::Alerted)
        .map(|(i, _)| i)
        .collect();
    for r in rollout {
        let deploy = findings[r]
            .resource
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let cause = findings
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                *i != r
                    && f.relation == Relation::Alerted
                    && f.category != Category::RolloutStuck
                    && f.resource
                        .rsplit('/')
                        .next()
                        .is_some_and(|n| n.starts_with(&format!("{deploy}-")))
            })
            .max_by(|a, b| a.1.confidence.total_cmp(&b.1.confidence))
            .map(|(i, _)| i);
        if let Some(c) = cause {
            let symptom = findings[r].summary.clone();
            let conf = findings[r].confidence;
            findings[c].explains.insert(0, symptom);
            findings[c].confidence = findings[c].confidence.max(conf + 0.01);
        }
    }
}

/// A claim found full by its metrics explains the disk errors of the pods mounting it.
fn link_claims(snap: &Snapshot, findings: &mut [Finding]) {
    let full: Vec<(String, String)> = findings
        .iter()
        .filter(|f| {
            f.category == Category::Storage && f.resource.contains("/PersistentVolumeClaim/")
        })
        .map(|f| (f.resource.clone(), f.summary.clone()))
        .collect();
    for (claim, why) in full {
        let (ns, name) = match claim.split('/').collect::<Vec<_>>().as_slice() {
            [ns, _, name] => (ns.to_string(), name.to_string()),
            _ => continue,
        };
        let mounted_by: Vec<String> = snap
            .items("pods")
            .iter()
            .filter(|p| ns_of(p) == ns && claims(p).any(|c| c == name))
            .map(|p| format!("{ns}/Pod/{}", name_of(p)))
            .collect();
        let mut linked = false;
        for f in findings.iter_mut() {
            if f.category == Category::Storage && mounted_by.contains(&f.resource) {
                f.because.push(why.clone());
                f.confidence += 0.02;
                linked = linked || f.relation != Relation::Nearby;
            }
        }
        if linked {
            for f in findings.iter_mut().filter(|f| f.resource == claim) {
                f.relation = f.relation.min(Relation::Linked);
            }
        }
    }
}
