#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What a redirect service reads on its accepted socket is the truth about
# the original connection. For TCP and UDP over IPv4 and IPv6, a client (uid
# 1234, in its own cgroup) connects to a server in namespace B; a rule sends
# it to hop, which reads the records and the context (through the native
# calls and through WSAIoctl, which must agree) and decodes them. The entry
# must name the service and the rule, the client's own address and port as
# the original source, the server as the original destination, the
# protocol, the uid, the pid and the cgroup; the default context the same
# addresses and process. A rule's custom context comes back byte for byte. A
# connection that was not redirected reads ENOENT (FWP_E_NOT_FOUND through
# WSAIoctl). The records hop read are accepted on its own next socket.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
skip_unless_vm
need "$ctl" "$hop" "$flowpeer" ip jq ss setpriv

redir_init
trap redir_cleanup EXIT
nsa=a-$sfx
nsb=b-$sfx
topo_up "$nsa" "$nsb" || exit 1
server_start "$nsb" -t "$B4:9090" -t "[$B6]:9090" -u "$B4:9090" -u "[$B6]:9090" || exit 1
setup ctl_ns "$nsa" service add hopsvc id 7 ipv4 127.0.0.1:15007 ipv6 "[::1]:15007" || exit 1
setup ctl_ns "$nsa" rule add service hopsvc id 42 dport 8080 || exit 1
setup ctl_ns "$nsa" rule add service 7 id 43 dport 8081 context deadbeef0011 || exit 1

# the client runs in a cgroup of its own (its id is the directory's inode)
cgid=1
incg=()
if cg_new "wfpt-$sfx"; then
	cgid=$(stat -c %i "/sys/fs/cgroup/wfpt-$sfx")
	# shellcheck disable=SC2016 # for the inner shell
	incg=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "/sys/fs/cgroup/wfpt-$sfx")
else
	echo "# cgroup v2 not mounted: the client stays in the root cgroup (id 1)"
fi

for f in 4 6; do
	for p in tcp udp; do
		c="v$f/$p"
		u=''
		[ $p = udp ] && u=-u
		if [ $f = 4 ]; then
			far=$B4 svc=127.0.0.1:15007
		else
			far="[$B6]" svc="[::1]:15007"
		fi
		out=$tmpd/hop-$f-$p.out
		cout=$tmpd/client-$f-$p.out
		hop_start "$out" "$nsa" $u -l "$svc" -s "$tmpd/rec-$f-$p" -c "$far:9090" || {
			ret=1
			continue
		}
		bg_run "$cout" "${incg[@]}" nsenter --net=/run/netns/"$nsa" setpriv --reuid=1234 \
			--regid=1234 --clear-groups "$flowpeer" connect $u -v -T 10 "$far:8080"
		cpid=$!
		wait "$cpid"
		hop_wait
		sed 's/^/# client: /' "$cout"
		sed 's/^/# hop: /' "$out"
		local_addr=$(sed -n 's/^local=\([^ ]*\) .*/\1/p' "$cout")

		expect "$c: the client reached hop" "hop src=same" cat "$cout"
		expect "$c: records are there" ok kv "$out" records= records
		expect "$c: WSAIoctl returns the same records" ok kv "$out" records= wsa
		expect "$c: one entry" 1 kv "$out" flow_id= count
		e="entry=0 "
		expect "$c: entry: service id" 7 kv "$out" "$e" service
		expect "$c: entry: rule id" 42 kv "$out" "$e" rule
		expect "$c: entry: family" "$f" kv "$out" "$e" family
		expect "$c: entry: protocol" "$p" kv "$out" "$e" proto
		expect "$c: entry: not inherited" 0 kv "$out" "$e" inherited
		expect "$c: entry: original source is the client's socket" "$local_addr" \
			kv "$out" "$e" src
		expect "$c: entry: original destination" "$far:8080" kv "$out" "$e" dst
		expect "$c: entry: uid" 1234 kv "$out" "$e" uid
		expect "$c: entry: pid" "$cpid" kv "$out" "$e" pid
		expect "$c: entry: cgroup id" "$cgid" kv "$out" "$e" cgroup
		expect "$c: context is there" ok kv "$out" context= context
		expect "$c: WSAIoctl returns the same context" ok kv "$out" context= wsa
		expect "$c: default context length" 288 kv "$out" context= len
		expect "$c: context: original destination" "$far:8080" kv "$out" ctx_dst= ctx_dst
		expect "$c: context: original source" "$local_addr" kv "$out" ctx_dst= ctx_src
		expect "$c: context: uid" 1234 kv "$out" ctx_dst= ctx_uid
		expect "$c: context: pid" "$cpid" kv "$out" ctx_dst= ctx_pid
		expect "$c: context: cgroup id" "$cgid" kv "$out" ctx_dst= ctx_cgroup
		expect "$c: context: comm" flowpeer kv "$out" ctx_dst= ctx_comm
		expect "$c: the records are accepted on hop's next socket" ok kv "$out" set= set
		expect "$c: which then connects" ok kv "$out" connect= connect
		expect "$c: and reaches the server directly" server kv "$out" reply= reply

		# a rule's custom context, verbatim
		hop_start "$out" "$nsa" $u -l "$svc" || {
			ret=1
			continue
		}
		expect "$c: custom context: the client reached hop" "hop src=same" \
			nsenter --net=/run/netns/"$nsa" "$flowpeer" connect $u -T 10 "$far:8081"
		hop_wait
		expect "$c: custom context: rule id" 43 kv "$out" "entry=0 " rule
		expect "$c: custom context: length" 6 kv "$out" context= len
		expect "$c: custom context: the rule's bytes" deadbeef0011 kv "$out" ctx_hex= ctx_hex

		# not redirected: no rule matches port 9001 of the namespace's own address
		[ $f = 4 ] && here=$A4 || here="[$A6]"
		hop_start "$out" "$nsa" $u -l "$here:9001" || {
			ret=1
			continue
		}
		expect "$c: not redirected: the client reached hop" "hop src=same" \
			nsenter --net=/run/netns/"$nsa" "$flowpeer" connect $u -T 10 "$here:9001"
		hop_wait
		expect "$c: not redirected: records are ENOENT" ENOENT kv "$out" records= records
		expect "$c: not redirected: WSAIoctl says FWP_E_NOT_FOUND" FWP_E_NOT_FOUND \
			kv "$out" records= wsa
		expect "$c: not redirected: context is ENOENT" ENOENT kv "$out" context= context

		# not redirected: a connection from namespace B
		hop_start "$out" "$nsa" $u -l "$here:9002" || {
			ret=1
			continue
		}
		expect "$c: inbound: the client in B reached hop" "hop src=same" \
			nsenter --net=/run/netns/"$nsb" "$flowpeer" connect $u -T 10 "$here:9002"
		hop_wait
		expect "$c: inbound: records are ENOENT" ENOENT kv "$out" records= records
		expect "$c: inbound: WSAIoctl says FWP_E_NOT_FOUND" FWP_E_NOT_FOUND \
			kv "$out" records= wsa
	done
done
exit $ret
