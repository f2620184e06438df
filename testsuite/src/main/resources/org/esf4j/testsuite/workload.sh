#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The conformance workload: what security products watch on real machines, run under strace by the
# conformance suite while a backend watches. Everything happens in $DIR (a tmpfs the test mounted),
# with the programs it runs copied into $DIR/bin, so that a backend whose scope is that file system
# sees them too. Arguments (environment): DIR, ACTOR, PORT4, PORT6, ROUNDS (coreutils rounds), FULL
# (1: also a make/gcc build, git and a Debian package), UNPRIV (a uid:gid to run one program as).
set -u
cd "$DIR" || exit 90
B="$DIR/bin"
A="$B/actor"
export PATH="$B:$PATH"

# ---- coreutils, awkward arguments -----------------------------------------------------------------
long=$(head -c 6000 /dev/zero | tr '\0' L)
for i in $(seq "$ROUNDS"); do
  "$B/echo" "plain $i" > "f$i.txt"
  "$B/cat" "f$i.txt" > /dev/null
  "$B/cp" "f$i.txt" "g$i.txt"
  "$B/ls" -l "g$i.txt" > /dev/null
  "$B/echo" "a b" "$(printf 't\tx')" "" "$(printf 'new\nline')" "$(printf '\377\376')" 'q"uote' "back\\slash" \
    "é ü ✓" "-n" "--" "$i" > /dev/null
done
"$B/echo" "$long" "$long" > /dev/null
"$B/echo" $(seq 150) > /dev/null
"$B/true" ""
mkdir -p sub/deeper
"$B/touch" sub/deeper/t1
(cd sub && "$B/cat" deeper/t1 > /dev/null && "$B/cat" ../f1.txt > /dev/null)
ln -s "$DIR/f1.txt" link-to-f1
"$B/cat" link-to-f1 > /dev/null
"$B/rm" "g1.txt"

# ---- scripts --------------------------------------------------------------------------------------
printf '#!%s\nexec >/dev/null; echo script "$@"\n' "$B/sh" > s1 && chmod +x s1
printf '#!%s -e\nexit 0\n' "$B/sh" > s2 && chmod +x s2
./s1 one "two three"
"$DIR/s2" arg
(cd sub && ../s1 from-sub)
cp s1 "$B/s1" && s1 via-path

# ---- how processes start programs -------------------------------------------------------------------
"$A" vfork "$B/true" vforked
"$A" spawn "$B/echo" spawned > /dev/null
"$A" execveat "$B" echo via-execveat > /dev/null
"$A" fexecve "$B/echo" via-fexecve > /dev/null
"$A" thread-exec "$B/echo" from-a-thread > /dev/null
"$A" exec "$B/true" argv0-is-not-the-path
if [ -n "$UNPRIV" ]; then
  "$A" uid "${UNPRIV%%:*}" "${UNPRIV##*:}" "$B/true" as-another-user
fi

# ---- opens --------------------------------------------------------------------------------------
mkdir -p opens && "$A" opens "$DIR/opens" > /dev/null

# ---- binds and connects ---------------------------------------------------------------------------
"$A" bind4 0 > /dev/null
"$A" bind6 0 > /dev/null
"$A" bindudp6 ::1 0 > /dev/null
"$A" bindudp6 ::ffff:127.0.0.1 0 > /dev/null
"$A" bindunix "$DIR/bound.sock" > /dev/null
"$A" bindunix "@esf4j-conformance-$$" > /dev/null
"$A" connect4 127.0.0.1 "$PORT4" > /dev/null
"$A" connect6 ::ffff:127.0.0.1 "$PORT4" > /dev/null
if [ "$PORT6" != 0 ]; then "$A" connect6 ::1 "$PORT6" > /dev/null; fi
"$A" connect4 127.0.0.1 1 > /dev/null

# ---- real work ----------------------------------------------------------------------------------
if [ "$FULL" = 1 ]; then
  mkdir -p proj && cd proj
  printf 'int add(int a, int b);\nint main(void) { return add(1, 2) - 3; }\n' > main.c
  printf 'int add(int a, int b) { return a + b; }\n' > add.c
  printf 'prog: main.o add.o\n\t$(CC) -o $@ main.o add.o\n%%.o: %%.c\n\t$(CC) -O1 -c -o $@ $<\n' > Makefile
  mkdir -p "$DIR/tmp" && TMPDIR="$DIR/tmp" make -s CC=gcc > /dev/null && ./prog
  git init -q . && git add main.c add.c Makefile && \
    git -c user.name=esf4j -c user.email=esf4j@localhost commit -q -m "conformance workload"
  cd "$DIR"
  mkdir -p pkg/DEBIAN pkg/usr/share/esf4j-conformance
  printf 'Package: esf4j-conformance\nVersion: 1.0\nArchitecture: all\nMaintainer: esf4j <esf4j@localhost>\nDescription: conformance workload package\n' > pkg/DEBIAN/control
  for i in $(seq 20); do "$B/echo" "data $i" > "pkg/usr/share/esf4j-conformance/file$i"; done
  dpkg-deb -Znone --build pkg pkg.deb > /dev/null && dpkg-deb -x pkg.deb unpacked
fi
exit 0
