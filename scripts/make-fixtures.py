#!/usr/bin/env python3
"""Writes AIDA's own incident bundles under tests/fixtures/bundles/ (docs/CONTRACTS.md layout).

Objects are shaped as the Kubernetes API returns them (v1 Lists as `kubectl cluster-info dump`
writes them). Each case states one failure the way a cluster shows it; the expected category is
the root cause an SRE would name. Re-running rewrites the same files (deterministic).
"""
import hashlib
import json
import os
import shutil
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "bundles")
T0 = "2026-03-02T10:00:00Z"
T1 = "2026-03-02T10:05:00Z"
T2 = "2026-03-02T10:12:00Z"


def lst(items):
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}


def meta(name, ns=None, labels=None, owner=None, uid=None):
    m = {"name": name, "uid": uid or f"uid-{name}", "resourceVersion": "1001", "creationTimestamp": T0}
    if ns:
        m["namespace"] = ns
    if labels:
        m["labels"] = labels
    if owner:
        kind, oname = owner
        m["ownerReferences"] = [{"apiVersion": "batch/v1" if kind == "Job" else "apps/v1", "kind": kind, "name": oname,
                                 "uid": f"uid-{oname}", "controller": True, "blockOwnerDeletion": True}]
    return m


def container(name="app", image="registry.example.com/app:1.4.2", limits=None, requests=None, env=None, **extra):
    c = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent",
         "resources": {k: v for k, v in (("limits", limits), ("requests", requests)) if v},
         "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
    if env:
        c["env"] = env
    c.update(extra)
    return c


def cstatus(name="app", image="registry.example.com/app:1.4.2", ready=False, restarts=0, state=None, last=None):
    st = {"name": name, "image": image, "imageID": "" if state and "waiting" in state and restarts == 0 else f"{image}@sha256:0f3c", "ready": ready,
          "restartCount": restarts, "started": ready, "state": state or {"running": {"startedAt": T1}}}
    st["lastState"] = last or {}
    if st["imageID"]:
        st["containerID"] = "containerd://4c1d"
    return st


def pod(name, ns, containers, statuses=None, phase="Running", owner=None, labels=None, node="worker-1",
        conditions=None, volumes=None, spec_extra=None, status_extra=None):
    spec = {"containers": containers, "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "serviceAccountName": "default",
            "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30}
    if node:
        spec["nodeName"] = node
    if volumes:
        spec["volumes"] = volumes
    spec.update(spec_extra or {})
    status = {"phase": phase, "qosClass": "Burstable"}
    if statuses is not None:
        status["containerStatuses"] = statuses
    if conditions:
        status["conditions"] = [{"type": t, "status": s, "lastTransitionTime": T1, **({"reason": r} if r else {}), **({"message": m} if m else {})}
                                for (t, s, r, m) in conditions]
    if node:
        status["hostIP"] = "10.0.1.11"
        status["podIP"] = "10.244.1.23"
        status["startTime"] = T0
    status.update(status_extra or {})
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, ns, labels or {"app": name.split("-")[0]}, owner), "spec": spec, "status": status}


EV = [0]


def event(ns, kind, name, reason, message, typ="Warning", count=1, component="kubelet", t=T2, api="v1"):
    EV[0] += 1
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{name}.{EV[0]:016x}", "namespace": ns, "uid": f"ev-{EV[0]}", "resourceVersion": "2002", "creationTimestamp": T1},
            "involvedObject": {"apiVersion": api, "kind": kind, "name": name, "namespace": ns, "uid": f"uid-{name}"},
            "reason": reason, "message": message, "type": typ, "count": count,
            "firstTimestamp": T1, "lastTimestamp": t, "source": {"component": component},
            "reportingComponent": component, "reportingInstance": ""}


