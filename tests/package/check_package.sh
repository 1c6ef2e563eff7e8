#!/usr/bin/env bash
# The project installed as a user gets it, checked from outside:
#   1. cmake --install under a scratch prefix puts exactly the expected files there;
#   2. cpack -G DEB builds synthmod_<version>_<arch>.deb with exactly the same files under /usr and
#      a Depends that names exactly the Debian packages owning the libraries the binaries link
#      (their NEEDED entries, found as ldd finds them), at versions installed here;
#   3. dpkg -x into a scratch root: each installed tool prints `synthmod-<tool> <version>` for
#      --version and a usage naming itself for --help; an offline generate -> judge -> stats
#      pipeline runs with the installed tools on the installed example spec; each installed man
#      page renders with man -l.
# usage: tests/package/check_package.sh BUILD_DIR VERSION MAN(1|0)
set -euo pipefail
build=$(cd "$1" && pwd)
version=$2
man=$3
tools=(synthmod-generate synthmod-judge synthmod-stats)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() {
  echo "check_package: $*" >&2
  fail=1
}

expected_files() {  # the installed files, relative to the prefix, sorted
  {
    for t in "${tools[@]}"; do echo "bin/$t"; done
    printf '%s\n' share/doc/synthmod/LICENSE share/doc/synthmod/README.md \
      share/doc/synthmod/examples/README.md share/doc/synthmod/examples/moderation.toml \
      share/doc/synthmod/examples/personas.jsonl
    if [ "$man" = 1 ]; then
      for t in "${tools[@]}"; do echo "share/man/man1/$t.1.gz"; done
    fi
  } | LC_ALL=C sort
}

# ---- 1. cmake --install under any prefix -------------------------------------------------------
prefix="$work/prefix with space"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
got=$(cd "$prefix" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
if [ "$got" != "$(expected_files)" ]; then
  bad "cmake --install: files differ from the expected list"
  diff <(expected_files) <(echo "$got") >&2 || true
fi
for t in "${tools[@]}"; do
  [ -x "$prefix/bin/$t" ] || bad "cmake --install: $prefix/bin/$t is not executable"
done

# ---- 2. cpack -G DEB ---------------------------------------------------------------------------
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1 || {
  cat "$work/cpack.log" >&2
  bad "cpack -G DEB failed"
  exit 1
}
arch=$(dpkg --print-architecture)
deb="$work/deb/synthmod_${version}_${arch}.deb"
[ -f "$deb" ] || { ls "$work/deb" >&2; bad "no $deb"; exit 1; }
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = synthmod ] || bad "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || bad "Version is '$(field Version)', not $version"
[ "$(field Architecture)" = "$arch" ] || bad "Architecture is '$(field Architecture)'"
got=$(dpkg-deb -c "$deb" | awk '$1 ~ /^-/ {print $6}' | sed 's|^\./usr/||' | LC_ALL=C sort)
if [ "$got" != "$(expected_files)" ]; then
  bad "the .deb's files differ from the expected list (under /usr)"
  diff <(expected_files) <(echo "$got") >&2 || true
fi

root="$work/root"
dpkg -x "$deb" "$root"

# Depends: the packages that own each library a binary names in NEEDED, nothing more or less.
# One ldd per tool and one dpkg -S for every path (dpkg -S reads the whole file database).
declare -A lib_path=()
for t in "${tools[@]}"; do
  bin="$root/usr/bin/$t"
  while read -r so arrow path _; do
    [ "$arrow" = "=>" ] && lib_path[$so]=$path
  done < <(ldd "$bin")
  for so in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [ -n "${lib_path[$so]:-}" ] || bad "$t: ldd does not resolve $so"
    echo "$so" >>"$work/needed"
  done
