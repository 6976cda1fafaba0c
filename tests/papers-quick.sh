#!/bin/sh
# papers-quick.sh -- run by make check from the build folder: every program
# of papers/ (`make papers`) in its quick mode, without plotting, its outputs
# written under ./papers-quick/NAME so that the committed outputs in the
# source tree are never touched.  Each program checks its own results and
# exits 1 when a check fails; this script fails if any of them fails, or if
# an experiment's folder in the sources has no built program.
# The programs are found in the build folder (papers/NAME/PROG, the libtool
# wrapper when there is one), the experiments in $srcdir/papers/NAME/*.c.
srcdir=${srcdir:-.}
out=papers-quick
fail=
ran=0
for dir in "$srcdir"/papers/*/; do
    name=$(basename "$dir")
    # An experiment is a folder with a C program; papers/admix is the paper.
    ls "$dir"*.c >/dev/null 2>&1 || continue
    prog=
    for c in "$dir"*.c; do
        b=$(basename "$c" .c)
        if test -x "papers/$name/$b"; then
            prog="papers/$name/$b"
            break
        fi
    done
    if test -z "$prog"; then
        echo "papers-quick: $name: no program built in papers/$name" >&2
        fail="$fail $name"
        continue
    fi
    mkdir -p "$out/$name" || exit 99
    start=$(date +%s)
    if "./$prog" --quick --no-plot --out "$out/$name" >"$out/$name.log" 2>&1
    then
        echo "PASS: $prog ($(($(date +%s) - start)) s)"
    else
        echo "FAIL: $prog (see $out/$name.log):"
        tail -n 20 "$out/$name.log"
        fail="$fail $name"
    fi
    ran=$((ran + 1))
done
if test -n "$fail"; then
    echo "papers-quick: FAILED:$fail"
    exit 1
fi
if test "$ran" = 0; then
    echo "papers-quick: no experiment found under $srcdir/papers" >&2
    exit 99
fi
echo "papers-quick: all $ran experiments passed"
exit 0
