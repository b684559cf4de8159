#!/bin/sh
# supervise under valgrind's memcheck, for the valgrind suite: $SUPERVISE
# of a scenario points here.  Each run logs to $VALGRIND_LOGS/vg.PID.log;
# run.sh reads them.  Children are not traced (they exec workers), and a
# child's report after fork is kept quiet: what is checked is supervise.
# vgclone.so ($VALGRIND_CLONE) makes its clone of a worker one memcheck
# can run.
LD_PRELOAD="$VALGRIND_CLONE${LD_PRELOAD:+:$LD_PRELOAD}"
export LD_PRELOAD
exec valgrind --tool=memcheck --trace-children=no \
    --child-silent-after-fork=yes --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --track-fds=no --log-file="$VALGRIND_LOGS/vg.%p.log" \
    "$VALGRIND_SUPERVISE" "$@"
