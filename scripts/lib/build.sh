# Sourced by scripts/server and scripts/client: builds the jars if one is missing or older than any source.
WIRECHAT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# wirechat_ensure_jar NAME: makes sure target/NAME is built from the current sources.
wirechat_ensure_jar() {
  local jar="$WIRECHAT_ROOT/target/$1"
  if [ -f "$jar" ] && [ -z "$(find "$WIRECHAT_ROOT/src/main" "$WIRECHAT_ROOT/pom.xml" -newer "$jar" -print -quit)" ]; then
    return 0
  fi
  echo "Building wirechat (first run, or the sources changed)..." >&2
  (cd "$WIRECHAT_ROOT" && mvn -B -q -ntp -DskipTests package) >&2 || {
    echo "Build failed; run 'mvn -B -DskipTests package' to see why." >&2
    exit 1
  }
}
