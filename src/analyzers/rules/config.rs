//! Configuration references: ConfigMaps, Secrets or keys that a container's env or a pod's
//! volumes name but that do not exist.
use serde_json::Value;

use super::pods::{Container, Pod};
use super::{Ctx, arr, s};
use crate::analyzers::Quote;
use crate::analyzers::facts::{self, LINE_CHARS, clip};
use crate::evidence::render::one_line;
use crate::report::Category;

/// CreateContainerConfigError: the container's env/envFrom names something missing.
pub(super) fn container_config_error(cx: &mut Ctx<'_>, p: &Pod<'_>, c: &Container<'_>) -> bool {
    if c.waiting != "CreateContainerConfigError" {
        return false;
    }
    let cname = c.name;
    let mut quotes: Vec<Quote> = c
        .line_with("State:")
        .map(|l| p.quote(l))
        .into_iter()
        .collect();
    if let Some(e) = p
        .events
        .iter()
        .rev()
        .find(|e| s(e, "/reason") == "Failed" && s(e, "/message").contains("not found"))
    {
        quotes.push(p.ev_quote(e));
    }
    let msg = s(c.st, "/state/waiting/message");
    let missing = facts::missing_ref(msg).or_else(|| {
        p.events
            .iter()
            .rev()
            .find_map(|e| facts::missing_ref(s(e, "/message")))
    });
    let f = cx.add(
        Category::ConfigMissing,
        p.resource.clone(),
        format!(
            "Container {cname} cannot be created: {}",
            if msg.is_empty() {
                "a referenced ConfigMap/Secret or key is missing".into()
            } else {
                one_line(msg)
            }
        ),
        quotes,
        0.93,
    );
    if let Some(m) = missing {
        f.actions.push(missing_ref_action(
            &m,
            p.ns,
            &format!("container {cname}'s env/envFrom"),
        ));
    }
    true
}

/// A FailedMount/FailedAttachVolume event about a missing ConfigMap/Secret (or key) the pod
/// mounts; whether it was one (other mount failures are storage's).
pub(super) fn missing_mount(cx: &mut Ctx<'_>, p: &Pod<'_>, e: &Value) -> bool {
    let (ns, name) = (p.ns, p.name);
    let msg = s(e, "/message");
    let low = msg.to_ascii_lowercase();
    let volume = facts::volume_of(msg);
    let missing = facts::missing_ref(msg).or_else(|| missing_volume_key(p.pod, msg, volume));
    let config_like = (low.contains("configmap") || low.contains("secret"))
        && (low.contains("not found") || low.contains("non-existent"));
    if !(missing.is_some() || config_like) {
        return false;
    }
    let mounted = volume
        .map(|v| format!(" (mounted as volume {v})"))
        .unwrap_or_default();
    let summary = match &missing {
        Some(m) if m.key.is_some() => format!(
            "Pod {name} cannot start: {} {} has no key {}{mounted}.",
            m.kind,
            m.name,
            m.key.as_deref().unwrap_or_default()
        ),
        Some(m) => format!(
            "Pod {name} cannot start: {} {} is not found in namespace {ns}{mounted}.",
            m.kind, m.name
        ),
        None => format!(
            "Pod {name} cannot start: a ConfigMap/Secret it mounts is missing: `{}`.",
            clip(msg, LINE_CHARS)
        ),
    };
    let others = missing
        .as_ref()
        .filter(|m| m.key.is_none())
        .map(|m| cx.existing(ns, m.kind))
        .unwrap_or_default();
    let f = cx.add(
        Category::ConfigMissing,
        p.resource.clone(),
        summary,
        vec![p.ev_quote(e)],
        0.9,
    );
    if let Some(m) = &missing {
        if !others.is_empty() {
            f.details.push(format!(
                "{}s that do exist there: {}.",
                m.kind,
                others.join(", ")
            ));
        }
        f.actions.push(missing_ref_action(
            m,
            ns,
            &volume
                .map(|v| format!("volume {v}"))
                .unwrap_or_else(|| "the pod's volumes".into()),
        ));
    }
    true
}

/// `configmap references non-existent config key: K` (a volume's `items`): the object is the
/// one the named volume mounts.
fn missing_volume_key(pod: &Value, msg: &str, volume: Option<&str>) -> Option<facts::MissingRef> {
    let (_, key) = msg.split_once("non-existent ")?.1.split_once("key: ")?;
    let key = key.split_whitespace().next()?.trim_end_matches(['.', ',']);
    let vol = arr(pod, "/spec/volumes")
        .iter()
        .find(|v| Some(s(v, "/name")) == volume)?;
    let (kind, name) = if vol.get("configMap").is_some() {
        ("ConfigMap", s(vol, "/configMap/name"))
    } else if vol.get("secret").is_some() {
        ("Secret", s(vol, "/secret/secretName"))
    } else {
        return None;
    };
    Some(facts::MissingRef {
        kind,
        name: name.to_string(),
        key: Some(key.to_string()),
    })
}

fn missing_ref_action(m: &facts::MissingRef, ns: &str, used_by: &str) -> String {
    match &m.key {
        Some(key) => format!(
            "Add key {key} to {} {} in namespace {ns}, or fix the key name that {used_by} references",
            m.kind, m.name
        ),
        None => format!(
            "Create {} {} in namespace {ns}, or fix the name that {used_by} references",
            m.kind, m.name
        ),
    }
}