done
alt() { case $1 in /usr/*) echo "${1#/usr}" ;; *) echo "/usr$1" ;; esac; }
candidates=()
for so in $(LC_ALL=C sort -u "$work/needed"); do
  p=${lib_path[$so]:-}
  [ -n "$p" ] || continue
  r=$(readlink -f "$p")
  candidates+=("$r" "$(alt "$r")" "$p" "$(alt "$p")")
done
declare -A owner_of=()
while IFS= read -r line; do  # "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6"
  owner_of[${line##*: }]=${line%%: *}
done < <(dpkg -S "${candidates[@]}" 2>/dev/null || true)
needed_packages=$(
  for so in $(LC_ALL=C sort -u "$work/needed"); do
    p=${lib_path[$so]:-}
    [ -n "$p" ] || continue
    r=$(readlink -f "$p")
    pkg=""
    for c in "$r" "$(alt "$r")" "$p" "$(alt "$p")"; do
      [ -n "${owner_of[$c]:-}" ] && { pkg=${owner_of[$c]%%:*}; break; }
    done
    echo "${pkg:-UNOWNED:$p}"
  done | LC_ALL=C sort -u)
depends=$(field Depends)
depends_packages=$(echo "$depends" | tr ',' '\n' | sed 's/(.*)//; s/ //g' | grep -v '^$' |
  LC_ALL=C sort -u)
if [ "$depends_packages" != "$needed_packages" ]; then
  bad "Depends names other packages than the binaries link"
  echo "Depends: $depends" >&2
  diff <(echo "$needed_packages") <(echo "$depends_packages") >&2 || true
fi
# Each versioned dependency is met by the version installed here (the package installs here).
IFS=',' read -ra entries <<<"$depends"
for e in "${entries[@]}"; do
  pkg=$(echo "$e" | sed 's/(.*//; s/ //g')
  have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
  [ -n "$have" ] || { bad "Depends: $pkg is not installed here"; continue; }
  if [[ $e =~ \(([<>=]+)\ *([^\)]+)\) ]]; then
    op=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
    case $op in '>=') op=ge ;; '<=') op=le ;; '=') op=eq ;; '>>') op=gt ;; '<<') op=lt ;; esac
    dpkg --compare-versions "$have" "$op" "$want" || bad "Depends: $pkg $have does not satisfy $e"
  fi
done

# ---- 3. the installed tools --------------------------------------------------------------------
export PATH="$root/usr/bin:/usr/bin:/bin"
run_dir="$work/run"
mkdir -p "$run_dir"
cd "$run_dir"
for t in "${tools[@]}"; do
  [ "$(command -v "$t")" = "$root/usr/bin/$t" ] || bad "$t is not found in the scratch root"
  out=$("$t" --version) || bad "$t --version: exit $?"
  [ "$out" = "$t $version" ] || bad "$t --version prints '$out', not '$t $version'"
  # By its full path, as a script or a man page would run it: the usage still names the tool.
  help=$("$root/usr/bin/$t" --help) || bad "$t --help: exit $?"
  grep -q "^Usage: $t " <<<"$help" || bad "$t --help has no line 'Usage: $t ...'"
  if grep -qF "$root" <<<"$help"; then bad "$t --help shows the path it was run by"; fi
done

spec="$root/usr/share/doc/synthmod/examples/moderation.toml"
rows=24
synthmod-generate --spec "$spec" --provider offline --rows $rows --out samples.csv --quiet ||
  bad "installed synthmod-generate: exit $?"
synthmod-judge --spec "$spec" --provider offline --in samples.csv --out judged.csv --quiet ||
  bad "installed synthmod-judge: exit $?"
synthmod-stats --in judged.csv --spec "$spec" --report-dir report --quiet ||
  bad "installed synthmod-stats: exit $?"
python3 - "$rows" <<'EOF' || bad "the installed pipeline's outputs are wrong"
import csv, json, os, sys
rows = int(sys.argv[1])
samples = list(csv.DictReader(open("samples.csv", newline="", encoding="utf-8")))
judged = list(csv.DictReader(open("judged.csv", newline="", encoding="utf-8")))
metrics = json.load(open("report/metrics.json", encoding="utf-8"))
problems = []
if len(samples) != rows: problems.append("samples.csv has %d rows" % len(samples))
if [r["id"] for r in judged] != [r["id"] for r in samples]: problems.append("judged ids differ")
if any(r["model"] != "offline" or r["judge_model"] != "offline" for r in judged):
    problems.append("a row is not from the offline provider")
if metrics.get("rows") != rows: problems.append("metrics.json rows = %r" % metrics.get("rows"))
if not os.path.isfile("report/report.md"): problems.append("no report.md")
for p in problems: print("check_package:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

if [ "$man" = 1 ]; then
  for t in "${tools[@]}"; do
    page="$root/usr/share/man/man1/$t.1.gz"
    text=$(LC_ALL=C MANWIDTH=100 man -P cat -l "$page" 2>"$work/man.err") ||
      { cat "$work/man.err" >&2; bad "man -l $page failed"; continue; }
    for want in "NAME" "SYNOPSIS" "--help" "--version" "$t $version" "SEE ALSO"; do
      grep -qF -- "$want" <<<"$text" || bad "man page of $t lacks '$want'"
    done
    grep -qE -- "^ +$t +- [a-z]" <<<"$text" || bad "man page of $t has no NAME line '$t - ...'"
  done
fi

[ $fail -eq 0 ] || exit 1
echo "check_package: $(basename "$deb") ($(du -k "$deb" | cut -f1) KB; Depends: $depends);" \
  "installed tools, offline pipeline and man pages OK"