def deployment(name, ns, replicas=1, ready=0, conditions=None, containers=None, updated=None, gen=2):
    conds = conditions or [("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
                           ("Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{name}-7d9f8b6c5d" is progressing.')]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {**meta(name, ns, {"app": name}), "generation": gen},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "progressDeadlineSeconds": 600,
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": containers or [container()]}}},
            "status": {"observedGeneration": gen, "replicas": replicas, "updatedReplicas": replicas if updated is None else updated,
                       "readyReplicas": ready, "availableReplicas": ready, "unavailableReplicas": replicas - ready,
                       "conditions": [{"type": t, "status": s, "reason": r, "message": m, "lastUpdateTime": T1, "lastTransitionTime": T1} for (t, s, r, m) in conds]}}


def replicaset(name, ns, deploy, replicas=1, ready=0):
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta(name, ns, {"app": deploy}, ("Deployment", deploy)),
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": deploy}}, "template": {"metadata": {"labels": {"app": deploy}}, "spec": {"containers": [container()]}}},
            "status": {"replicas": ready, "readyReplicas": ready, "availableReplicas": ready, "observedGeneration": 1}}


def node(name, ready="True", pressure=None, taints=None, labels=None, reason=None, message=None):
    conds = []
    for t in ("MemoryPressure", "DiskPressure", "PIDPressure"):
        on = pressure == t
        conds.append({"type": t, "status": "True" if on else "False", "reason": f"Kubelet Has{t.replace('Pressure', ' Pressure').replace(' ', '')}" if on else f"KubeletHasNo{t.replace('Pressure', '')}Pressure" if t != "PIDPressure" else "KubeletHasSufficientPID",
                      "message": f"kubelet has {t.lower()}" if on else "kubelet is fine", "lastHeartbeatTime": T2, "lastTransitionTime": T1})
    conds.append({"type": "Ready", "status": ready, "reason": reason or ("KubeletReady" if ready == "True" else "NodeStatusUnknown"),
                  "message": message or ("kubelet is posting ready status" if ready == "True" else "Kubelet stopped posting node status."), "lastHeartbeatTime": T2, "lastTransitionTime": T1})
    return {"apiVersion": "v1", "kind": "Node", "metadata": meta(name, labels=labels or {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}),
            "spec": {"podCIDR": "10.244.1.0/24", **({"taints": taints} if taints else {})},
            "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"}, "allocatable": {"cpu": "3800m", "memory": "15Gi", "pods": "110"},
                       "conditions": conds, "nodeInfo": {"kubeletVersion": "v1.33.1", "osImage": "Debian GNU/Linux 12 (bookworm)", "containerRuntimeVersion": "containerd://1.7.24"}}}


def alert(name, labels, summary):
    a = {"status": "firing", "labels": {"alertname": name, "severity": "warning", **labels}, "annotations": {"summary": summary, "description": summary},
         "startsAt": T2, "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus:9090/graph", "fingerprint": hashlib.sha256((name + str(sorted(labels.items()))).encode()).hexdigest()[:16]}
    return {"receiver": "aida", "status": "firing", "alerts": [a], "groupLabels": {"alertname": name}, "commonLabels": a["labels"], "commonAnnotations": a["annotations"],
            "externalURL": "http://alertmanager:9093", "version": "4", "groupKey": "{}:{alertname=\"%s\"}" % name, "truncatedAlerts": 0}


def logs_txt(ns, podname, container, lines):
    body = "".join(line + "\n" for line in lines)
    return f"==== START logs for container {container} of pod {ns}/{podname} ====\n{body}==== END logs for container {container} of pod {ns}/{podname} ====\n"


def write(case, ns, expected, al, objs, cluster=None, logs=None, prev=None, queries=None):
    d = os.path.join(ROOT, case)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "cluster", ns))
    for plural, items in objs.items():
        with open(os.path.join(d, "cluster", ns, f"{plural}.json"), "w") as f:
            json.dump(lst(items), f, indent=2)
    for plural, items in (cluster or {"nodes": [node("worker-1")]}).items():
        with open(os.path.join(d, "cluster", f"{plural}.json"), "w") as f:
            json.dump(lst(items), f, indent=2)
    for fname, table in (("logs.txt", logs or {}), ("previous-logs.txt", prev or {})):
        for (p, c), lines in table.items():
            os.makedirs(os.path.join(d, "cluster", ns, p), exist_ok=True)
            with open(os.path.join(d, "cluster", ns, p, fname), "a") as f:
                f.write(logs_txt(ns, p, c, lines))
    if queries:
        os.makedirs(os.path.join(d, "prometheus"))
        with open(os.path.join(d, "prometheus", "queries.jsonl"), "w") as f:
            for q in queries:
                f.write(json.dumps(q) + "\n")
    with open(os.path.join(d, "alert.json"), "w") as f:
        json.dump(al, f, indent=2)
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump({**expected, "provenance": "written for AIDA by scripts/make-fixtures.py"}, f, indent=2)


def crashloop_state(code, reason="Error", restarts=6):
    return dict(restarts=restarts, state={"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container=app pod=x"}},
                last={"terminated": {"exitCode": code, "reason": reason, "startedAt": T1, "finishedAt": T2, "containerID": "containerd://4c1d"}})


def backoff_event(ns, p):
    return event(ns, "Pod", p, "BackOff", "Back-off restarting failed container app in pod %s_%s(uid-%s)" % (p, ns, p), count=31)


def throttle_query(ns):
    return ('sum by (pod, container) (increase(container_cpu_cfs_throttled_periods_total{namespace="%s", container!=""}[5m])) / '
            'sum by (pod, container) (increase(container_cpu_cfs_periods_total{namespace="%s", container!=""}[5m]))' % (ns, ns))


