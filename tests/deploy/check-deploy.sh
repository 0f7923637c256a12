#!/usr/bin/env bash
# Lints deploy/ with what a machine without a container engine or cluster allows:
#   promtool check config/rules and promtool test rules; every YAML file parses; the Grafana
#   dashboard and the alert rules use only the metric names of tests/deploy/metric-names.txt;
#   the Kubernetes, compose and coturn files agree with each other and with the server's env vars;
#   the Dockerfile's structure, COPY sources and apt package names; shell syntax.
# Optional argument: a built sfu-server binary, to check that the runtime image's package list
# provides every shared library it links.
# Usage: tests/deploy/check-deploy.sh [build/bin/sfu-server]
# Last line: "N passed, N failed, N skipped"; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
binary=${1:-}

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "PASS  $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; }
skip() { skipped=$((skipped + 1)); echo "SKIP  $1"; }
# check NAME COMMAND...: runs COMMAND, shows its output indented when it fails.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    pass "$name"
  else
    fail "$name"
    printf '%s\n' "$out" | sed 's/^/      /'
  fi
}

# ---- Prometheus: config, rules, rule unit tests
if command -v promtool >/dev/null; then
  check "promtool check config deploy/prometheus/prometheus.yml" \
    promtool check config deploy/prometheus/prometheus.yml
  check "promtool check rules deploy/prometheus/alerts.yml" \
    promtool check rules deploy/prometheus/alerts.yml
  check "promtool test rules deploy/prometheus/alerts_test.yml" \
    promtool test rules deploy/prometheus/alerts_test.yml
else
  fail "promtool not found (Debian package prometheus; deploy/install-deps.sh --test)"
fi

# ---- structural checks in Python (PyYAML)
py=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import yaml' 2>/dev/null; then
    py=$candidate
    break
  fi
done
lint=tests/deploy/deploy_lint.py
if [[ -n $py ]]; then
  check "YAML files under deploy/ parse" "$py" $lint yaml
  check "Grafana dashboard: JSON, panels, metric names" "$py" $lint dashboard
  check "alert rules: metric names, labels, tests per alert" "$py" $lint rules
  check "k8s PrometheusRule carries the groups of alerts.yml" "$py" $lint rule-sync
  check "k8s manifests: probes, drain, security, secrets, ports" "$py" $lint k8s
  check "compose, coturn, Prometheus and Grafana wiring" "$py" $lint compose
  check "Dockerfile structure, COPY sources, .dockerignore" "$py" $lint dockerfile
else
  fail "python3 with PyYAML not found (Debian package python3-yaml; deploy/install-deps.sh --test)"
fi

# ---- Dockerfile: every apt package exists in bookworm; hadolint when packaged
apt_lists_present() { compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; }
if [[ -z $py ]]; then
  skip "Dockerfile apt packages (needs python3-yaml)"
elif ! command -v apt-cache >/dev/null || ! apt_lists_present; then
  skip "Dockerfile apt packages (no apt package lists: run apt-get update)"
else
  mapfile -t pkgs < <("$py" $lint apt-packages | sort -u)
  # One apt-cache call for all names (each call re-reads the package lists).
  mapfile -t known < <(apt-cache show --no-all-versions "${pkgs[@]}" 2>/dev/null |
    sed -n 's/^Package: //p' | sort -u)
  unknown=()
  for p in "${pkgs[@]}"; do
    printf '%s\n' "${known[@]}" | grep -qx "$p" || unknown+=("$p")
  done
  if ((${#pkgs[@]} == 0)); then
    fail "Dockerfile apt packages: none found in the Dockerfile"
  elif ((${#unknown[@]})); then
    fail "Dockerfile apt packages exist: unknown ${unknown[*]}"
  else
    pass "Dockerfile apt packages exist (${#pkgs[@]}: ${pkgs[*]})"
  fi
fi
if command -v hadolint >/dev/null; then
  check "hadolint deploy/Dockerfile" hadolint deploy/Dockerfile
else
  skip "hadolint (not packaged in bookworm; structural checks above instead)"
fi

# ---- runtime libraries: the runtime stage's packages (and their dependencies) must provide
# every shared library of the binary. bookworm-slim itself brings apt and its dependencies.
# Sanitizer runtimes of ASan builds are ignored.
runtime_libs() {
  local -a runtime closure owners missing=()
  mapfile -t runtime < <("$py" $lint apt-packages runtime)
  ((${#runtime[@]})) || { echo "no apt packages in the runtime stage"; return 1; }
  mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances apt "${runtime[@]}" 2>/dev/null |
    grep -v '^ ' | sed 's/:.*//' | sort -u)
  mapfile -t owners < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' |
    grep -Ev '/lib(asan|ubsan|lsan|tsan)\.' | xargs -r readlink -f | xargs -r dpkg -S 2>/dev/null |
    cut -d: -f1 | sort -u)
  ((${#owners[@]})) || { echo "could not map the binary's libraries to packages"; return 1; }
  for o in "${owners[@]}"; do
    printf '%s\n' "${closure[@]}" | grep -qx "$o" || missing+=("$o")
  done
  if ((${#missing[@]})); then
    echo "packages the binary needs but the runtime stage lacks: ${missing[*]}"
    return 1
  fi
  echo "libraries from: ${owners[*]}"
}
if [[ -z $binary ]]; then
  skip "runtime libraries (no sfu-server binary given)"
elif [[ ! -x $binary ]]; then
  skip "runtime libraries ($binary not built)"
elif [[ -z $py ]] || ! apt_lists_present; then
  skip "runtime libraries (needs python3-yaml and apt package lists)"
else
  check "runtime stage provides the libraries of $binary" runtime_libs
fi

# ---- Kubernetes: render the kustomization when kubectl is there (offline)
if command -v kubectl >/dev/null; then
  check "kubectl kustomize deploy/k8s" kubectl kustomize deploy/k8s
else
  skip "kubectl kustomize (kubectl not installed)"
fi

# ---- shell scripts
mapfile -t scripts < <(ls deploy/*.sh deploy/docker/*.sh tests/deploy/*.sh 2>/dev/null)
shell_syntax() {
  local s rc=0
  for s in "${scripts[@]}"; do bash -n "$s" || rc=1; done
  return $rc
}
check "shell syntax (bash -n, ${#scripts[@]} scripts)" shell_syntax
if command -v shellcheck >/dev/null; then
  check "shellcheck" shellcheck -S warning "${scripts[@]}"
else
  skip "shellcheck (not installed)"
fi

echo "deploy: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
