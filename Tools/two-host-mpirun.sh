#!/usr/bin/env bash
# swift-bert — two "hosts" on one machine: `mpirun -np 2` with one rank in each of two network
# namespaces joined by a veth pair, over TCP only (Sources/Distributed/README.md, "Two hosts on
# one machine"). The test DataParallelTrainTests+TwoHosts runs it.
#
#   Tools/two-host-mpirun.sh [--timeout SECONDS] PROGRAM [ARGUMENT...]
#
# Rank 0 runs in namespace sbert<PID>a (address 10.77.0.1, host name sbert<PID>a), rank 1 in
# sbert<PID>b (10.77.0.2); mpirun itself runs in the first and starts the second's daemon with
# an rsh agent that enters the namespace (`ip netns exec`) instead of ssh. Each namespace also
# gets its own UTS namespace and host name (`unshare --uts`), so that Open MPI sees two nodes.
#
# Exits with mpirun's status; 124 when mpirun runs past SECONDS (default 60; mpirun is then
# killed); 77 with a `skip: ...` line on stderr when this machine cannot run it (not root, no
# `ip` / `unshare` / `mpirun`, or the kernel refuses network namespaces or veth pairs). The
# namespaces, the veth pair (deleted with them) and any process left inside are removed on
# every exit, SIGTERM and SIGINT included; a run killed with SIGKILL cannot clean up, so each
# start first removes the namespaces (and folders) of runs whose process no longer exists.
set -euo pipefail

seconds=60
if [[ ${1-} == --timeout ]]; then
    seconds=$2
    shift 2
fi
if (($# < 1)); then
    echo "usage: $0 [--timeout SECONDS] PROGRAM [ARGUMENT...]" >&2
    exit 2
fi

skip() {
    echo "skip: $*" >&2
    exit 77
}
((EUID == 0)) || skip "network namespaces need root (this is uid $EUID)"
command -v ip >/dev/null || skip "ip is not on PATH: \`make deps\` installs iproute2"
command -v unshare >/dev/null || skip "unshare is not on PATH (util-linux)"
command -v timeout >/dev/null || skip "timeout is not on PATH (coreutils)"
command -v mpirun >/dev/null ||
    skip "mpirun is not on PATH: \`make deps\` installs Open MPI (openmpi-bin)"
tmp=${TMPDIR:-/tmp}

# Kills what still runs in namespace $1 (mpirun, an Open MPI daemon, ranks: all started here)
# and deletes it, which deletes its end of the veth pair and so the pair.
remove_namespace() {
    local pids
    pids=$(ip netns pids "$1" 2>/dev/null || true)
    if [[ -n $pids ]]; then
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
    fi
    ip netns delete "$1" 2>/dev/null || true
    # Open MPI's session folder (TMPDIR/ompi.HOST.UID) is left behind when mpirun is killed.
    rm -rf "$tmp/ompi.$1".*
}

for name in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
    if [[ $name =~ ^sbert([0-9]+)[ab]$ ]] && ! kill -0 "${BASH_REMATCH[1]}" 2>/dev/null; then
        remove_namespace "$name"
        rm -rf "$tmp/sbert${BASH_REMATCH[1]}.mpirun"
    fi
done

a=sbert$$a
b=sbert$$b
work=$tmp/sbert$$.mpirun
child=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # After a signal mpirun still runs: it is killed below, and bash's "Killed" notice is noise.
    if [[ -n $child ]]; then exec 2>/dev/null; fi
    remove_namespace "$a"
    remove_namespace "$b"
    if [[ -n $child ]]; then wait "$child" 2>/dev/null || true; fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
rm -rf "$work"
mkdir -m 700 "$work"

error=$(ip netns add "$a" 2>&1) || skip "cannot create a network namespace: $error"
ip netns add "$b"
# Each end is created inside its namespace: nothing is ever left in this one.
error=$(ip link add "$a" netns "$a" type veth peer name "$b" netns "$b" 2>&1) ||
    skip "cannot create a veth pair: $error"
ip -n "$a" address add 10.77.0.1/24 dev "$a"
ip -n "$b" address add 10.77.0.2/24 dev "$b"
for name in "$a" "$b"; do
    ip -n "$name" link set "$name" up
    ip -n "$name" link set lo up
done
# The kernel reports a veth end's carrier a moment later (link watch): wait for both.
for _ in $(seq 50); do
    if ip -n "$a" link show "$a" | grep -q 'state UP' &&
        ip -n "$b" link show "$b" | grep -q 'state UP'; then
        break
    fi
    sleep 0.1
done

# Open MPI's rsh agent is called as `AGENT HOST COMMAND...` (no options for an agent that is
# neither ssh nor rsh), COMMAND being one shell line, as ssh would run it.
cat >"$work/agent" <<EOF
#!/bin/sh
host=\$1
shift
case "\$host" in
10.77.0.1) ns=$a ;;
10.77.0.2) ns=$b ;;
*) echo "two-host-mpirun agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts sh -c "echo \$ns > /proc/sys/kernel/hostname && \$*"
EOF
chmod +x "$work/agent"
printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' >"$work/hostfile"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# --bind-to none: with at most 2 ranks mpirun binds each to a core, and both "hosts" would
# pick the same core of this one machine.
timeout --kill-after=5 "$seconds" \
    ip netns exec "$a" unshare --uts sh -c 'echo "$0" > /proc/sys/kernel/hostname && exec "$@"' \
    "$a" mpirun -np 2 --hostfile "$work/hostfile" --bind-to none --allow-run-as-root \
    --mca plm_rsh_agent "$work/agent" --mca btl tcp,self \
    --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
    "$@" &
child=$!
status=0
wait "$child" || status=$?
child=
if ((status == 124)); then
    echo "two-host-mpirun: mpirun ran past ${seconds} s and was killed" >&2
fi
exit "$status"
