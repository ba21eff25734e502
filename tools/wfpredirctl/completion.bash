# SPDX-License-Identifier: GPL-2.0
# bash completion for wfpredirctl(8): objects, commands, options, keywords,
# and service names from the running system (`wfpredirctl -j service list`,
# which needs CAP_NET_ADMIN; without it, no names are offered).
# shellcheck shell=bash

# _wfpredirctl_services [OPTS...]: the service names, in the namespace -n names.
_wfpredirctl_services()
{
	local json
	json=$("${COMP_WORDS[0]}" "$@" -j service list 2>/dev/null) || return 0
	# No jq needed: the names are "name":"..." fields of the listing.
	printf '%s\n' "$json" | grep -o '"name":"[^"]*"' | sed 's/^"name":"//; s/"$//'
}

_wfpredirctl()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local objects="info config service rule flow monitor help"
	local options="-j --json -p --pretty -n --netns -V --version -h --help"
	local i object="" command="" netns=() first=0

	# Options before the object; -n takes a value.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-n | --netns)
			netns=(-n "${words[i + 1]}")
			i=$((i + 1))
			;;
		-*) ;;
		*)
			object=${words[i]}
			first=$i
			break
			;;
		esac
	done

	case $prev in
	-n | --netns)
		local ns
		ns=$(ls /run/netns 2>/dev/null)
		mapfile -t COMPREPLY < <(compgen -W "$ns" -- "$cur")
		return
		;;
	esac

	if [ -z "$object" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$objects" -- "$cur")
		fi
		return
	fi
	((first + 1 < cword)) && command=${words[first + 1]}

	# The object as wfpredirctl reads it: exact, or the one it is a prefix of.
	local o full=""
	for o in $objects; do
		if [ "$o" = "$object" ]; then
			full=$o
			break
		fi
		if [[ $o == "$object"* ]]; then
			[ -n "$full" ] && return
			full=$o
		fi
	done

	local cmds="" kw=""
	case $full in
	info) cmds="show help" ;;
	config) cmds="set help" kw="chain-max inherit flow-share" ;;
	service)
		cmds="add del list show flush help"
		kw="id ipv4 ipv6 owner uid user cgroup"
		;;
	rule)
		cmds="add del list show flush help"
		kw="service id priority family proto to dport uid cgroup context"
		;;
	flow) cmds="list show help" kw="service rule proto dst" ;;
	monitor)
		# buffer-size takes a number of bytes: nothing to offer.
		[ "$prev" = buffer-size ] && return
		mapfile -t COMPREPLY < <(compgen -W "all service rule table flow redirect refused buffer-size help" -- "$cur")
		return
		;;
	*) return ;;
	esac

	if [ -z "$command" ]; then
		mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur")
		return
	fi

	case $prev in
	service)
		# "rule add service NAME", "flow list service NAME"
		mapfile -t COMPREPLY < <(compgen -W "$(_wfpredirctl_services "${netns[@]}")" -- "$cur")
		return
		;;
	proto)
		mapfile -t COMPREPLY < <(compgen -W "tcp udp" -- "$cur")
		return
		;;
	family)
		mapfile -t COMPREPLY < <(compgen -W "ipv4 ipv6" -- "$cur")
		return
		;;
	inherit)
		mapfile -t COMPREPLY < <(compgen -W "on off" -- "$cur")
		return
		;;
	owner)
		mapfile -t COMPREPLY < <(compgen -W "uid user cgroup" -- "$cur")
		return
		;;
	user)
		mapfile -t COMPREPLY < <(compgen -u -- "$cur")
		return
		;;
	esac
	# "service del NAME", "service show NAME"
	if [[ $full == service && (del == "$command"* || show == "$command"*) &&
		$((first + 2)) -eq $cword ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_wfpredirctl_services "${netns[@]}") id" -- "$cur")
		return
	fi
	mapfile -t COMPREPLY < <(compgen -W "$kw" -- "$cur")
}
complete -F _wfpredirctl wfpredirctl
