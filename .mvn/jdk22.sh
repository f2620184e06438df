# Sourced (POSIX sh) by ./esf4j and ./mvnw: makes JAVA_HOME a JDK 22 or newer, which the build
# needs (the FFM binding and the benchmarks are compiled at release 22; the library itself also
# runs on JDK 17 through JNA). Keeps a JAVA_HOME that is already 22+, else searches the usual
# install locations; when there is none, says what to install and returns 1.

esf4j_java_feature() { # the feature release of a java executable, or nothing
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

esf4j_use_jdk22() {
  _esf4j_f=""
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    _esf4j_f=$(esf4j_java_feature "$JAVA_HOME/bin/java")
    if [ -n "$_esf4j_f" ] && [ "$_esf4j_f" -ge 22 ]; then
      esf4j_quiet_maven "$_esf4j_f"
      return 0
    fi
  fi
  _esf4j_restore_f=$(case $- in *f*) echo 1;; esac)
  set +f # the caller may have turned globbing off (mvnw does)
  for _esf4j_c in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -x "$_esf4j_c/bin/java" ] && [ -x "$_esf4j_c/bin/javac" ] || continue
    _esf4j_f=$(esf4j_java_feature "$_esf4j_c/bin/java")
    if [ -n "$_esf4j_f" ] && [ "$_esf4j_f" -ge 22 ]; then
      [ -z "$_esf4j_restore_f" ] || set -f
      JAVA_HOME=$_esf4j_c
      export JAVA_HOME
      esf4j_quiet_maven "$_esf4j_f"
      return 0
    fi
  done
  [ -z "$_esf4j_restore_f" ] || set -f
  cat >&2 <<MSG
esf4j: no JDK 22 or newer found (checked JAVA_HOME, /usr/lib/jvm, /usr/java, /opt/java, ~/.sdkman, ~/.jdks).
esf4j builds with JDK 22+ (its fast path uses the Panama FFM API; the library itself also runs on JDK 17 through JNA).
Install one, then run this again, for example:
  Debian/Ubuntu:  sudo apt-get install openjdk-25-jdk-headless   (or Eclipse Temurin 25 from adoptium.net)
  or point JAVA_HOME at an existing JDK 22+:  JAVA_HOME=/path/to/jdk ./mvnw verify
MSG
  return 1
}

esf4j_quiet_maven() { # Maven's own libraries use sun.misc.Unsafe, which JDK 23+ warns about
  if [ "$1" -ge 23 ]; then
    case " ${MAVEN_OPTS:-} " in
      *sun-misc-unsafe-memory-access*) ;;
      *) MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"; export MAVEN_OPTS ;;
    esac
  fi
}
