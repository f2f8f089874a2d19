#!/usr/bin/env bash
# Installs what the real-cluster tests (tests/it/cluster.rs) need, idempotently, into a cache dir
# that repeated runs on the same machine reuse:
#   - Flink 1.20.1's distribution jars, from PyPI (apache-flink-libraries);
#   - ZooKeeper 3.8, from Debian (apt `zookeeper`; only its jars are used, never its service);
#   - the CDC stand-in job (tests/flink-job/src), compiled with javac against Flink's jars.
# It prints one line LMD_FLINK_LIB=... LMD_ZK_CLASSPATH=... LMD_JOB_JAR=... LMD_BASH_JAVA_UTILS=...
# and writes those (one per line, plus LMD_FLINK_JAVA_OPTS) to $CACHE/env, which the harness reads.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
CACHE=${LMD_CACHE:-$HOME/.cache/logminer-doctor}
FLINK_VERSION=1.20.1
mkdir -p "$CACHE"

for tool in java javac jar python3; do
    command -v "$tool" >/dev/null || { echo "setup.sh: $tool is not on PATH" >&2; exit 1; }
done

# --- Flink: the jars of the binary distribution, as PyFlink ships them.
flink_home="$CACHE/flink-$FLINK_VERSION"
flink_lib="$flink_home/pyflink/lib"
bash_java_utils="$flink_home/pyflink/bin/bash-java-utils.jar"
if [[ ! -f "$flink_lib/flink-dist-$FLINK_VERSION.jar" || ! -f "$bash_java_utils" ]]; then
    echo "setup.sh: installing apache-flink-libraries==$FLINK_VERSION into $flink_home" >&2
    rm -rf "$flink_home"
    python3 -m pip install --quiet --disable-pip-version-check --no-deps \
        --target "$flink_home" "apache-flink-libraries==$FLINK_VERSION" >&2
fi
[[ -f "$flink_lib/flink-dist-$FLINK_VERSION.jar" ]] || { echo "setup.sh: no flink-dist in $flink_lib" >&2; exit 1; }
[[ -f "$bash_java_utils" ]] || { echo "setup.sh: no $bash_java_utils" >&2; exit 1; }

# The JVM options Flink needs on Java 17 (--add-opens/--add-exports): the package ships no conf/,
# but flink-dist carries Flink's default config.yaml with them under env.java.opts.all.
java_opts_file="$CACHE/flink-java-opts"
if [[ ! -s "$java_opts_file" ]]; then
    unzip_dir=$(mktemp -d)
    (cd "$unzip_dir" && jar xf "$flink_lib/flink-dist-$FLINK_VERSION.jar" config.yaml)
    sed -n 's/^ *all: *\(--add-.*\)$/\1/p' "$unzip_dir/config.yaml" | head -n 1 >"$java_opts_file.tmp"
    rm -rf "$unzip_dir"
    [[ -s "$java_opts_file.tmp" ]] || { echo "setup.sh: no env.java.opts.all in flink-dist's config.yaml" >&2; exit 1; }
    mv "$java_opts_file.tmp" "$java_opts_file"
fi

# --- ZooKeeper: Debian's package; its jar's manifest lists its dependencies' jars.
zk_jar=/usr/share/java/zookeeper.jar
zk_installed() {
    [[ -f "$zk_jar" && "$(dpkg-query -W -f='${Status}' zookeeper 2>/dev/null)" == "install ok installed" ]]
}
if ! zk_installed; then
    echo "setup.sh: installing Debian's zookeeper package" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends zookeeper >&2; then
        apt-get update >&2
        apt-get install -y --no-install-recommends zookeeper >&2
    fi
fi
zk_installed || { echo "setup.sh: $zk_jar missing after installing zookeeper" >&2; exit 1; }
zk_classpath="$zk_jar"
# A logging binding so that ZooKeeper's log says something (slf4j-simple logs to stderr).
[[ -f /usr/share/java/slf4j-simple.jar ]] && zk_classpath="$zk_classpath:/usr/share/java/slf4j-simple.jar"

# --- The CDC stand-in job: rebuilt when its sources (or Flink's version) change.
job_dir="$CACHE/job"
job_jar="$job_dir/cdc-standin.jar"
src_hash=$( (echo "$FLINK_VERSION"; cd "$here/src" && find . -name '*.java' | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -d' ' -f1)
if [[ ! -f "$job_jar" || "$(cat "$job_dir/src.sha256" 2>/dev/null)" != "$src_hash" ]]; then
    echo "setup.sh: compiling the CDC stand-in job" >&2
    rm -rf "$job_dir"
    mkdir -p "$job_dir/classes"
    (cd "$here/src" && find . -name '*.java' | LC_ALL=C sort) >"$job_dir/sources"
    (cd "$here/src" && javac -nowarn -Xlint:-deprecation -XDsuppressNotes -encoding UTF-8 --release 11 \
        -cp "$flink_lib/*" -d "$job_dir/classes" @"$job_dir/sources")
    jar --create --file "$job_jar.tmp" --main-class lmd.standin.CdcStandIn -C "$job_dir/classes" .
    mv "$job_jar.tmp" "$job_jar"
    echo "$src_hash" >"$job_dir/src.sha256"
fi

{
    echo "LMD_FLINK_LIB=$flink_lib"
    echo "LMD_ZK_CLASSPATH=$zk_classpath"
    echo "LMD_JOB_JAR=$job_jar"
    echo "LMD_BASH_JAVA_UTILS=$bash_java_utils"
    echo "LMD_FLINK_JAVA_OPTS=$(cat "$java_opts_file")"
} >"$CACHE/env.tmp"
mv "$CACHE/env.tmp" "$CACHE/env"
echo "LMD_FLINK_LIB=$flink_lib LMD_ZK_CLASSPATH=$zk_classpath LMD_JOB_JAR=$job_jar LMD_BASH_JAVA_UTILS=$bash_java_utils"