def main():
    cases = []

    def case(fn):
        cases.append(fn)
        return fn

    @case
    def oom_api():
        ns, p = "shop", "cart-api-6c9d7f8b4-x2k9q"
        c = container(limits={"memory": "256Mi", "cpu": "500m"}, requests={"memory": "128Mi", "cpu": "100m"},
                      env=[{"name": "DB_PASSWORD", "value": "Sup3rS3cret!"}, {"name": "JAVA_OPTS", "value": "-Xmx512m"}])
        st = cstatus(**crashloop_state(137, "OOMKilled", 9))
        write("oom_java_heap_over_limit", ns,
              {"category": "oom_killed", "root_cause": "The JVM heap (-Xmx512m) is larger than the 256Mi container memory limit, so the container is OOMKilled (exit 137) under load.",
               "facts": [{"any": ["OOMKilled", "out of memory", "OOM"]}, {"any": ["256Mi"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodCrashLooping", {"namespace": ns, "pod": p, "container": "app"}, "Pod is crash looping."),
              {"pods": [pod(p, ns, [c], [st], owner=("ReplicaSet", "cart-api-6c9d7f8b4"), labels={"app": "cart-api"})],
               "events": [backoff_event(ns, p)]},
              prev={(p, "app"): ["INFO starting cart-api 1.4.2", "INFO warming cache: 120000 products"]})

    @case
    def oom_worker_no_reason():
        ns, p = "batch", "resizer-5f7b9c8d6-qq8wz"
        c = container(image="registry.example.com/resizer:2.0", limits={"memory": "64Mi"}, requests={"memory": "64Mi"})
        st = cstatus(image="registry.example.com/resizer:2.0", **crashloop_state(137, "OOMKilled", 4))
        write("oom_image_resizer", ns,
              {"category": "oom_killed", "root_cause": "Image resizer exceeds its 64Mi memory limit on large images and is OOMKilled.",
               "facts": [{"any": ["OOMKilled", "out of memory"]}, {"any": ["64Mi"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubeContainerWaiting", {"namespace": ns, "pod": p, "container": "app"}, "Container waiting"),
              {"pods": [pod(p, ns, [c], [st])], "events": [backoff_event(ns, p)]})

    @case
    def crash_missing_env():
        ns, p = "payments", "ledger-7b8c9d6f5-m4n7p"
        c = container(image="registry.example.com/ledger:3.1.0", limits={"memory": "512Mi"})
        st = cstatus(image="registry.example.com/ledger:3.1.0", **crashloop_state(1, "Error", 7))
        write("crash_config_parse_error", ns,
              {"category": "crash_app_error", "root_cause": "The ledger service exits with code 1 at start-up because its configuration file has an invalid value for LEDGER_MODE.",
               "facts": [{"any": ["exit code 1", "exits with code 1", "Error"]}, {"any": ["LEDGER_MODE", "invalid"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodCrashLooping", {"namespace": ns, "pod": p, "container": "app"}, "Pod is crash looping."),
              {"pods": [pod(p, ns, [c], [st])], "events": [backoff_event(ns, p)]},
              prev={(p, "app"): ["2026-03-02T10:11:58Z INFO loading /etc/ledger/config.yaml",
                                 "2026-03-02T10:11:58Z ERROR config: invalid value \"fast\" for LEDGER_MODE (want: strict|relaxed)",
                                 "2026-03-02T10:11:58Z FATAL cannot start without a valid configuration"]})

    @case
    def crash_python():
        ns, p = "ml", "scorer-84f6d9b7c-hv2lt"
        c = container(image="registry.example.com/scorer:0.9", command=["python", "-m", "scorer"])
        st = cstatus(image="registry.example.com/scorer:0.9", **crashloop_state(1, "Error", 12))
        write("crash_python_import_error", ns,
              {"category": "crash_app_error", "root_cause": "The scorer crashes on start with ModuleNotFoundError: No module named 'sklearn' (dependency missing from the image).",
               "facts": [{"any": ["ModuleNotFoundError", "sklearn"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodCrashLooping", {"namespace": ns, "pod": p}, "Pod is crash looping."),
              {"pods": [pod(p, ns, [c], [st])], "events": [backoff_event(ns, p)]},
              prev={(p, "app"): ["Traceback (most recent call last):", "  File \"/app/scorer/__main__.py\", line 3, in <module>",
                                 "    from sklearn.linear_model import LogisticRegression", "ModuleNotFoundError: No module named 'sklearn'"]})

    @case
    def image_tag():
        ns, p = "web", "frontend-6d8f7c9b5-abcde"
        img = "registry.example.com/frontend:v2.3.9"
        c = container(image=img)
        st = cstatus(image=img, state={"waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{img}"'}})
        write("image_tag_not_found", ns,
              {"category": "image_pull", "root_cause": f"The tag v2.3.9 of {img} does not exist in the registry (manifest unknown), so the pod is in ImagePullBackOff.",
               "facts": [{"any": ["ImagePullBackOff", "ErrImagePull", "manifest unknown", "not found"]}, {"any": ["v2.3.9"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodNotReady", {"namespace": ns, "pod": p}, "Pod has been in a non-ready state for more than 15 minutes."),
              {"pods": [pod(p, ns, [c], [st], phase="Pending")],
               "events": [event(ns, "Pod", p, "Pulling", f'Pulling image "{img}"', "Normal", 5),
                          event(ns, "Pod", p, "Failed", f'Failed to pull image "{img}": rpc error: code = NotFound desc = failed to pull and unpack image "{img}": failed to resolve reference "{img}": {img}: not found', count=5),
                          event(ns, "Pod", p, "BackOff", f'Back-off pulling image "{img}"', count=20)]})

    @case
    def image_auth():
        ns, p = "web", "admin-ui-5c6d7e8f9-zzxy1"
        img = "private.example.com/team/admin-ui:1.0"
        c = container(image=img)
        st = cstatus(image=img, state={"waiting": {"reason": "ErrImagePull", "message": "pull access denied"}})
        write("image_private_registry_auth", ns,
              {"category": "image_pull", "root_cause": "The registry refuses the pull (401 Unauthorized): the pod has no imagePullSecret for private.example.com.",
               "facts": [{"any": ["unauthorized", "401", "imagePullSecret", "authorization"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodNotReady", {"namespace": ns, "pod": p}, "Pod not ready"),
              {"pods": [pod(p, ns, [c], [st], phase="Pending")],
               "events": [event(ns, "Pod", p, "Failed", f'Failed to pull image "{img}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://private.example.com/token: 401 Unauthorized', count=3)]})

    @case
    def readiness():
        ns, p = "search", "indexer-7f8e9d6c5-r2d2x"
        c = container(image="registry.example.com/indexer:5.2", readinessProbe={"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 5, "timeoutSeconds": 1, "failureThreshold": 3, "successThreshold": 1})
        st = cstatus(image="registry.example.com/indexer:5.2", ready=False)
        write("readiness_probe_wrong_port", ns,
              {"category": "probe_failure", "root_cause": "The readiness probe targets port 8080 but the indexer listens on 9200, so the probe gets connection refused and the pod never becomes Ready.",
               "facts": [{"any": ["readiness probe", "Readiness probe failed", "readiness"]}, {"any": ["8080"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodNotReady", {"namespace": ns, "pod": p}, "Pod not ready"),
              {"pods": [pod(p, ns, [c], [st], conditions=[("Ready", "False", "ContainersNotReady", "containers with unready status: [app]")])],
               "events": [event(ns, "Pod", p, "Unhealthy", 'Readiness probe failed: Get "http://10.244.1.23:8080/ready": dial tcp 10.244.1.23:8080: connect: connection refused', count=240)]},
              logs={(p, "app"): ["[2026-03-02T10:05:02Z] INFO indexer listening on :9200", "[2026-03-02T10:05:03Z] INFO cluster health green"]})

    @case
    def liveness():
        ns, p = "api", "gateway-6b5c4d3e2-lv9k2"
        c = container(image="registry.example.com/gateway:4.0", livenessProbe={"httpGet": {"path": "/healthz", "port": 8081}, "initialDelaySeconds": 2, "periodSeconds": 5, "failureThreshold": 2})
        st = cstatus(image="registry.example.com/gateway:4.0", ready=False, restarts=8, state={"running": {"startedAt": T2}},
                     last={"terminated": {"exitCode": 137, "reason": "Error", "startedAt": T1, "finishedAt": T2}})
        write("liveness_probe_too_aggressive", ns,
              {"category": "probe_failure", "root_cause": "The liveness probe starts after 2s but the gateway needs ~30s to start, so the kubelet kills it (exit 137) before it is up.",
               "facts": [{"any": ["liveness probe", "Liveness probe failed", "initialDelaySeconds"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodCrashLooping", {"namespace": ns, "pod": p}, "Pod is crash looping."),
              {"pods": [pod(p, ns, [c], [st])],
               "events": [event(ns, "Pod", p, "Unhealthy", 'Liveness probe failed: Get "http://10.244.1.23:8081/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)', count=16),
                          event(ns, "Pod", p, "Killing", "Container app failed liveness probe, will be restarted", "Normal", 8)]})

    @case
    def insufficient():
        ns, p = "analytics", "spark-driver-0"
        c = container(image="registry.example.com/spark:3.5", requests={"cpu": "8", "memory": "32Gi"}, limits={"memory": "32Gi"})
        write("unschedulable_insufficient_memory", ns,
              {"category": "unschedulable", "root_cause": "The pod requests 8 CPUs and 32Gi memory, more than any node can allocate, so it stays Pending.",
               "facts": [{"any": ["Insufficient memory", "Insufficient cpu", "insufficient"]}, {"any": ["32Gi", "8 CPU", "cpu: 8"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodNotReady", {"namespace": ns, "pod": p}, "Pod not ready"),
              {"pods": [pod(p, ns, [c], [], phase="Pending", node=None, conditions=[("PodScheduled", "False", "Unschedulable", "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory.")])],
               "events": [event(ns, "Pod", p, "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", component="default-scheduler", count=12)]},
              cluster={"nodes": [node("worker-1"), node("worker-2"), node("worker-3")]})

    @case
    def taint():
        ns, p = "gpu", "trainer-58d7c6b5a-t8r7e"
        write("unschedulable_untolerated_taint", ns,
              {"category": "unschedulable", "root_cause": "The only nodes with capacity carry the taint nvidia.com/gpu=present:NoSchedule, which the pod does not tolerate.",
               "facts": [{"any": ["taint", "untolerated", "toleration"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodNotReady", {"namespace": ns, "pod": p}, "Pod not ready"),
              {"pods": [pod(p, ns, [container(image="registry.example.com/trainer:1.0")], [], phase="Pending", node=None)],
               "events": [event(ns, "Pod", p, "FailedScheduling", "0/2 nodes are available: 2 node(s) had untolerated taint {nvidia.com/gpu: present}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.", component="default-scheduler", count=7)]},
              cluster={"nodes": [node("gpu-1", taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]),
                                 node("gpu-2", taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}])]})

    @case
    def pvc_pending():
        ns, p = "db", "postgres-0"
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("data-postgres-0", ns, {"app": "postgres"}),
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}}, "storageClassName": "fast-ssd", "volumeMode": "Filesystem"},
               "status": {"phase": "Pending"}}
        write("storage_pvc_unknown_storageclass", ns,
              {"category": "storage", "root_cause": "PVC data-postgres-0 asks for StorageClass fast-ssd, which does not exist, so it stays Pending and postgres-0 cannot be scheduled.",
               "facts": [{"any": ["fast-ssd"]}, {"any": ["StorageClass", "storage class"]}], "resources": [f"{ns}/PersistentVolumeClaim/data-postgres-0", f"{ns}/Pod/{p}"]},
              alert("KubeStatefulSetReplicasMismatch", {"namespace": ns, "statefulset": "postgres"}, "StatefulSet has not matched the expected number of replicas."),
              {"pods": [pod(p, ns, [container(image="postgres:16")], [], phase="Pending", node=None,
                            volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-postgres-0"}}])],
               "persistentvolumeclaims": [pvc],
               "events": [event(ns, "PersistentVolumeClaim", "data-postgres-0", "ProvisioningFailed", 'storageclass.storage.k8s.io "fast-ssd" not found', component="persistentvolume-controller", count=30),
                          event(ns, "Pod", p, "FailedScheduling", "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", component="default-scheduler", count=9)]},
              cluster={"nodes": [node("worker-1")], "storageclasses": [{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": meta("standard"), "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"}]})

    @case
    def mount_fail():
        ns, p = "files", "uploader-7c6b5a4d3-fm2nt"
        write("storage_volume_attach_timeout", ns,
              {"category": "storage", "root_cause": "The volume cannot be attached: the ReadWriteOnce disk is still attached to another node (Multi-Attach error), so the pod is stuck in ContainerCreating.",
               "facts": [{"any": ["Multi-Attach", "attach", "ReadWriteOnce"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodNotReady", {"namespace": ns, "pod": p}, "Pod not ready"),
              {"pods": [pod(p, ns, [container(image="registry.example.com/uploader:1.2")], [cstatus(image="registry.example.com/uploader:1.2", state={"waiting": {"reason": "ContainerCreating"}})], phase="Pending",
                            volumes=[{"name": "uploads", "persistentVolumeClaim": {"claimName": "uploads"}}])],
               "events": [event(ns, "Pod", p, "FailedAttachVolume", 'Multi-Attach error for volume "pvc-3f2e1d0c" Volume is already exclusively attached to one node and can\'t be attached to another', component="attachdetach-controller", count=4)]})

    @case
    def cm_missing():
        ns, p = "orders", "orders-api-5d4c3b2a1-cm9zz"
        c = container(image="registry.example.com/orders:2.2", env=[{"name": "FEATURE_FLAGS", "valueFrom": {"configMapKeyRef": {"name": "orders-flags", "key": "flags"}}},
                                                                    {"name": "STRIPE_API_KEY", "valueFrom": {"secretKeyRef": {"name": "stripe", "key": "api-key"}}}])
        st = cstatus(image="registry.example.com/orders:2.2", state={"waiting": {"reason": "CreateContainerConfigError", "message": 'configmap "orders-flags" not found'}})
        write("config_missing_configmap_env", ns,
              {"category": "config_missing", "root_cause": "Container env FEATURE_FLAGS refers to ConfigMap orders-flags, which does not exist, so the container cannot be created (CreateContainerConfigError).",
               "facts": [{"any": ["orders-flags"]}, {"any": ["not found", "does not exist", "missing"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodNotReady", {"namespace": ns, "pod": p}, "Pod not ready"),
              {"pods": [pod(p, ns, [c], [st], phase="Pending")],
               "events": [event(ns, "Pod", p, "Failed", 'Error: configmap "orders-flags" not found', count=14)]})

    @case
    def secret_key_missing():
        ns, p = "auth", "keycloak-0"
        c = container(image="quay.io/keycloak/keycloak:26.0", env=[{"name": "KC_DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "keycloak-db", "key": "password"}}}])
        st = cstatus(image="quay.io/keycloak/keycloak:26.0", state={"waiting": {"reason": "CreateContainerConfigError", "message": "couldn't find key password in Secret auth/keycloak-db"}})
        write("config_missing_secret_key", ns,
              {"category": "config_missing", "root_cause": "Secret keycloak-db exists but has no key 'password', which KC_DB_PASSWORD references, so the container cannot be created.",
               "facts": [{"any": ["keycloak-db"]}, {"any": ["password"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodNotReady", {"namespace": ns, "pod": p}, "Pod not ready"),
              {"pods": [pod(p, ns, [c], [st], phase="Pending")],
               "events": [event(ns, "Pod", p, "Failed", "Error: couldn't find key password in Secret auth/keycloak-db", count=9)]})

    @case
    def node_notready():
        ns, p = "shop", "checkout-6f5e4d3c2-nn1kx"
        write("node_not_ready_kubelet_stopped", ns,
              {"category": "node_failure", "root_cause": "Node worker-2 is NotReady (kubelet stopped posting status), so its pods are unreachable and being evicted.",
               "facts": [{"any": ["NotReady", "not ready", "Kubelet stopped posting"]}, {"any": ["worker-2"]}], "resources": ["Node/worker-2"]},
              alert("KubeNodeNotReady", {"node": "worker-2"}, "Node is not ready."),
              {"pods": [pod(p, ns, [container()], [cstatus(ready=False)], node="worker-2", conditions=[("Ready", "False", None, None)])],
               "events": [event("default", "Node", "worker-2", "NodeNotReady", "Node worker-2 status is now: NodeNotReady", "Normal", component="node-controller")]},
              cluster={"nodes": [node("worker-1"), node("worker-2", ready="Unknown")]})

    @case
    def disk_pressure():
        ns, p = "logs", "fluentd-x8k2m"
        write("node_disk_pressure_evictions", ns,
              {"category": "node_failure", "root_cause": "Node worker-3 has DiskPressure (its disk is almost full), so the kubelet evicts pods from it.",
               "facts": [{"any": ["DiskPressure", "disk pressure", "disk"]}, {"any": ["evict", "Evicted"]}], "resources": ["Node/worker-3"]},
              alert("KubeNodeConditionDiskPressure", {"node": "worker-3", "namespace": ns}, "Node has disk pressure"),
              {"pods": [pod(p, ns, [container(image="fluent/fluentd:v1.17")], [], phase="Failed", node="worker-3",
                            status_extra={"reason": "Evicted", "message": "The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 3Gi."})],
               "events": [event(ns, "Pod", p, "Evicted", "The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 3Gi.", component="kubelet")]},
              cluster={"nodes": [node("worker-1"), node("worker-3", pressure="DiskPressure", taints=[{"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"}])]})

    @case
    def throttling():
        ns, p = "api", "pricing-7d6c5b4a3-th8tl"
        c = container(image="registry.example.com/pricing:1.9", limits={"cpu": "200m", "memory": "512Mi"}, requests={"cpu": "100m"})
        q = throttle_query(ns)
        resp = {"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"container": "app", "pod": p}, "value": [1772445120.0, "0.8731"]}]}}
        write("saturation_cpu_throttling", ns,
              {"category": "resource_saturation", "root_cause": "The pricing container's CPU limit (200m) is far below its load; it is throttled 87% of CFS periods, so latency alerts fire.",
               "facts": [{"any": ["throttl"]}, {"any": ["200m", "CPU limit"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("CPUThrottlingHigh", {"namespace": ns, "pod": p, "container": "app"}, "Processes experience elevated CPU throttling."),
              {"pods": [pod(p, ns, [c], [cstatus(image="registry.example.com/pricing:1.9", ready=True)])], "events": []},
              queries=[{"path": "/api/v1/query", "params": {"query": q}, "response": resp}])

    @case
    def dep_refused():
        ns, p = "shop", "inventory-5b4a3c2d1-dp7rf"
        st = cstatus(**crashloop_state(1, "Error", 5))
        write("dependency_database_refused", ns,
              {"category": "dependency_failure", "root_cause": "inventory cannot reach its PostgreSQL at postgres.shop.svc:5432 (connection refused: the database is down), exits and crash-loops.",
               "facts": [{"any": ["connection refused"]}, {"any": ["postgres", "database", "5432"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodCrashLooping", {"namespace": ns, "pod": p}, "Pod is crash looping."),
              {"pods": [pod(p, ns, [container(env=[{"name": "DATABASE_URL", "value": "postgres://inventory:pl41nPassw0rd@postgres.shop.svc:5432/inventory"}])], [st])],
               "events": [backoff_event(ns, p)]},
              prev={(p, "app"): ["time=2026-03-02T10:11:50Z level=info msg=\"connecting to database\"",
                                 "time=2026-03-02T10:11:55Z level=error msg=\"db ping failed\" err=\"dial tcp 10.96.14.2:5432: connect: connection refused\"",
                                 "time=2026-03-02T10:11:55Z level=fatal msg=\"giving up after 5 attempts\""]})

    @case
    def dns():
        ns, p = "notify", "mailer-6c5b4a3d2-dn5sx"
        st = cstatus(**crashloop_state(2, "Error", 3))
        write("dns_external_host_not_resolved", ns,
              {"category": "network_dns", "root_cause": "The mailer cannot resolve smtp.mailprovider.internal (no such host): the name is wrong or cluster DNS cannot resolve it.",
               "facts": [{"any": ["no such host", "DNS", "resolve"]}, {"any": ["smtp.mailprovider.internal"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodCrashLooping", {"namespace": ns, "pod": p}, "Pod is crash looping."),
              {"pods": [pod(p, ns, [container()], [st])], "events": [backoff_event(ns, p)]},
              prev={(p, "app"): ["mailer starting", "panic: dial tcp: lookup smtp.mailprovider.internal on 10.96.0.10:53: no such host", "", "goroutine 1 [running]:", "main.main()"]})

    @case
    def job_backoff():
        ns, job = "etl", "nightly-export-29015"
        pods = []
        for i, suffix in enumerate(["a1b2c", "d3e4f", "g5h6i"]):
            pn = f"{job}-{suffix}"
            pods.append(pod(pn, ns, [container(name="export", image="registry.example.com/export:7")],
                            [cstatus(name="export", image="registry.example.com/export:7", state={"terminated": {"exitCode": 3, "reason": "Error", "startedAt": T1, "finishedAt": T2}})],
                            phase="Failed", owner=("Job", job), labels={"job-name": job, "batch.kubernetes.io/job-name": job}, spec_extra={"restartPolicy": "Never"}))
        j = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta(job, ns, {"job-name": job}, None),
             "spec": {"backoffLimit": 2, "completions": 1, "parallelism": 1, "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "uid-" + job}},
                      "template": {"spec": {"containers": [container(name="export", image="registry.example.com/export:7")], "restartPolicy": "Never"}}},
             "status": {"failed": 3, "startTime": T0, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": T2, "lastTransitionTime": T2}]}}
        write("job_backoff_limit_s3_denied", ns,
              {"category": "job_failure", "root_cause": "Job nightly-export failed after reaching its backoff limit: each pod exits 3 because the S3 bucket denies access (AccessDenied).",
               "facts": [{"any": ["BackoffLimitExceeded", "backoff limit"]}, {"any": ["AccessDenied", "Access Denied"]}], "resources": [f"{ns}/Job/{job}"]},
              alert("KubeJobFailed", {"namespace": ns, "job_name": job}, "Job failed to complete."),
              {"pods": pods, "jobs": [j], "events": [event(ns, "Job", job, "BackoffLimitExceeded", "Job has reached the specified backoff limit", component="job-controller", api="batch/v1")]},
              logs={(p["metadata"]["name"], "export"): ["exporting orders for 2026-03-01", "upload failed: AccessDenied: Access Denied (Service: S3, Status Code: 403)"] for p in pods})

    @case
    def rollout():
        ns, d = "web", "catalog"
        dep = deployment(d, ns, replicas=3, ready=3, updated=1, conditions=[
            ("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
            ("Progressing", "False", "ProgressDeadlineExceeded", f'ReplicaSet "{d}-8f7e6d5c4" has timed out progressing.')])
        new_pod = pod(f"{d}-8f7e6d5c4-nw1pd", ns, [container()], [cstatus(ready=False, state={"waiting": {"reason": "ContainerCreating"}})], phase="Pending",
                      owner=("ReplicaSet", f"{d}-8f7e6d5c4"), labels={"app": d})
        write("rollout_progress_deadline", ns,
              {"category": "rollout_stuck", "root_cause": "The catalog rollout exceeded its progress deadline (ProgressDeadlineExceeded): the new ReplicaSet's pod never became available.",
               "facts": [{"any": ["ProgressDeadlineExceeded", "progress deadline"]}], "resources": [f"{ns}/Deployment/{d}"]},
              alert("KubeDeploymentRolloutStuck", {"namespace": ns, "deployment": d}, "Deployment rollout is not progressing."),
              {"deployments": [dep], "replicasets": [replicaset(f"{d}-8f7e6d5c4", ns, d, 1, 0), replicaset(f"{d}-5a4b3c2d1", ns, d, 3, 3)], "pods": [new_pod], "events": []})

    @case
    def quota():
        ns, d = "team-a", "reports"
        rs = f"{d}-6d5c4b3a2"
        q = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("team-a-quota", ns),
             "spec": {"hard": {"requests.memory": "4Gi", "pods": "10"}}, "status": {"hard": {"requests.memory": "4Gi", "pods": "10"}, "used": {"requests.memory": "3584Mi", "pods": "7"}}}
        write("quota_memory_exceeded", ns,
              {"category": "quota_exceeded", "root_cause": "ResourceQuota team-a-quota caps requests.memory at 4Gi; 3584Mi is used, so the ReplicaSet cannot create a pod requesting 1Gi.",
               "facts": [{"any": ["exceeded quota", "team-a-quota", "ResourceQuota"]}, {"any": ["requests.memory", "memory"]}], "resources": [f"{ns}/Deployment/{d}", f"{ns}/ResourceQuota/team-a-quota"]},
              alert("KubeDeploymentReplicasMismatch", {"namespace": ns, "deployment": d}, "Deployment has not matched the expected number of replicas."),
              {"deployments": [deployment(d, ns, replicas=2, ready=1, conditions=[("Available", "True", "MinimumReplicasAvailable", "ok"),
                                                                                ("ReplicaFailure", "True", "FailedCreate", f'pods "{rs}-x" is forbidden: exceeded quota: team-a-quota, requested: requests.memory=1Gi, used: requests.memory=3584Mi, limited: requests.memory=4Gi')])],
               "replicasets": [replicaset(rs, ns, d, 2, 1)], "resourcequotas": [q], "pods": [],
               "events": [event(ns, "ReplicaSet", rs, "FailedCreate", f'Error creating: pods "{rs}-7xk2p" is forbidden: exceeded quota: team-a-quota, requested: requests.memory=1Gi, used: requests.memory=3584Mi, limited: requests.memory=4Gi', component="replicaset-controller", count=17, api="apps/v1")]})

    @case
    def cert():
        ns, p = "billing", "invoice-sync-7e6d5c4b3-ce4rt"
        st = cstatus(**crashloop_state(1, "Error", 6))
        write("certificate_expired_upstream", ns,
              {"category": "certificate_expiry", "root_cause": "The upstream API's TLS certificate has expired (x509: certificate has expired), so every sync call fails and the worker exits.",
               "facts": [{"any": ["x509", "certificate has expired", "expired certificate", "certificate expired"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodCrashLooping", {"namespace": ns, "pod": p}, "Pod is crash looping."),
              {"pods": [pod(p, ns, [container(env=[{"name": "UPSTREAM_TOKEN", "value": "tok_9f8e7d6c5b4a"}])], [st])], "events": [backoff_event(ns, p)]},
              prev={(p, "app"): ["2026/03/02 10:11:57 sync: GET https://api.partner.example.com/v2/invoices",
                                 "2026/03/02 10:11:57 sync failed: Get \"https://api.partner.example.com/v2/invoices\": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-03-02T10:11:57Z is after 2026-02-28T23:59:59Z"]})

    @case
    def control_plane():
        ns, p = "kube-system", "kube-apiserver-cp-1"
        c = container(name="kube-apiserver", image="registry.k8s.io/kube-apiserver:v1.33.1", command=["kube-apiserver", "--etcd-servers=https://127.0.0.1:2379"])
        st = cstatus(name="kube-apiserver", image="registry.k8s.io/kube-apiserver:v1.33.1", **crashloop_state(1, "Error", 14))
        write("control_plane_apiserver_etcd", ns,
              {"category": "control_plane", "root_cause": "kube-apiserver on cp-1 crash-loops because it cannot reach etcd at 127.0.0.1:2379 (etcd is down), so the API is unavailable.",
               "facts": [{"any": ["etcd"]}, {"any": ["kube-apiserver", "API server", "apiserver"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubeAPIDown", {"namespace": ns, "pod": p}, "Target disappeared from Prometheus target discovery."),
              {"pods": [pod(p, ns, [c], [st], node="cp-1", labels={"component": "kube-apiserver", "tier": "control-plane"})], "events": [backoff_event(ns, p)]},
              prev={(p, "kube-apiserver"): ["I0302 10:11:40.1 server.go:155] Version: v1.33.1",
                                            "W0302 10:11:50.2 logging.go:59] [core] grpc: addrConn.createTransport failed to connect to {Addr: \"127.0.0.1:2379\"}: dial tcp 127.0.0.1:2379: connect: connection refused",
                                            "F0302 10:11:59.9 instance.go:226] Error creating leases: error creating storage factory: context deadline exceeded"]},
              cluster={"nodes": [node("cp-1", labels={"node-role.kubernetes.io/control-plane": ""})]})

    @case
    def crash_healthy_neighbour():
        ns, p = "shop", "recommender-5f4e3d2c1-rc8nb"
        st = cstatus(**crashloop_state(139, "Error", 10))
        write("crash_segfault", ns,
              {"category": "crash_app_error", "root_cause": "The recommender segfaults (exit code 139, SIGSEGV) in its native model library on start.",
               "facts": [{"any": ["139", "segmentation fault", "SIGSEGV"]}], "resources": [f"{ns}/Pod/{p}"]},
              alert("KubePodCrashLooping", {"namespace": ns, "pod": p}, "Pod is crash looping."),
              {"pods": [pod(p, ns, [container()], [st]), pod("cart-api-6c9d7f8b4-ok111", ns, [container()], [cstatus(ready=True)])], "events": [backoff_event(ns, p)]},
              prev={(p, "app"): ["loading model weights from /models/rec.bin", "Fatal Python error: Segmentation fault", "Current thread 0x00007f (most recent call first):"]})

    for fn in cases:
        fn()
    print(f"wrote {len(cases)} bundles under {os.path.normpath(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
