#!/bin/sh
# JMH microbenchmarks of the hot structures (client table at 2 k and 1 M entries, each selection algorithm, ACLs).
#   bench/jmh.sh [JMH options, e.g. -f 1 -wi 3 -i 5 ClientTableBench]
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mvn -q -B install -DskipTests -pl node -am
mvn -q -B -f bench/jmh/pom.xml package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
[ $# -eq 0 ] && set -- -f 1 -wi 3 -i 5 -w 1s -r 1s
exec java -cp "bench/jmh/target/classes:$(cat bench/jmh/target/cp.txt)" org.openjdk.jmh.Main "$@"
