#!/bin/bash
# The documentation says what the code does: README's causes table is the one
# generated from user/diagnose/causes.c, and every option of --help is in README and the
# man page.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
table=$(sed -n '/<!-- causes:begin/,/<!-- causes:end/p' README.md | sed '1d;$d')
if [ "$table" = "$(build/gen_docs markdown)" ]; then
	t_pass docs_causes_table_in_sync
else
	t_fail docs_causes_table_in_sync "README's causes table differs from user/diagnose/causes.c: run make readme"
fi
missing=
for opt in $(./smbwatch --help | grep -oE -- '--[a-z-]+' | sort -u); do
	grep -q -- "$opt" README.md || missing="$missing README:$opt"
	grep -q -- "$(sed 's/-/\\\\-/g' <<< "$opt")" dist/smbwatch.8 || missing="$missing man:$opt"
done
if [ -z "$missing" ]; then
	t_pass docs_every_option_documented
else
	t_fail docs_every_option_documented "undocumented:$missing"
fi
