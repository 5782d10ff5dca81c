#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Unicast with two peers: the master's adverts go to every one of its
# unicast_peers, not only to the first that takes them. Three nodes, each
# listing the two others: n1 (200) master, n2 (100) and n3 (50) backups;
# n3, the second peer of n1's list, must hear n1 and stay BACKUP (a master
# that stops at its first peer leaves n3 to take over: two masters).
. "$(dirname "$0")/lib.sh"
net_init unicast_three
VIP=198.51.100.100

net_bridge
net_host n1 198.51.100.11/24
net_host n2 198.51.100.12/24
net_host n3 198.51.100.13/24

uni_conf() { # <node> <prio> <self> <peer> <peer>
	web_conf "$1" "$2" "unicast_source = \"$3\"; unicast_peers = [ \"$4\", \"$5\" ];"
}

uni_conf n1 200 198.51.100.11 198.51.100.12 198.51.100.13
uni_conf n2 100 198.51.100.12 198.51.100.11 198.51.100.13
uni_conf n3 50 198.51.100.13 198.51.100.11 198.51.100.12

clustd_start n1
check "n1 becomes MASTER" wait_log 10 n1 'web: [A-Z]+ -> MASTER'
clustd_start n2
clustd_start n3
check "n2 enters BACKUP" wait_log 10 n2 'web: INIT -> BACKUP'
check "n3 enters BACKUP" wait_log 10 n3 'web: INIT -> BACKUP'
sleep 2 # more than five Master_Down_Intervals
check "n2 stays BACKUP (it hears n1)" eval '! log_has n2 "web: BACKUP -> MASTER"'
check "n3 stays BACKUP (it hears n1 too)" eval '! log_has n3 "web: BACKUP -> MASTER"'
check "only n1 holds the VIP" only_holder n1 $VIP

done_testing
