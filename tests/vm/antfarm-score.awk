# Usage: awk -f antfarm-score.awk EVENTS.csv CONSOLE
# Issue 14: scores `kvmini run --trace-cr3=EVENTS.csv` against the ground
# truth the Linux guest's antwork printed on CONSOLE (its comment lists the
# lines).  One vCPU: the key a child was born under is the key of the last
# switch before its "born" line.  One pass over the events: busybox awk
# in a nested guest is slow.  Prints "antfarm-score" lines: creation,
# exit and the view at each /proc scan as precision and recall, and the
# delay from a child's last word to the tool's exit event.

function ratio(a, b) { return b ? sprintf("%.4f", a / b) : "nan" }

# Sorts idx[1..n] by val[idx[]] (insertion sort: a few hundred at most).
function sort_by(idx, n, val,    i, j, v) {
	for (i = 2; i <= n; i++) {
		v = idx[i]
		for (j = i - 1; j >= 1 && val[idx[j]] > val[v]; j--)
			idx[j + 1] = idx[j]
		idx[j + 1] = v
	}
}

FNR == NR {
	if (FNR > 1) {
		split($0, f, ",")
		ne++
		et[ne] = f[1] + 0; ev[ne] = f[3]; ek[ne] = f[4]
	}
	next
}
{ sub(/\r$/, "") }
$1 == "antfarm-window" { win[$2] = $3 + 0 }
$1 == "antfarm-clock" { nc++; ctsc[nc] = $2 + 0; cns[nc] = $3 + 0 }
$1 == "antfarm-born" { np++; pid[np] = $2; born[np] = $3 + 0; idx[$2] = np }
$1 == "antfarm-gone" && ($2 in idx) { gone[idx[$2]] = $3 + 0 }
$1 == "antfarm-truth" {
	ns++
	s0[ns] = $2 + 0; s1[ns] = $3 + 0
	for (i = 4; i <= NF; i++)
		listed[ns, $i] = 1
}

END {
	if (!np || !ns || nc < 2 || !("begin" in win) || !("end" in win)) {
		print "antfarm-score incomplete: " np " children, " ns " scans, " ne " events"
		exit 1
	}
	tick_ns = (cns[2] - cns[1]) / (ctsc[2] - ctsc[1])

	# The events in TSC order, the children in the order they spoke: a
	# child's key is the key current when it was born; its creation the
	# last create of that key with no exit since (claimed once); its exit
	# the first exit of its key after its last word, unless the key is
	# created again first.
	for (i = 1; i <= np; i++)
		byborn[i] = i
	sort_by(byborn, np, born)
	for (i = 1; i <= np; i++)
		if (i in gone)
			bygone[++ng] = i
	sort_by(bygone, ng, gone)
	b = 1; g = 1; cur = ""
	for (e = 1; e <= ne + 1; e++) {
		t = e <= ne ? et[e] : 1e300
		for (; b <= np && born[byborn[b]] < t; b++) {
			i = byborn[b]
			key[i] = cur
			at[i] = e
			c = (cur in open) ? open[cur] : 0
			if (c && et[c] >= win["begin"] && !(c in claimed)) {
				claimed[c] = i
				cr[i] = c
			}
		}
		for (; g <= ng && gone[bygone[g]] <= t; g++)
			if (key[bygone[g]] != "")
				waiting[key[bygone[g]]] = bygone[g]
		if (e > ne)
			break
		k = ek[e]
		if (ev[e] == "create") {
			open[k] = e
			delete waiting[k]
		} else if (ev[e] == "switch") {
			cur = k
		} else if (ev[e] == "exit") {
			if (k in open)
				ended[open[k]] = et[e]
			delete open[k]
			if (k in waiting) {
				i = waiting[k]
				xr[i] = e
				claimedx[e] = i
				delay[++nd] = (et[e] - gone[i]) * tick_ns / 1000
				delete waiting[k]
			}
		}
	}

	for (e = 1; e <= ne; e++) {
		if (et[e] < win["begin"] || et[e] > win["end"])
			continue
		if (ev[e] == "create") {
			nC++
			if (e in claimed) mC++; else unclaimed[++nu] = e
		}
		if (ev[e] == "exit") { nX++; mX += (e in claimedx) }
	}
	for (i = 1; i <= np; i++) {
		rC += i in cr
		rX += i in xr
		for (s = 1; s <= ns; s++)
			if ((s, pid[i]) in listed) {
				nproc++
				break
			}
	}

	# The view at each scan: a child listed in /proc against its key, alive
	# in the tool through the scan or not at all; one that came or went
	# while the scan read /proc may rightly be either.
	for (s = 1; s <= ns; s++) {
		for (i = 1; i <= np; i++) {
			truth = (s, pid[i]) in listed
			made = (i in cr) ? et[cr[i]] : -1
			end = (i in xr) ? et[xr[i]] : -1
			if (made >= 0 && made <= s0[s] && (end < 0 || end >= s1[s])) {
				if (truth) vt++; else vf++
			} else if (made < 0 || made > s1[s] || (end >= 0 && end < s0[s])) {
				if (truth) vn++
			} else {
				amb++  # born or gone while the scan ran
			}
		}
		# Keys the tool thinks alive through the scan that belong to no child.
		for (u = 1; u <= nu; u++) {
			c = unclaimed[u]
			vf += et[c] <= s0[s] && (!(c in ended) || ended[c] >= s1[s])
		}
	}

	# The first misses, for whoever reads a failure.
	for (i = 1; i <= np && shown < 5; i++)
		if (!(i in cr) || !(i in xr)) {
			shown++
			print "antfarm-score miss pid " pid[i] " key " key[i] " born " born[i] \
				" gone " gone[i] ((i in cr) ? "" : " no-create") ((i in xr) ? "" : " no-exit")
			for (e = at[i] - 4; shown == 1 && e <= at[i] + 1; e++)
				if (e >= 1 && e <= ne)
					print "antfarm-score miss event " et[e] " " ev[e] " " ek[e]
		}

	for (i = 1; i <= nd; i++)
		di[i] = i
	sort_by(di, nd, delay)

	print "antfarm-score children " np " listed-in-proc " nproc + 0 " scans " ns
	print "antfarm-score create precision " ratio(mC, nC) " recall " ratio(rC, np) \
		" (" mC + 0 " of " nC + 0 " tool creates, " rC + 0 " of " np " children)"
	print "antfarm-score exit precision " ratio(mX, nX) " recall " ratio(rX, np) \
		" (" mX + 0 " of " nX + 0 " tool exits, " rX + 0 " of " np " children)"
	print "antfarm-score view precision " ratio(vt, vt + vf) " recall " ratio(vt, vt + vn) \
		" (" vt + 0 " agree, " vf + 0 " tool only, " vn + 0 " proc only, " amb + 0 " changed during a scan)"
	if (nd)
		printf "antfarm-score exit-delay-us min %.0f p50 %.0f p90 %.0f p99 %.0f max %.0f n %d\n",
			delay[di[1]], delay[di[int((nd + 1) / 2)]], delay[di[int(nd * 0.9 + 0.999)]],
			delay[di[int(nd * 0.99 + 0.999)]], delay[di[nd]], nd
}
