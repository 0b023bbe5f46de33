# Sourced by scripts/server and scripts/client: builds the jars if missing or older than any source.
WIRECHAT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

wirechat_ensure_jars() {
  local jar stale=""
  for jar in "$WIRECHAT_ROOT/target/wirechat-server.jar" "$WIRECHAT_ROOT/target/wirechat-client.jar"; do
    if [ ! -f "$jar" ] || [ -n "$(find "$WIRECHAT_ROOT/src/main" "$WIRECHAT_ROOT/pom.xml" -newer "$jar" -print -quit)" ]; then
      stale=1
    fi
  done
  [ -n "$stale" ] || return 0
  echo "Building wirechat (first run, or the sources changed)..." >&2
  (cd "$WIRECHAT_ROOT" && mvn -B -q -ntp -DskipTests package) >&2 || {
    echo "Build failed; run 'mvn -B -DskipTests package' to see why." >&2
    exit 1
  }
}
