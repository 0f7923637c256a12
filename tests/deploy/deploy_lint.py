#!/usr/bin/env python3
"""Structural checks of deploy/ that need no container engine or cluster.

Called by tests/deploy/check-deploy.sh, one check per invocation:
    deploy_lint.py <check> [args]
Prints what is wrong and exits 1, or exits 0. Run from the repository root.
Needs PyYAML (Debian python3-yaml).
"""

import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(".")
DEPLOY = ROOT / "deploy"
METRICS_FILE = ROOT / "tests/deploy/metric-names.txt"
CONFIG_CPP = ROOT / "signaling/config/config.cpp"

errors = []


def err(msg):
    errors.append(msg)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_yaml_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# ---------------------------------------------------------------- PromQL metric names


def load_metrics():
    """name -> (type, set of labels) from tests/deploy/metric-names.txt."""
    metrics = {}
    for line in METRICS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, mtype, labels = line.split()
        metrics[name] = (mtype, set() if labels == "-" else set(labels.split(",")))
    return metrics


# Words of PromQL that look like identifiers but are not metric names.
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "by", "without", "on", "ignoring", "group_left",
    "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan", "atan2",
}


def promql_selectors(expr):
    """Yields (metric name, matcher text or None) for each series selector in a PromQL
    expression. A small tokenizer, not a parser: strings, ranges, grouping clauses, numbers,
    function calls and Grafana variables are removed first."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    s = re.sub(r"'(?:[^'\\]|\\.)*'", "''", s)
    # Label matcher lists become {<private-use char N>} so their label names are not scanned.
    blocks = []

    def stash(m):
        blocks.append(m.group(1))
        return "{" + chr(0xE000 + len(blocks) - 1) + "}"

    s = re.sub(r"\{([^}]*)\}", stash, s)
    s = re.sub(r"\[[^\]]*\]", " ", s)  # range vectors, subqueries
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\boffset\s+-?\w+", " ", s)
    s = re.sub(r"\$\{?\w+\}?", " ", s)  # Grafana variables outside matchers
    # Numbers (also 1e3, 0x1f) that do not continue an identifier.
    s = re.sub(r"(?<![\w:])(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)", " ", s)
    for m in re.finditer(r"[A-Za-z_:][\w:]*", s):
        name = m.group(0)
        rest = s[m.end():].lstrip()
        if name.lower() in PROMQL_WORDS or rest.startswith("("):
            continue  # keyword, aggregation or function call
        matchers = blocks[ord(rest[1]) - 0xE000] if rest.startswith("{") else None
        yield name, matchers


def matcher_labels(matchers_text):
    """Label names of a matcher list; the strings were blanked, so take names before operators."""
    return set(re.findall(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)", matchers_text))


def check_expr(where, expr, metrics):
    if "__name__" in expr:
        err(f"{where}: selectors by __name__ are not checked; name the metric")
    found = False
    for name, matchers in promql_selectors(expr):
        found = True
        base, mtype, labels = name, None, None
        if name in metrics:
            mtype, labels = metrics[name]
        else:
            for suffix in ("_bucket", "_sum", "_count"):
                b = name[: -len(suffix)]
                if name.endswith(suffix) and metrics.get(b, ("",))[0] == "histogram":
                    base, (mtype, labels) = b, metrics[b]
                    if suffix == "_bucket":
                        labels = labels | {"le"}
                    break
        if mtype is None:
            err(f"{where}: unknown metric {name!r} (not in {METRICS_FILE})")
            continue
        if mtype == "histogram" and base == name:
            err(f"{where}: histogram {name!r} used without _bucket/_sum/_count")
        if matchers:
            for label in matcher_labels(matchers) - labels - {"job", "instance"}:
                err(f"{where}: metric {name!r} has no label {label!r}")
    if not found:
        err(f"{where}: expression selects no metric: {expr!r}")


# ---------------------------------------------------------------- checks


def check_yaml():
    files = sorted(
        p for p in DEPLOY.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()
    )
    if not files:
        err("no YAML files under deploy/")
    for p in files:
        try:
            docs = load_yaml_all(p)
        except yaml.YAMLError as e:
            err(f"{p}: {e}")
            continue
        if not docs:
            err(f"{p}: empty")
        for d in docs:
            if not isinstance(d, dict):
                err(f"{p}: top level is not a mapping")
    print(f"{len(files)} YAML files parsed")


def check_dashboard():
    metrics = load_metrics()
    path = DEPLOY / "grafana/dashboards/sfu-server.json"
    try:
        dash = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        err(f"{path}: {e}")
        return
    for key in ("uid", "title", "panels", "schemaVersion"):
        if key not in dash:
            err(f"{path}: no {key!r}")
    variables = {v.get("name") for v in dash.get("templating", {}).get("list", [])}
    ids, exprs = set(), 0
    for panel in dash.get("panels", []):
        pid, title = panel.get("id"), panel.get("title", "?")
        if pid in ids:
            err(f"{path}: duplicate panel id {pid}")
        ids.add(pid)
        g = panel.get("gridPos", {})
        if g.get("x", 0) + g.get("w", 0) > 24 or g.get("w", 0) <= 0 or g.get("h", 0) <= 0:
            err(f"{path}: panel {title!r} has a bad gridPos {g}")
        if panel.get("type") == "row":
            continue
        targets = panel.get("targets", [])
        if not targets:
            err(f"{path}: panel {title!r} has no query")
        for t in targets:
            uid = t.get("datasource", {}).get("uid", "")
            m = re.fullmatch(r"\$\{(\w+)\}", uid)
            if m and m.group(1) not in variables:
                err(f"{path}: panel {title!r} uses undefined variable {uid}")
            for var in re.findall(r"\$(\w+)", t.get("expr", "")):
                if not var.startswith("__") and var not in variables:
                    err(f"{path}: panel {title!r} uses undefined variable ${var}")
            exprs += 1
            check_expr(f"{path}: panel {title!r}", t.get("expr", ""), metrics)
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        if v.get("type") == "query":
            text = q.get("query", "") if isinstance(q, dict) else q
            inner = re.fullmatch(r"\s*label_values\((.*),\s*\w+\)\s*", text or "")
            check_expr(f"{path}: variable {v['name']!r}", inner.group(1) if inner else text, metrics)
    for needed in ("sfu_calls", "sfu_call_participants", "sfu_rtp_bytes_total",
                   "sfu_receiver_loss_ratio", "sfu_layer_switches_total",
                   "sfu_ice_handshake_seconds", "sfu_dtls_handshake_seconds",
                   "sfu_worker_utilization_ratio", "sfu_http_requests_total",
                   "sfu_socketio_events_total"):
        if needed not in path.read_text(encoding="utf-8"):
            err(f"{path}: no panel uses {needed}")
    print(f"{len(ids)} panels, {exprs} queries checked")


def check_rules():
    metrics = load_metrics()
    path = DEPLOY / "prometheus/alerts.yml"
    names = set()
    for group in load_yaml(path)["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            names.add(name)
            check_expr(f"{path}: {name}", rule["expr"], metrics)
            if "alert" in rule:
                if rule.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
                    err(f"{path}: {name}: severity label missing or unknown")
                for a in ("summary", "description"):
                    if not rule.get("annotations", {}).get(a):
                        err(f"{path}: {name}: no {a} annotation")
    for need in ("SfuServerDown", "HighPacketLoss", "HandshakeFailures", "WorkerCpuSaturated",
                 "HighForwardingLatency"):
        if need not in names:
            err(f"{path}: alert {need} missing")
    tested = set()
    for t in load_yaml(DEPLOY / "prometheus/alerts_test.yml")["tests"]:
        for a in t.get("alert_rule_test", []):
            if a.get("exp_alerts"):
                tested.add(a["alertname"])
    for name in sorted(names - tested):
        err(f"alerts_test.yml: no test where {name} fires")
    print(f"{len(names)} rules checked, {len(tested)} with a firing test")


def check_rule_sync():
    rules = load_yaml(DEPLOY / "prometheus/alerts.yml")["groups"]
    (cr,) = load_yaml_all(DEPLOY / "k8s/prometheusrule.yaml")
    if cr.get("apiVersion") != "monitoring.coreos.com/v1" or cr.get("kind") != "PrometheusRule":
        err("k8s/prometheusrule.yaml: not a monitoring.coreos.com/v1 PrometheusRule")
    if cr.get("spec", {}).get("groups") != rules:
        err("k8s/prometheusrule.yaml: spec.groups differs from deploy/prometheus/alerts.yml")


def server_env_names():
    text = CONFIG_CPP.read_text(encoding="utf-8")
    names = set(re.findall(r'envname\("(\w+)"\)', text))
    if not names:
        err(f"{CONFIG_CPP}: no envname(...) found")
    return names


def k8s_docs():
    docs = {}
    kust = load_yaml(DEPLOY / "k8s/kustomization.yaml")
    for res in kust.get("resources", []):
        p = DEPLOY / "k8s" / res
        if not p.is_file():
            err(f"k8s/kustomization.yaml: resource {res} does not exist")
            continue
        if "example" in res:
            err(f"k8s/kustomization.yaml: lists the example file {res}")
        for d in load_yaml_all(p):
            docs[(d.get("kind"), d.get("metadata", {}).get("name"))] = d
    return kust, docs


def check_k8s():
    env_names = server_env_names()
    kust, docs = k8s_docs()
    for kind in ("Deployment", "Service", "ConfigMap", "ServiceMonitor", "PrometheusRule",
                 "PersistentVolumeClaim"):
        if not any(k == kind for k, _ in docs):
            err(f"k8s: no {kind} in kustomization resources")
    dep = docs.get(("Deployment", "sfu-server"))
    cm = docs.get(("ConfigMap", "sfu-server-config"))
    svc = docs.get(("Service", "sfu-server"))
    sm = docs.get(("ServiceMonitor", "sfu-server"))
    if not (dep and cm and svc and sm):
        err("k8s: Deployment/Service/ServiceMonitor sfu-server or ConfigMap sfu-server-config missing")
        return
    data = cm.get("data", {})
    for key in data:
        if key not in env_names:
            err(f"k8s ConfigMap: {key} is not an env var of sfu-server")
    pod = dep["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    if not pod.get("hostNetwork"):
        err("k8s Deployment: hostNetwork is not true")
    if pod.get("dnsPolicy") != "ClusterFirstWithHostNet":
        err("k8s Deployment: hostNetwork needs dnsPolicy ClusterFirstWithHostNet")
    anti = pod.get("affinity", {}).get("podAntiAffinity", {})
    terms = anti.get("requiredDuringSchedulingIgnoredDuringExecution", [])
    if not any(t.get("topologyKey") == "kubernetes.io/hostname" for t in terms):
        err("k8s Deployment: no required anti-affinity per node")
    if c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
        err("k8s Deployment: livenessProbe is not GET /healthz")
    if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
        err("k8s Deployment: readinessProbe is not GET /readyz")
    pre = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pre_s = int(pre[-1]) if pre and "sleep" in pre[0] and pre[-1].isdigit() else 0
    if not pre:
        err("k8s Deployment: no preStop hook")
    drain = int(data.get("SFU_DRAIN_SECONDS", 30))
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace <= drain + pre_s:
        err(f"k8s Deployment: terminationGracePeriodSeconds {grace} <= drain {drain} + preStop {pre_s}")
    psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
    if not (psc.get("runAsNonRoot") or csc.get("runAsNonRoot")):
        err("k8s Deployment: runAsNonRoot not set")
    if (csc.get("runAsUser") or psc.get("runAsUser") or 0) == 0:
        err("k8s Deployment: runAsUser missing or 0")
    if csc.get("allowPrivilegeEscalation") is not False:
        err("k8s Deployment: allowPrivilegeEscalation not false")
    res = c.get("resources", {})
    if not res.get("requests") or not res.get("limits", {}).get("memory"):
        err("k8s Deployment: resources need requests and a memory limit")
    mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
    if "/data" not in mounts:
        err("k8s Deployment: no volume at /data")
    if c.get("image", "").endswith(":latest") or ":" not in c.get("image", ""):
        err("k8s Deployment: image without a fixed tag")
    secret_keys = set()
    for e in c.get("env", []):
        if e["name"] not in env_names:
            err(f"k8s Deployment: env {e['name']} is not an env var of sfu-server")
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            secret_keys.add(ref["key"])
    for need in ("SFU_JWT_SECRET", "SFU_DB_KEY", "SFU_TURN_SECRET"):
        if need not in secret_keys:
            err(f"k8s Deployment: {need} does not come from the Secret")
        if need in data:
            err(f"k8s ConfigMap: holds the secret {need}")
    (example,) = load_yaml_all(DEPLOY / "k8s/secret.example.yaml")
    missing = secret_keys - set(example.get("stringData", {}))
    if missing:
        err(f"k8s/secret.example.yaml: lacks {sorted(missing)}")
    workers, rtc = int(data.get("SFU_WORKERS", 1)), int(data.get("SFU_RTC_PORT", 40000))
    ports = {(p["containerPort"], p.get("protocol", "TCP")) for p in c.get("ports", [])}
    for i in range(workers):
        for proto in ("UDP", "TCP"):
            if (rtc + i, proto) not in ports:
                err(f"k8s Deployment: media port {rtc + i}/{proto} not listed (SFU_WORKERS={workers})")
    svc_ports = {p.get("name"): p for p in svc["spec"]["ports"]}
    if svc_ports.get("http", {}).get("port") != 8080:
        err("k8s Service: no port http 8080")
    ep = sm["spec"]["endpoints"][0]
    if ep.get("port") not in svc_ports or ep.get("path") != "/metrics":
        err("k8s ServiceMonitor: endpoint does not scrape the Service's http port at /metrics")
    if sm["spec"]["selector"].get("matchLabels", {}).items() - svc["metadata"].get("labels", {}).items():
        err("k8s ServiceMonitor: selector does not match the Service labels")
    if svc["spec"]["selector"].items() - dep["spec"]["template"]["metadata"]["labels"].items():
        err("k8s Service: selector does not match the pod labels")
    print(f"{len(docs)} Kubernetes objects checked")


def compose_env(service):
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return env


def check_compose():
    env_names = server_env_names()
    path = DEPLOY / "docker-compose.yml"
    c = load_yaml(path)
    services = c.get("services", {})
    for name in ("sfu-server", "coturn", "prometheus", "grafana"):
        if name not in services:
            err(f"{path}: no service {name}")
    declared = set((c.get("volumes") or {}).keys())
    for name, s in services.items():
        image = s.get("image", "")
        if "build" not in s and (":" not in image or image.endswith(":latest")):
            err(f"{path}: {name}: image {image!r} has no fixed tag")
        for v in s.get("volumes", []):
            src = v.split(":", 1)[0]
            if src.startswith((".", "/")):
                if not (DEPLOY / src).exists():
                    err(f"{path}: {name}: bind source {src} does not exist")
            elif src not in declared:
                err(f"{path}: {name}: volume {src} not declared")
    sfu = services.get("sfu-server", {})
    build = sfu.get("build", {})
    if not (DEPLOY / build.get("context", "") / build.get("dockerfile", "")).is_file():
        err(f"{path}: sfu-server build does not point at deploy/Dockerfile")
    env = compose_env(sfu)
    for key in env:
        if key.startswith("SFU_") and key not in env_names:
            err(f"{path}: sfu-server env {key} is not an env var of sfu-server")
    workers, rtc = int(env.get("SFU_WORKERS", 0)), int(env.get("SFU_RTC_PORT", 40000))
    if not sfu.get("network_mode") == "host":
        ports = " ".join(str(p) for p in sfu.get("ports", []))
        want = f"{rtc}-{rtc + workers - 1}:{rtc}-{rtc + workers - 1}"
        for proto in ("udp", "tcp"):
            if f"{want}/{proto}" not in ports:
                err(f"{path}: sfu-server does not publish {want}/{proto} for SFU_WORKERS={workers}")
    if "${SFU_TURN_SECRET" not in env.get("SFU_TURN_SECRET", ""):
        err(f"{path}: sfu-server SFU_TURN_SECRET does not come from the environment")
    cmd = " ".join(services.get("coturn", {}).get("command", []))
    if "--static-auth-secret=${SFU_TURN_SECRET" not in cmd:
        err(f"{path}: coturn does not use the same SFU_TURN_SECRET as static-auth-secret")
    conf = (DEPLOY / "coturn/turnserver.conf").read_text(encoding="utf-8")
    lines = {ln.strip() for ln in conf.splitlines() if ln.strip() and not ln.startswith("#")}
    if "use-auth-secret" not in lines:
        err("coturn/turnserver.conf: no use-auth-secret")
    if any(ln.startswith("static-auth-secret") for ln in lines):
        err("coturn/turnserver.conf: holds a static-auth-secret (must come from the environment)")
    prom = load_yaml(DEPLOY / "prometheus/prometheus.yml")
    jobs = {j["job_name"]: j for j in prom["scrape_configs"]}
    targets = [t for sc in jobs.get("sfu-server", {}).get("static_configs", []) for t in sc["targets"]]
    if "sfu-server:8080" not in targets or jobs["sfu-server"].get("metrics_path", "/metrics") != "/metrics":
        err("prometheus.yml: job sfu-server does not scrape sfu-server:8080/metrics")
    if "alerts.yml" not in prom.get("rule_files", []):
        err("prometheus.yml: alerts.yml not in rule_files")
    ds = load_yaml(DEPLOY / "grafana/provisioning/datasources/prometheus.yml")
    if not any(d.get("url") == "http://prometheus:9090" for d in ds["datasources"]):
        err("grafana datasource does not point at http://prometheus:9090")
    prov = load_yaml(DEPLOY / "grafana/provisioning/dashboards/sfu-server.yml")
    graf_mounts = {v.split(":")[1] for v in services.get("grafana", {}).get("volumes", [])}
    for p in prov["providers"]:
        if p["options"]["path"] not in graf_mounts:
            err(f"grafana dashboard provider path {p['options']['path']} is not mounted")
    print(f"{len(services)} compose services checked")


def dockerfile_instructions():
    """(stage index, INSTRUCTION, arguments) with continuation lines joined."""
    out, stage, buf = [], -1, ""
    for raw in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        instr, _, args = buf.partition(" ")
        instr = instr.upper()
        if instr == "FROM":
            stage += 1
        out.append((stage, instr, args.strip()))
        buf = ""
    return out


def dockerfile_apt_packages(stage_filter=None):
    pkgs = []
    stages = {}
    for stage, instr, args in dockerfile_instructions():
        if instr == "FROM":
            m = re.search(r"\bAS\s+(\S+)", args, re.I)
            stages[stage] = m.group(1) if m else str(stage)
        if instr != "RUN" or (stage_filter and stages.get(stage) != stage_filter):
            continue
        for m in re.finditer(r"apt-get install ([^&;|]*)", args):
            pkgs += [w for w in m.group(1).split() if not w.startswith("-")]
    return pkgs


def check_dockerfile():
    env_names = server_env_names()
    ins = dockerfile_instructions()
    froms = [(s, a) for s, i, a in ins if i == "FROM"]
    if len(froms) < 2:
        err("Dockerfile: not multi-stage")
    images = [a.split()[0] for _, a in froms]
    stage_names = {a.split()[-1] for _, a in froms if re.search(r"\bAS\b", a, re.I)}
    for img in images:
        if img in stage_names:
            continue
        if ":" not in img or img.endswith(":latest"):
            err(f"Dockerfile: base image {img} has no fixed tag")
    if images and images[0] != "debian:bookworm":
        err("Dockerfile: build stage is not debian:bookworm")
    if images and images[-1] != "debian:bookworm-slim":
        err("Dockerfile: runtime stage is not debian:bookworm-slim")
    last = len(froms) - 1
    final = [(i, a) for s, i, a in ins if s == last]
    users = [a for i, a in final if i == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        err("Dockerfile: final stage does not switch to a non-root USER")
    for need in ("HEALTHCHECK", "STOPSIGNAL", "EXPOSE", "VOLUME", "ENTRYPOINT"):
        if not any(i == need for i, _ in final):
            err(f"Dockerfile: final stage has no {need}")
    expose = " ".join(a for i, a in final if i == "EXPOSE").split()
    env = {}
    for i, a in final:
        if i == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", a)))
    for key in env:
        if key.startswith("SFU_") and key not in env_names:
            err(f"Dockerfile: ENV {key} is not an env var of sfu-server")
    workers, rtc = int(env.get("SFU_WORKERS", 4)), int(env.get("SFU_RTC_PORT", 40000))
    rng = f"{rtc}-{rtc + workers - 1}"
    for want in ("8080/tcp", f"{rng}/udp", f"{rng}/tcp"):
        if want not in expose:
            err(f"Dockerfile: EXPOSE lacks {want} (SFU_WORKERS={workers})")
    if env.get("SFU_DB", "").rsplit("/", 1)[0] != "/data":
        err("Dockerfile: SFU_DB is not under the /data volume")
    ignore = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")]
    copies = 0
    for _, i, a in ins:
        if i not in ("COPY", "ADD") or "--from=" in a:
            continue
        words = [w for w in a.split() if not w.startswith("--")]
        for src in words[:-1]:
            copies += 1
            if not (ROOT / src).exists():
                err(f"Dockerfile: COPY source {src} does not exist")
            top = src.strip("/").split("/")[0]
            for pat in ignore:
                if pat.rstrip("/") == top or pat.rstrip("/") == src.strip("/"):
                    err(f"Dockerfile: COPY source {src} is excluded by .dockerignore ({pat})")
    if ".git" not in ignore or not any(p.startswith("build") for p in ignore):
        err(".dockerignore: should exclude .git and build*/")
    if not any("node_modules" in p for p in ignore):
        err(".dockerignore: should exclude node_modules")
    print(f"{len(froms)} stages, {copies} COPY sources checked")


CHECKS = {
    "yaml": check_yaml,
    "dashboard": check_dashboard,
    "rules": check_rules,
    "rule-sync": check_rule_sync,
    "k8s": check_k8s,
    "compose": check_compose,
    "dockerfile": check_dockerfile,
}


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "apt-packages":
        print("\n".join(dockerfile_apt_packages(sys.argv[2] if len(sys.argv) > 2 else None)))
        return 0
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        print(f"usage: {sys.argv[0]} {{{'|'.join(CHECKS)}|apt-packages [stage]}}", file=sys.stderr)
        return 2
    try:
        CHECKS[sys.argv[1]]()
    except (OSError, KeyError, ValueError, TypeError, yaml.YAMLError) as e:
        err(f"{type(e).__name__}: {e}")
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
