# Sourced by the scripts in scripts/: finds a JDK >= 21 and exports JAVA_HOME and PATH for it.
# Order: $JAVA_HOME if suitable, else `java` on PATH, else the usual JDK folders (highest version wins).
# Exits with a clear message if none is found.

WIRECHAT_MIN_JAVA=21

# Prints the feature version (17, 21, 25, ...) of the JDK home $1, or nothing if it is not a JDK.
wirechat_jdk_version() {
  local home=$1 spec
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  spec=$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = *//p' | head -n 1)
  case $spec in
    1.*) echo "${spec#1.}" ;;
    [0-9]*) echo "$spec" ;;
    *) return 1 ;;
  esac
}

wirechat_find_jdk() {
  local candidate version best="" best_version=0
  if [ -n "${JAVA_HOME:-}" ]; then
    version=$(wirechat_jdk_version "$JAVA_HOME") || version=0
    if [ "$version" -ge "$WIRECHAT_MIN_JAVA" ] 2>/dev/null; then
      echo "$JAVA_HOME"
      return 0
    fi
  fi
  if command -v java >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    version=$(wirechat_jdk_version "$candidate") || version=0
    if [ "$version" -ge "$WIRECHAT_MIN_JAVA" ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  fi
  for candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/*/jdk* \
      /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$candidate" ] || continue
    version=$(wirechat_jdk_version "$candidate") || continue
    if [ "$version" -ge "$WIRECHAT_MIN_JAVA" ] && [ "$version" -gt "$best_version" ]; then
      best=$candidate
      best_version=$version
    fi
  done
  [ -n "$best" ] || return 1
  echo "$best"
}

if ! WIRECHAT_JDK=$(wirechat_find_jdk); then
  echo "wirechat needs a JDK $WIRECHAT_MIN_JAVA or newer (java and javac)." >&2
  echo "Looked at \$JAVA_HOME (${JAVA_HOME:-unset}), 'java' on PATH, and /usr/lib/jvm, /usr/java, /opt." >&2
  echo "Install one (e.g. 'apt-get install openjdk-21-jdk') or set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME=$WIRECHAT_JDK
export PATH="$JAVA_HOME/bin:$PATH"

# Flags for the JVM the scripts start: from Java 23 on, allow sun.misc.Unsafe's memory access without a
# warning (gRPC's protobuf and Netty use it; JEP 471); older JVMs do not know the flag and need nothing.
wirechat_java_flags() {
  local v
  v=$(wirechat_jdk_version "$JAVA_HOME") || v=0
  if [ "$v" -ge 23 ] 2>/dev/null; then
    echo "--sun-misc-unsafe-memory-access=allow"
  fi
}
