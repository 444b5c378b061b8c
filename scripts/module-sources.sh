#!/bin/bash
# Usage: scripts/module-sources.sh
# Prints, one a line and relative to the top of the tree, the files the
# module is built from: Kbuild, Makefile, and every *.c, *.h and *.S in the
# module's folders. These are the folders of Kbuild's objects, the folders
# Kbuild adds with $(src)/DIR, and, until nothing new turns up, the top-level
# folders their sources include from ("../DIR/x.h" or "DIR/x.h"). So a
# folder the module gains is shipped (to DKMS) without being listed here;
# user/, tests/ and the rest are not.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A seen=()
queue=()
add() {
	local d
	for d in "$@"; do
		if [ ! -d "$d" ] || [ -n "${seen[$d]:-}" ]; then
			continue
		fi
		seen[$d]=1
		queue+=("$d")
	done
}

# Top-level folder names only: "vmx/run.o" and "$(src)/vmx" give vmx.
mapfile -t dirs < <(sed -e 's/#.*//' Kbuild |
	grep -oE '(\$\(src\)/)?[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]*' |
	sed -e 's|^\$(src)/||' -e 's|/.*||' | sort -u)
add "${dirs[@]}"

i=0
while [ $i -lt ${#queue[@]} ]; do
	mapfile -t dirs < <(find "${queue[$i]}" -type f \
		\( -name '*.c' -o -name '*.h' -o -name '*.S' \) -print0 |
		xargs -0 -r sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*"\(\.\./\)*\([A-Za-z0-9_.-]*\)/.*|\2|p' |
		sort -u)
	add "${dirs[@]}"
	i=$((i + 1))
done

printf '%s\n' Kbuild Makefile
for d in "${queue[@]}"; do
	find "$d" -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \)
done | sort
