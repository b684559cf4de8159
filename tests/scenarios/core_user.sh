#!/usr/bin/env bash
# user = and group = (as root): credentials, supplementary groups, and
# HOME, USER and LOGNAME.
. "$SCENARIO_LIB"
scenario_guard

if [ "$(id -u)" != 0 ]; then
	skip "user = and group =: not root"
	finish
fi
NOBODY=$(getent passwd nobody)
NOGROUP=$(getent group nogroup)
if [ -z "$NOBODY" ] || [ -z "$NOGROUP" ]; then
	skip "user = and group =: no user nobody or group nogroup here"
	finish
fi
U_UID=$(cut -d: -f3 <<<"$NOBODY")
U_GID=$(cut -d: -f4 <<<"$NOBODY")
U_HOME=$(cut -d: -f6 <<<"$NOBODY")
G_GID=$(cut -d: -f3 <<<"$NOGROUP")

# ids PID FIELD: the ids of a /proc/PID/status line, space-separated.
ids() { proc_field "$1" "$2" | tr -s '\t ' '  ' | sed 's/ *$//'; }

write_config "$T/sv.ini" <<EOF
[worker:u]
command = sh -c 'echo "home=\$HOME user=\$USER logname=\$LOGNAME"; exec crashy --fault none'
user = nobody
min_uptime = 100ms

[worker:ug]
command = crashy --fault none
user = nobody
group = nogroup
min_uptime = 100ms

[worker:g]
command = crashy --fault none
group = nogroup
min_uptime = 100ms

[worker:r]
command = crashy --fault none
min_uptime = 100ms

; the directory is entered as the user: a root-only one is refused
[worker:priv]
command = crashy --fault none
user = nobody
directory = $T/private

[worker:pub]
command = sh -c 'echo "cwd=\$(pwd -P)"'
user = nobody
directory = /usr
restart = never
EOF
mkdir -m 0700 "$T/private"
sv_run "$T/sv.ini"
check "four running" wait_log_count 5 4 ': (u|ug|g|r): running$'
U=$(pid_of u)
UG=$(pid_of ug)
G=$(pid_of g)

check "user = nobody: Uid is nobody's ($U_UID)" \
    test "$(ids "$U" Uid)" = "$U_UID $U_UID $U_UID $U_UID"
check "user = nobody: Gid is nobody's primary group ($U_GID)" \
    test "$(ids "$U" Gid)" = "$U_GID $U_GID $U_GID $U_GID"
check "user = nobody: root's groups are dropped" \
    eval '! ids "$U" Groups | tr " " "\n" | grep -qx 0'
check "user = nobody: HOME, USER, LOGNAME" \
    wait_out 5 "^u \\| home=$U_HOME user=nobody logname=nobody\$"
check "user = nobody, group = nogroup: Uid" \
    test "$(ids "$UG" Uid)" = "$U_UID $U_UID $U_UID $U_UID"
check "user = nobody, group = nogroup: Gid is nogroup's ($G_GID)" \
    test "$(ids "$UG" Gid)" = "$G_GID $G_GID $G_GID $G_GID"
check "group = nogroup alone: Uid stays 0" test "$(ids "$G" Uid)" = "0 0 0 0"
check "group = nogroup alone: Gid is nogroup's" \
    test "$(ids "$G" Gid)" = "$G_GID $G_GID $G_GID $G_GID"
check "group = nogroup alone: no supplementary group 0" \
    eval '! ids "$G" Groups | tr " " "\n" | grep -qx 0'
check "no user =: Uid 0" test "$(ids "$(pid_of r)" Uid)" = "0 0 0 0"
check "user = nobody, directory = a root-only dir: fatal: chdir ...: Permission denied" \
    wait_log 5 " priv: fatal: chdir $T/private: Permission denied\$"
check "user = nobody, directory = a public dir" \
    wait_out 5 "^pub \\| cwd=$(readlink -f /usr)\$"

sv_signal TERM
check "supervise exits after TERM" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "all four stopped" test "$(log_count ' (u|ug|g|r): stopped$')" -eq 4
check "no worker left" wait_for 3 no_leftovers

# An unknown user is a config error.
write_config "$T/bad.ini" <<EOF
[worker:x]
command = crashy --fault none
user = no-such-user-here
EOF
timeout 10 "$SUPERVISE" -t -c "$T/bad.ini" > "$T/t.out" 2> "$T/t.err"
st=$?
check "unknown user: exit 78 (got $st)" test "$st" = 78
check "unknown user: the error names bad.ini:3" grep -q 'bad.ini:3: ' "$T/t.err"
finish
